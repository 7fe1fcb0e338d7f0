// prepareRun(): the one way every command and global setup prepare a run. The embedded default
// seeds the configured accounts when there are any, else the demo's generated ones; every
// password the run knows is among its secrets; a configured target is used as given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localAccounts } from '../demo-app/src/index.ts';
import { prepareRun } from '../run/prepare.ts';
import { loadConfig } from '../src/config.ts';
import { emptyEnvDir, testAccounts, testConfig } from './support/target.ts';

/** Signs in through the target's API: the account is really there, with that password. */
async function signsIn(baseURL: string, account: { email: string; password: string }): Promise<number> {
  const response = await fetch(new URL('/api/v1/auth/login', baseURL), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  return response.status;
}

describe('prepareRun', () => {
  it('embedded, no accounts configured: the demo\'s generated accounts, their passwords and the database\'s among the secrets', async () => {
    const run = await prepareRun(loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir } }));
    try {
      assert.equal(run.target.kind, 'embedded');
      assert.deepEqual(run.target.accounts, localAccounts());
      for (const a of run.target.accounts) assert.ok(run.secrets.includes(a.password));
      assert.ok(run.secrets.includes(decodeURIComponent(new URL(run.target.databaseURL!).password)));
      assert.equal(await signsIn(run.target.baseURL!, run.target.accounts[0]!), 200);
    } finally {
      await run.stop();
    }
  });

  it('embedded, accounts configured: those win, each signing in with its own password', async () => {
    const run = await prepareRun(testConfig());
    try {
      assert.deepEqual(run.target.accounts, testAccounts);
      for (const account of testAccounts) assert.equal(await signsIn(run.target.baseURL!, account), 200, account.email);
    } finally {
      await run.stop();
    }
  });

  it('configured: the target as given, the profile\'s log file where none is set, nothing started', async () => {
    const run = await prepareRun(testConfig({ BASE_URL: 'https://staging.example.com', DATABASE_URL: 'postgres://ro:pw-123@db.example.com/app' }));
    assert.equal(run.target.kind, 'configured');
    assert.equal(run.target.baseURL, 'https://staging.example.com');
    assert.equal(run.target.appLogFile, run.profile.app.logFile);
    assert.ok(run.secrets.includes('pw-123'));
    assert.ok(run.secretNames.includes(run.profile.app.auth!.refreshTokenField));
    await run.stop();
  });
});
