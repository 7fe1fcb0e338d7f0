// Config: sources and their order, defaults, and one clear line per problem.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { testEnvironment } from './support/target.ts';

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
  it('with only the accounts set, targets the embedded demo with documented defaults', () => {
    const config = loadConfig({ env: testEnvironment() });
    assert.equal(config.target.mode, 'embedded');
    assert.equal(config.profile, 'personal-assistant');
    assert.equal(config.workers, 2);
    assert.equal(config.thresholds.connectionSaturationMax, 0.8);
    assert.equal(config.accounts.qa.length, 3);
    assert.ok(config.secrets.includes(testEnvironment().VERITY_QA_PASSWORD!));
  });

  it('a DATABASE_URL or BASE_URL makes the target configured; the DB password is a secret', () => {
    const config = loadConfig({ env: testEnvironment({ DATABASE_URL: 'postgres://verity_ro:s3cret-pw@db.example.com:5432/app' }) });
    assert.equal(config.target.mode, 'configured');
    assert.equal(config.target.baseURL, undefined);
    assert.ok(config.secrets.includes('s3cret-pw'));
  });

  it('names every missing required setting on its own line', () => {
    const problems = problemsOf({ VERITY_ENV_DIR: testEnvironment().VERITY_ENV_DIR! });
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), ['VERITY_ADMIN_EMAIL', 'VERITY_ADMIN_PASSWORD', 'VERITY_QA_EMAILS', 'VERITY_QA_PASSWORD']);
    for (const p of problems) assert.match(p, /is required \(see \.env\.example\)$/);
  });

  it('says what each invalid value should be, without echoing secrets', () => {
    const problems = problemsOf(testEnvironment({
      VERITY_XID_AGE_MAX: 'lots',
      VERITY_CONNECTION_SATURATION_MAX: '80%',
      BASE_URL: 'staging.example.com',
      DATABASE_URL: 'mysql://root:hunter2@db/app',
      VERITY_TRACE: 'always',
      VERITY_QA_EMAILS: 'qa1@example.test,not-an-email',
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
    assert.equal(plain.target.mode, 'embedded');
    const staging = loadConfig({ env, envName: 'staging' });
    assert.equal(staging.workers, 4);
    assert.equal(staging.budgets.apiMs, 700);
    assert.equal(staging.thresholds.lockWaitSeconds, 20);
    assert.equal(staging.target.baseURL, 'https://staging.example.com');
    assert.equal(loadConfig({ env: { ...env, VERITY_ENV: 'staging' } }).workers, 4);
  });

  it('an --env whose file does not exist is a config error', () => {
    const problems = problemsOf(testEnvironment(), 'nightly');
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^VERITY_ENV: \.env\.nightly not found in /);
  });
});
