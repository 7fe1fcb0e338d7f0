// The redacting reporter against a real Playwright run of a spec that leaks on purpose
// (test/fixtures/leaky-run): no secret reaches the Allure results, the HTML report, the JUnit or
// JSON report, whether it was attached or thrown inside a step or at the test's top level.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { leaksIn } from './support/secret-scan.ts';
import { emptyEnvDir } from './support/target.ts';
import { repoRoot } from './support/verify-run.ts';

const password = 'leaky "pass\\word" #1';
const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsZWFreS11c2VyLTEyMyJ9.c2lnbmF0dXJlLW9mLXRoZS1sZWFreS10b2tlbg';
const refresh = 'R3fr3sh-Opaque-Token-9f8e7d6c5b4a';

describe('the redacting reporter', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'verity-leaky-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('leaves no password or token in any report, from steps or the test', () => {
    const run = spawnSync(path.join(repoRoot, 'node_modules/.bin/playwright'), ['test', '-c', 'test/fixtures/leaky-run/playwright.config.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: {
        ...process.env,
        LEAKY_OUT: out,
        LEAKY_PASSWORD: password,
        LEAKY_JWT: jwt,
        LEAKY_REFRESH: refresh,
        // What the redactor learns the secrets from: Verity's own config.
        VERITY_ENV_DIR: emptyEnvDir,
        VERITY_ACCOUNTS: JSON.stringify([{ email: 'qa@example.test', password, role: 'qa' }]),
      },
    });
    assert.equal(run.status, 1, `the leaky test fails, as written:\n${run.stdout}${run.stderr}`);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    assert.equal(results.stats.unexpected, 1, 'the run reported its test');
    assert.deepEqual(leaksIn(out, [{ what: 'the password', value: password }, { what: 'the refresh token', value: refresh }]), []);
  });
});
