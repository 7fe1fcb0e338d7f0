// The one screen a release manager reads after `npm run verify`: per layer passed / failed /
// skipped, the worst database findings, each failed journey with the first line of why, what
// Verity could not observe, the report's path, and the exit code that goes with it all.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../src/config.ts';
import { displayURL, type Redactor } from '../src/redact.ts';
import type { RunState } from '../src/run-state.ts';
import { verdictOf } from '../src/verdict.ts';

interface LayerCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** A test that failed: where, what, and the first line of why. */
interface FailedCheck {
  project: string;
  title: string;
  reason: string;
}

/** Passed, failed and skipped tests per project (database, api, ui), and the failures, from Playwright's JSON report. */
export function readResults(file: string): { layers: Record<string, LayerCounts>; failures: FailedCheck[] } {
  const layers: Record<string, LayerCounts> = {};
  const failures: FailedCheck[] = [];
  if (!existsSync(file)) return { layers, failures };
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const visit = (suite: any) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const layer = (layers[t.projectName] ??= { passed: 0, failed: 0, skipped: 0 });
        if (t.status === 'skipped') layer.skipped++;
        else if (t.status === 'expected' || t.status === 'flaky') layer.passed++;
        else {
          layer.failed++;
          const message: string = t.results?.at(-1)?.errors?.[0]?.message ?? t.results?.at(-1)?.status ?? '';
          const reason = message.replace(/\u001b\[[0-9;]*m/g, '').replace(/^Error: /, '').split('\n').map((l) => l.trim()).find(Boolean) ?? '';
          failures.push({ project: t.projectName, title: spec.title, reason });
        }
      }
    }
    for (const child of suite.suites ?? []) visit(child);
  };
  for (const suite of report.suites ?? []) visit(suite);
  return { layers, failures };
}

export interface SummaryInput {
  config: Config;
  state: RunState | undefined;
  layers: Record<string, LayerCounts>;
  failures: FailedCheck[];
  runDir: string;
  allureOk: boolean;
  playwrightExit: number;
  redactor: Redactor;
}

/** The one screen a release manager reads, and the exit code that goes with it. */
export function summarize({ config, state, layers, failures, runDir, allureOk, playwrightExit, redactor }: SummaryInput) {
  const lines: string[] = [];
  const infrastructure: string[] = [];
  if (!state) infrastructure.push('global setup did not run (see the output above)');
  if (state?.setupError) infrastructure.push(`setup failed: ${state.setupError.message}`);
  if (state?.health && !state.health.reachable) infrastructure.push(`target unreachable: ${state.health.detail}`);
  if (state?.probes?.unreachable && state.health?.databaseReachable !== false) {
    infrastructure.push(`Verity cannot reach the database: ${state.probes.unreachable}`);
  }
  if (state && 'missing' in state.browser && state.browser.missing) infrastructure.push(`no browser: ${state.browser.missing}`);

  const baseURL = state?.target.baseURL ?? config.target.baseURL;
  const target = baseURL ? displayURL(baseURL) : '(no BASE_URL)';
  lines.push('', `Verity — ${state?.target.kind === 'embedded' ? 'embedded demo' : target}${config.envName ? ` (env ${config.envName})` : ''}`);
  const total: LayerCounts = { passed: 0, failed: 0, skipped: 0 };
  // Playwright projects, by the layer a reader knows them as.
  const layerOf: Record<string, string> = { setup: 'Setup', database: 'Database', api: 'API', 'app-log': 'API', 'ui-smoke': 'UI', ui: 'UI' };
  const byLayer: Record<string, LayerCounts> = {};
  for (const [project, l] of Object.entries(layers)) {
    const layer = (byLayer[layerOf[project] ?? project] ??= { passed: 0, failed: 0, skipped: 0 });
    layer.passed += l.passed;
    layer.failed += l.failed;
    layer.skipped += l.skipped;
    total.passed += l.passed;
    total.failed += l.failed;
    total.skipped += l.skipped;
  }
  for (const label of ['Setup', 'Database', 'API', 'UI', ...Object.keys(byLayer).filter((k) => !['Setup', 'Database', 'API', 'UI'].includes(k))]) {
    const l = byLayer[label] ?? { passed: 0, failed: 0, skipped: 0 };
    lines.push(`  ${label.padEnd(9)} ${String(l.passed).padStart(3)} passed  ${String(l.failed).padStart(3)} failed  ${String(l.skipped).padStart(3)} skipped`);
  }
  const worst = (state?.probes?.outcomes ?? [])
    .flatMap((o) => o.findings.map((f) => ({ ...f, probe: o.id })))
    .filter((f) => f.severity === 'critical' || f.severity === 'major')
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  if (state?.health && !state.health.ok) lines.push('', `  Target health: ${state.health.detail}`);
  if (state?.probes && !state.probes.gate.open) lines.push(`  Journeys skipped: ${state.probes.gate.reason}`);
  if (failures.some((f) => f.project === 'ui-smoke')) lines.push('  UI journeys not run: the UI smoke test (signing in through the pages) failed');
  if (worst.length) {
    lines.push('', '  Worst findings:');
    for (const f of worst.slice(0, 8)) lines.push(`    [${f.severity}] ${f.probe}: ${f.message}`);
    if (worst.length > 8) lines.push(`    … and ${worst.length - 8} more in the report`);
  }
  // The database's failures are its worst findings above; these are the journeys'.
  const journeyFailures = failures.filter((f) => f.project !== 'database');
  if (journeyFailures.length) {
    lines.push('', '  Failed checks:');
    for (const f of journeyFailures.slice(0, 12)) lines.push(`    [${layerOf[f.project] ?? f.project}] ${f.title}`, `        ${f.reason.slice(0, 160)}`);
    if (journeyFailures.length > 12) lines.push(`    … and ${journeyFailures.length - 12} more in the report`);
  }
  if (playwrightExit !== 0 && total.failed === 0) infrastructure.push(`Playwright ended with exit ${playwrightExit} and no failed test (see the output above)`);
  // The probes' own outcomes count, whichever Playwright projects ran (e.g. --project=api).
  const verdict = verdictOf({ probes: state?.probes, failedJourneys: journeyFailures.map((f) => f.title), unobserved: infrastructure });
  if (verdict.unobserved.length) {
    lines.push('', '  Verity could not observe everything:');
    for (const i of verdict.unobserved) lines.push(`    ${i}`);
  }
  const report = path.join(runDir, 'allure-report', 'index.html');
  lines.push('', `  Report: ${allureOk ? report : `(Allure report generation failed; Playwright report: ${path.join(runDir, 'playwright-report', 'index.html')})`}`);
  lines.push(`  Result: ${verdict.result} (exit ${verdict.exitCode})`);
  lines.push(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`, '');
  return { text: redactor.scrub(lines.join('\n')), exitCode: verdict.exitCode };
}

