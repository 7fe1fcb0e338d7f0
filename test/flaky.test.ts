// Retries: a check that passes only on a retry is flaky, and that is never hidden: the verdict is
// GO WITH WARNINGS naming it, and the Allure report marks it flaky. A real Playwright run of a
// fixture (test/fixtures/flaky-run) with one retry, then Verity's own reading and report builder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildReport } from '../run/report.ts';
import { judge, readResults } from '../run/summary.ts';
import { loadConfig } from '../src/config.ts';
import { emptyEnvDir } from './support/target.ts';
import { repoRoot } from './support/verify-run.ts';

describe('a flaky check', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'verity-flaky-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('is a warning in the verdict and marked flaky in the Allure report', async () => {
    const run = spawnSync(path.join(repoRoot, 'node_modules/.bin/playwright'), ['test', '-c', 'test/fixtures/flaky-run/playwright.config.ts'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, FLAKY_OUT: out } });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const { failures, flaky } = readResults(path.join(out, 'results.json'));
    assert.deepEqual(failures, []);
    assert.deepEqual(flaky, ['a check that passes only on its retry (passed on retry 1)']);
    const verdict = judge(undefined, failures, 0, flaky);
    // No run state here (no global setup ran): set aside what that alone makes Verity unsure of.
    assert.deepEqual(verdict.warnings, ['flaky: a check that passes only on its retry (passed on retry 1)']);

    const state = { runId: 'flaky', startedAt: new Date().toISOString(), target: loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir } }).target, secrets: [], secretNames: [], browser: { source: 'system' as const } };
    const green = judge(state, failures, 0, flaky);
    assert.equal(green.name, 'GO WITH WARNINGS');
    assert.equal(green.exitCode, 0);
    await buildReport({ resultsDir: path.join(out, 'allure-results'), outputDir: path.join(out, 'allure-report'), historyFile: path.join(out, 'history.jsonl'), verdict: green, environment: {}, singleFile: false });
    const results = readdirSync(path.join(out, 'allure-report', 'data', 'test-results')).map((f) => JSON.parse(readFileSync(path.join(out, 'allure-report', 'data', 'test-results', f), 'utf8')));
    const marked = results.filter((r) => r.flaky).map((r) => r.name);
    assert.deepEqual(marked, ['a check that passes only on its retry']);
  });
});
