// The release verdict where a release manager looks: the console, summary.md, the exit code and
// the Allure report's Quality Gates tab all say the same; runs on one target share a history
// (the report's trend), and the summary says what changed since the previous run. Four quick
// runs (--grep @smoke) against the demo configured as a target, sharing one reports folder.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Demo } from '../demo-app/src/index.ts';
import { startTarget } from './support/target.ts';
import { verify, type VerifyRun } from './support/verify-run.ts';

/** What the generated report shows in its Quality Gates tab and environment panel. */
function reportData(run: VerifyRun) {
  const widgets = path.join(run.runDir!, 'allure-report', 'widgets');
  const gate = JSON.parse(readFileSync(path.join(widgets, 'quality-gate.json'), 'utf8')).default as { rule: string; success: boolean; actual: string; message: string }[];
  const environment = JSON.parse(readFileSync(path.join(widgets, 'allure_environment.json'), 'utf8')) as { name: string; values: string[] }[];
  const charts = JSON.parse(readFileSync(path.join(widgets, 'charts.json'), 'utf8')).general as Record<string, { type: string; data: unknown[] }>;
  const trend = Object.values(charts).find((c) => c.type === 'statusDynamics')?.data ?? [];
  return { gate, environment: Object.fromEntries(environment.map((e) => [e.name, e.values[0]])), trend };
}

const summaryOf = (run: VerifyRun) => readFileSync(path.join(run.runDir!, 'summary.md'), 'utf8');

describe('the verdict, history and what changed (npm run verify -- --grep @smoke, four runs)', () => {
  let demo: Demo;
  const reportsDir = mkdtempSync(path.join(tmpdir(), 'verity-history-'));
  const stepSummary = path.join(mkdtempSync(path.join(tmpdir(), 'verity-step-summary-')), 'summary.md');
  const runs: VerifyRun[] = [];
  const verifyDemo = () => verify(
    { BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_REPORTS_DIR: reportsDir, VERITY_TRACE: 'off', VERITY_ACCESS_TTL_SECONDS: '900', GITHUB_STEP_SUMMARY: stepSummary },
    { args: ['--grep', '@smoke'] },
  );

  before(async () => {
    demo = await startTarget();
    writeFileSync(stepSummary, '');
    runs.push(await verifyDemo(), await verifyDemo());
    await demo.applyFault('statistics-lost');
    runs.push(await verifyDemo());
    await demo.reset();
    await demo.applyFault('missing-table');
    runs.push(await verifyDemo());
    await demo.reset();
  });
  after(async () => {
    await demo?.stop();
    rmSync(reportsDir, { recursive: true, force: true });
    rmSync(path.dirname(stepSummary), { recursive: true, force: true });
  });

  it('healthy, twice: GO (exit 0) on the console, in summary.md and in the report\'s Quality Gates tab, with a trend of two runs', () => {
    const [first, second] = runs;
    for (const run of [first!, second!]) {
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /^ {2}Verdict: GO: every check passed \(exit 0\)$/m);
      assert.match(summaryOf(run), /^## Verity: GO$/m);
    }
    const { gate, environment, trend } = reportData(second!);
    assert.equal(trend.length, 2, 'the report\'s status trend shows the previous run and this one');
    assert.deepEqual(gate.map((g) => [g.rule, g.success, g.actual]), [['verityVerdict', true, 'GO']]);
    assert.match(gate[0]!.message, /^Verdict GO: every check passed \(exit 0\)\./);
    const histories = readdirSync(path.join(reportsDir, 'history'));
    assert.deepEqual(histories, [`127.0.0.1-${new URL(demo.baseURL).port}-personal-assistant.jsonl`], 'one history for this target and profile');
    // The history holds one line per run: the second report was built on the first's.
    const lines = readFileSync(path.join(reportsDir, 'history', histories[0]!), 'utf8').trim().split('\n');
    assert.equal(lines.length, runs.length);
    assert.match(second!.stdout, /Since the previous run \(.+\): 0 new failures, 0 fixed, 0 still failing\./);
    assert.match(first!.stdout, /First run on this target and profile/);
    // The environment panel.
    assert.equal(environment.Target, demo.baseURL);
    assert.equal(environment['App version'], '1.0.0');
    assert.match(environment.PostgreSQL!, /^PostgreSQL \d+/);
    assert.match(environment.Browser!, /^(Chromium|Google Chrome|Chrome) \d+/);
    assert.match(environment.Verity!, /^\d+\.\d+\.\d+ \(/);
    for (const name of ['Profile', 'Environment', 'Run id', 'Started', 'Duration', 'Database']) assert.ok(environment[name], `the panel shows ${name}`);
    assert.doesNotMatch(JSON.stringify(environment), new RegExp(decodeURIComponent(new URL(demo.verifierDatabaseURL).password)), 'no password in the panel');
  });

  it('only minor findings (planner statistics lost): GO WITH WARNINGS, exit 0, the warnings listed', () => {
    const run = runs[2]!;
    assert.equal(run.status, 0, run.stdout);
    assert.match(run.stdout, /Verdict: GO WITH WARNINGS: every check passed, 2 warnings to read \(exit 0\)/);
    assert.match(run.stdout, /never-analyzed: \d+ of \d+ analyzed tables have lost their planner statistics/);
    assert.deepEqual(reportData(run).gate.map((g) => [g.success, g.actual]), [[true, 'GO WITH WARNINGS']]);
  });

  it('a fault applied between two runs: a new failure in summary.md, and the verdict flips to NO-GO (exit 1)', () => {
    const run = runs[3]!;
    assert.equal(run.status, 1, run.stdout);
    const summary = summaryOf(run);
    assert.match(summary, /^## Verity: NO-GO$/m);
    // The table is missing, and (against the healthy demo's baseline) gone since it was recorded.
    assert.match(summary, /^Since the previous run \(.+\): 2 new failures, 0 fixed, 0 still failing\.$/m);
    assert.match(summary, /^- new failure: Expected tables and extensions$/m);
    assert.match(summary, /^- new failure: Schema as in the baseline$/m);
    assert.match(summary, /\| major \| schema-presence \| Expected table ltm_memory_tags is missing \|/);
    const { gate } = reportData(run);
    assert.deepEqual(gate.map((g) => [g.success, g.actual]), [[false, 'NO-GO']]);
    assert.match(gate[0]!.message, /Failed: schema-presence/);
  });

  it('summary.md is appended to GITHUB_STEP_SUMMARY once per run', () => {
    const appended = readFileSync(stepSummary, 'utf8');
    assert.equal(appended.match(/^## Verity: /gm)?.length, runs.length);
    for (const run of runs) assert.ok(appended.includes(summaryOf(run)));
    assert.ok(runs.every((run) => existsSync(path.join(run.runDir!, 'summary.txt'))), 'summary.txt stays');
  });
});
