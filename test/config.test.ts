// Config: sources and their order, defaults, and one clear line per problem.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, settingNames } from '../src/config.ts';
import { adminAccount, qaAccounts } from '../src/target.ts';
import { emptyEnvDir, testEnvironment } from './support/target.ts';
import { repoRoot } from './support/verify-run.ts';

function problemsOf(env: Record<string, string>, envName?: string): string[] {
  try {
    loadConfig({ env, envName });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'verity-config-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

describe('config', () => {
  it('with nothing set at all, targets the embedded demo with documented defaults and no accounts yet', () => {
    const config = loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir } });
    assert.equal(config.target.kind, 'embedded');
    assert.deepEqual(config.target.accounts, [], 'the embedded demo brings generated ones');
    assert.equal(config.profile, 'personal-assistant');
    assert.equal(config.workers, 2);
    assert.equal(config.thresholds.connectionSaturationMax, 0.8);
    assert.deepEqual(config.secrets, []);
  });

  it('a DATABASE_URL or BASE_URL makes the target configured; the DB password is a secret', () => {
    const config = loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir, DATABASE_URL: 'postgres://verity_ro:s3cret-pw@db.example.com:5432/app' } });
    assert.equal(config.target.kind, 'configured');
    assert.equal(config.target.baseURL, undefined);
    assert.deepEqual(config.target.accounts, []);
    assert.ok(config.secrets.includes('s3cret-pw'));
  });

  it('accounts from VERITY_ACCOUNTS: each its own password, any character, each a secret', () => {
    const accounts = [
      { email: 'qa1@example.test', password: 'pä"ss\\wörd\n# =;$x', role: 'qa' },
      { email: 'qa2@example.test', password: "it's another", role: 'qa' },
      { email: 'boss@example.test', password: 'b0ss', role: 'admin' },
    ];
    const config = loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir, VERITY_ACCOUNTS: JSON.stringify(accounts) } });
    assert.deepEqual(config.target.accounts, accounts);
    assert.deepEqual(qaAccounts(config.target).map((a) => a.email), ['qa1@example.test', 'qa2@example.test']);
    assert.equal(adminAccount(config.target)?.email, 'boss@example.test');
    for (const a of accounts) assert.ok(config.secrets.includes(a.password));
  });

  it('accounts from VERITY_ACCOUNTS_FILE, relative to the .env folder', () => {
    const accounts = [{ email: 'qa@example.test', password: 'from a file', role: 'qa' }];
    const dir = dirWith({ 'accounts.json': JSON.stringify(accounts), '.env': 'VERITY_ACCOUNTS_FILE=accounts.json\n' });
    assert.deepEqual(loadConfig({ env: { VERITY_ENV_DIR: dir } }).target.accounts, accounts);
  });

  it('the QA emails sharing VERITY_QA_PASSWORD, and the admin pair, still work', () => {
    const config = loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir, VERITY_QA_EMAILS: 'a@example.test, b@example.test', VERITY_QA_PASSWORD: 'shared-pw', VERITY_ADMIN_EMAIL: 'root@example.test', VERITY_ADMIN_PASSWORD: 'admin-pw' } });
    assert.deepEqual(config.target.accounts, [
      { email: 'a@example.test', password: 'shared-pw', role: 'qa' },
      { email: 'b@example.test', password: 'shared-pw', role: 'qa' },
      { email: 'root@example.test', password: 'admin-pw', role: 'admin' },
    ]);
    assert.ok(config.secrets.includes('shared-pw') && config.secrets.includes('admin-pw'));
  });

  it('bad accounts: one line per problem naming the entry and field, never a password', () => {
    const base = { VERITY_ENV_DIR: emptyEnvDir };
    assert.deepEqual(problemsOf({ ...base, VERITY_ACCOUNTS: '[{"email":"qa@example.test","password":"hunter2",' }), [
      'VERITY_ACCOUNTS: is not valid JSON; expected a list like [{"email":"qa1@example.com","password":"…","role":"qa"}, {"email":"admin@example.com","password":"…","role":"admin"}]',
    ]);
    assert.deepEqual(problemsOf({ ...base, VERITY_ACCOUNTS: JSON.stringify([{ email: 'qa@example.test', password: 'hunter2', role: 'tester' }, { email: 'nope', password: '' , role: 'qa' }]) }), [
      'VERITY_ACCOUNTS: [0].role: expected "qa" or "admin"',
      'VERITY_ACCOUNTS: [1].email: expected an email address',
      'VERITY_ACCOUNTS: [1].password: expected a password',
    ]);
    assert.deepEqual(problemsOf({ ...base, VERITY_ACCOUNTS: '[]' }), ['VERITY_ACCOUNTS: expected at least one account']);
    assert.deepEqual(problemsOf({ ...base, VERITY_QA_EMAILS: 'qa@example.test' }), ['VERITY_QA_PASSWORD: is required with VERITY_QA_EMAILS (see .env.example)']);
    assert.deepEqual(problemsOf({ ...base, VERITY_ADMIN_PASSWORD: 'hunter2' }), ['VERITY_ADMIN_EMAIL: is required with VERITY_ADMIN_PASSWORD (see .env.example)']);
    assert.deepEqual(problemsOf({ ...base, VERITY_ACCOUNTS_FILE: 'missing.json' }), [`VERITY_ACCOUNTS_FILE: ${path.join(emptyEnvDir, 'missing.json')} does not exist`]);
    const twoWays = problemsOf({ ...base, VERITY_ACCOUNTS: '[]', VERITY_QA_EMAILS: 'qa@example.test', VERITY_QA_PASSWORD: 'pw' });
    assert.deepEqual(twoWays, ['VERITY_ACCOUNTS: accounts are given 2 ways (VERITY_ACCOUNTS, VERITY_QA_EMAILS/VERITY_ADMIN_EMAIL): give them one way']);
  });

  it('says what each invalid value should be, without echoing secrets', () => {
    const problems = problemsOf(testEnvironment({
      VERITY_XID_AGE_MAX: 'lots',
      VERITY_CONNECTION_SATURATION_MAX: '80%',
      BASE_URL: 'staging.example.com',
      DATABASE_URL: 'mysql://root:hunter2@db/app',
      VERITY_TRACE: 'always',
      VERITY_QA_EMAILS: 'qa1@example.test,not-an-email',
      VERITY_QA_PASSWORD: 'pw',
    }));
    assert.equal(problems.length, 6);
    assert.ok(problems.includes('VERITY_XID_AGE_MAX: expected transactions (a whole number) (got "lots")'));
    assert.ok(problems.includes('VERITY_CONNECTION_SATURATION_MAX: expected a fraction between 0 and 1, e.g. 0.8 (got "80%")'));
    assert.ok(problems.some((p) => p.startsWith('BASE_URL: expected a http: or https: URL')));
    assert.ok(problems.includes('VERITY_TRACE: expected on, off or retain-on-failure (got "always")'));
    assert.ok(problems.some((p) => p.startsWith('VERITY_QA_EMAILS: expected comma-separated email addresses')));
    const db = problems.find((p) => p.startsWith('DATABASE_URL'))!;
    assert.match(db, /expected a postgres: or postgresql: URL/);
    assert.doesNotMatch(db, /hunter2/);
  });

  it('reads .env, then .env.<name>, and the process environment wins', () => {
    const dir = dirWith({
      '.env': 'VERITY_WORKERS=3\nVERITY_LOCK_WAIT_SECONDS=10\nVERITY_API_BUDGET_MS=700\n',
      '.env.staging': 'VERITY_WORKERS=4\nBASE_URL=https://staging.example.com\n',
    });
    const env = { ...testEnvironment(), VERITY_ENV_DIR: dir, VERITY_LOCK_WAIT_SECONDS: '20' };
    const plain = loadConfig({ env });
    assert.equal(plain.workers, 3);
    assert.equal(plain.target.kind, 'embedded');
    const staging = loadConfig({ env, envName: 'staging' });
    assert.equal(staging.workers, 4);
    assert.equal(staging.budgets.apiMs, 700);
    assert.equal(staging.thresholds.lockWaitSeconds, 20);
    assert.equal(staging.target.baseURL, 'https://staging.example.com');
    assert.equal(loadConfig({ env: { ...env, VERITY_ENV: 'staging' } }).workers, 4);
  });

  it('.env.example documents every setting, and loads as a .env', () => {
    const example = readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    assert.deepEqual(settingNames.filter((name) => !documented.has(name)), [], 'settings .env.example does not mention');
    assert.deepEqual([...documented].filter((name) => !settingNames.includes(name)), [], 'names in .env.example Verity does not read');
    const config = loadConfig({ env: { VERITY_ENV_DIR: dirWith({ '.env': example }) } });
    assert.equal(config.target.kind, 'embedded');
  });

  it('an --env whose file does not exist is a config error', () => {
    const problems = problemsOf(testEnvironment(), 'nightly');
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^VERITY_ENV: \.env\.nightly not found in /);
  });
});
