// What a release manager reads after `npm run verify`, on the console (summary.txt) and as
// summary.md: the verdict, per layer passed / failed / skipped, the worst database findings, each
// failed journey with the first line of why, warnings, what Verity could not observe, what changed
// since the previous run on the same target, and the report's path.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../src/config.ts';
import { isBlocking } from '../src/findings.ts';
import { displayURL } from '../src/redact.ts';
import type { RunState } from '../src/run-state.ts';
import { verdictOf, type Verdict } from '../src/verdict.ts';
import type { Changes } from './report.ts';

interface LayerCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** A test that failed: where, what, and the first line of why. */
export interface FailedCheck {
  project: string;
  title: string;
  reason: string;
  /** Every error of the test's last attempt, whole (colour codes removed). */
  message: string;
}

/** Passed, failed and skipped tests per project (database, api, ui), and the failures, from Playwright's JSON report. */
export function readResults(file: string): { layers: Record<string, LayerCounts>; failures: FailedCheck[]; flaky: string[]; leftOpen: string[] } {
  const layers: Record<string, LayerCounts> = {};
  const failures: FailedCheck[] = [];
  /** Tests that failed, then passed on a retry. */
  const flaky: string[] = [];
  /** Sessions Verity opened on the target and could not close (the auth fixture's warnings). */
  const leftOpen: string[] = [];
  if (!existsSync(file)) return { layers, failures, flaky, leftOpen };
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const visit = (suite: any) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const annotations = [...(t.annotations ?? []), ...(t.results ?? []).flatMap((r: any) => r.annotations ?? [])] as { type: string; description?: string }[];
        for (const a of annotations) if (a.type === 'warning' && a.description && leftOpenWarning.test(a.description) && !leftOpen.includes(a.description)) leftOpen.push(a.description);
        const layer = (layers[t.projectName] ??= { passed: 0, failed: 0, skipped: 0 });
        if (t.status === 'skipped') layer.skipped++;
        else if (t.status === 'expected' || t.status === 'flaky') {
          layer.passed++;
          if (t.status === 'flaky') flaky.push(`${spec.title} (passed on retry ${(t.results?.length ?? 1) - 1})`);
        } else {
          layer.failed++;
          const last = t.results?.at(-1);
          const message = ((last?.errors ?? []) as { message?: string }[]).map((e) => e.message ?? '').join('\n').replace(/\u001b\[[0-9;]*m/g, '') || (last?.status ?? '');
          const reason = message.replace(/^Error: /, '').split('\n').map((l: string) => l.trim()).find(Boolean) ?? '';
          failures.push({ project: t.projectName, title: spec.title, reason, message });
        }
      }
    }
    for (const child of suite.suites ?? []) visit(child);
  };
  for (const suite of report.suites ?? []) visit(suite);
  return { layers, failures, flaky, leftOpen };
}

/** The warning e2e/fixtures.ts gives a test that left sessions open on the target. */
const leftOpenWarning = /^Verity left \d+ session\(s\) open on the target/;

/** Playwright projects, by the layer a reader knows them as. */
const layerOf: Record<string, string> = { setup: 'Setup', database: 'Database', api: 'API', 'app-log': 'API', 'ui-smoke': 'UI', ui: 'UI' };
const layerOrder = ['Setup', 'Database', 'API', 'UI'];

/** Failures that say the browser itself crashed or could not start: Verity's problem, not the target's. */
const browserFailure = /browserType\.launch|Target page, context or browser has been closed|Browser closed|browser has disconnected|Target crashed|page crashed/i;

/**
 * The verdict of a verify run, from what global setup learnt, what Playwright reported and what
 * was seen once the tests ended. One documented rule (README: reading the verdict) sorts each
 * failure into what Verity could not observe (exit 2) or what the target did wrong (exit 1).
 */
export function judge(state: RunState | undefined, reported: FailedCheck[], playwrightExit: number, flaky: string[] = [], leftOpen: string[] = []): Verdict {
  const infrastructure: string[] = [];
  const targetFailures: string[] = [];
  let failures = reported;
  const crashed = failures.filter((f) => browserFailure.test(f.message));
  if (crashed.length) {
    infrastructure.push(`the browser crashed or could not start (${crashed.length} checks): ${crashed[0]!.reason.slice(0, 160)}`);
    failures = failures.filter((f) => !crashed.includes(f));
  }
  const after = state?.afterRun;
  if (after?.health && !after.health.reachable && state?.health?.reachable) infrastructure.push(`the target stopped answering during the run: ${after.health.detail}`);
  else if (after?.health && !after.health.ok && after.health.databaseReachable === false && state?.health?.ok) targetFailures.push(`the target lost its database during the run: ${after.health.detail}`);
  if (after?.databaseReachable === false && after.health?.databaseReachable !== false && !state?.probes?.unreachable) {
    infrastructure.push('Verity lost its connection to the database during the run');
  }
  for (const account of after?.refusedAccounts ?? []) {
    if (account.inUsersTable === false) targetFailures.push(`the account ${account.email} is missing from the users table (a restore that lost it?)`);
    else {
      const why = account.inUsersTable ? 'though the users table has it: check its password in VERITY_ACCOUNTS' : 'and no database tells whether it exists: check VERITY_ACCOUNTS';
      infrastructure.push(`the target refused the sign-in of ${account.email}, ${why}`);
    }
  }
  if (!state) infrastructure.push('global setup did not run (see the output above)');
  if (state?.setupError) infrastructure.push(`setup failed: ${state.setupError.message}`);
  if (state?.health && !state.health.reachable) infrastructure.push(`target unreachable: ${state.health.detail}`);
  if (state?.probes?.unreachable && state.health?.databaseReachable !== false) {
    infrastructure.push(`Verity cannot reach the database: ${state.probes.unreachable}`);
  }
  if (state && 'missing' in state.browser && state.browser.missing) infrastructure.push(`no browser: ${state.browser.missing}`);
  if (playwrightExit !== 0 && !reported.length) infrastructure.push(`Playwright ended with exit ${playwrightExit} and no failed test (see the output above)`);
  // The database's failures are the probes' own outcomes, counted whichever Playwright projects ran (e.g. --project=api).
  const failedJourneys = failures.filter((f) => f.project !== 'database').map((f) => f.title);
  return verdictOf({ probes: state?.probes, failedJourneys, targetFailures, unobserved: infrastructure, flaky, leftOpen });
}

export interface SummaryInput {
  config: Config;
  state: RunState | undefined;
  layers: Record<string, LayerCounts>;
  failures: FailedCheck[];
  verdict: Verdict;
  changes?: Changes;
  runDir: string;
  /** The Allure report's index.html, or why there is none. */
  report: { path: string } | { failed: string };
}

interface Summary {
  target: string;
  byLayer: [string, LayerCounts][];
  total: LayerCounts;
  worst: { severity: string; probe: string; message: string }[];
  journeyFailures: FailedCheck[];
  notes: string[];
}

function collect({ config, state, layers, failures }: SummaryInput): Summary {
  const baseURL = state?.target.baseURL ?? config.target.baseURL;
  const target = (state?.target.kind ?? config.target.kind) === 'embedded' ? 'embedded demo' : baseURL ? displayURL(baseURL) : '(no BASE_URL)';
  const total: LayerCounts = { passed: 0, failed: 0, skipped: 0 };
  const byLayer: Record<string, LayerCounts> = {};
  for (const [project, l] of Object.entries(layers)) {
    const layer = (byLayer[layerOf[project] ?? project] ??= { passed: 0, failed: 0, skipped: 0 });
    for (const key of ['passed', 'failed', 'skipped'] as const) {
      layer[key] += l[key];
      total[key] += l[key];
    }
  }
  const labels = [...layerOrder, ...Object.keys(byLayer).filter((k) => !layerOrder.includes(k))];
  const worst = (state?.probes?.outcomes ?? [])
    .flatMap((o) => o.findings.map((f) => ({ ...f, probe: o.id })))
    .filter(isBlocking)
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  const notes: string[] = [];
  if (state?.health && !state.health.ok) notes.push(`Target health: ${state.health.detail}`);
  if (state?.probes && !state.probes.gate.open) notes.push(`Journeys skipped: ${state.probes.gate.reason}`);
  if (failures.some((f) => f.project === 'ui-smoke')) notes.push('UI journeys not run: the UI smoke test (signing in through the pages) failed');
  // Skipped database checks, grouped by why: a reader should not have to open the report to learn it.
  const skippedProbes = new Map<string, string[]>();
  for (const o of state?.probes?.outcomes ?? []) if (o.status === 'skipped' && !state?.probes?.unreachable) skippedProbes.set(o.skipReason ?? '', [...(skippedProbes.get(o.skipReason ?? '') ?? []), o.id]);
  for (const [reason, ids] of skippedProbes) notes.push(`Skipped ${ids.join(', ')}: ${reason}`);
  return {
    target: `${target}${config.envName ? ` (env ${config.envName})` : ''}`,
    byLayer: labels.map((label) => [label, byLayer[label] ?? { passed: 0, failed: 0, skipped: 0 }]),
    total,
    worst,
    // The database's failures are its worst findings; these are the journeys'.
    journeyFailures: failures.filter((f) => f.project !== 'database'),
    notes,
  };
}

function changeLines(changes: Changes | undefined): string[] {
  if (!changes) return [];
  if (!changes.since) return ['First run on this target and profile: nothing to compare with yet.'];
  const lines = [`Since the previous run (${changes.since.toISOString()}): ${changes.newFailures.length} new failures, ${changes.fixed.length} fixed, ${changes.stillFailing.length} still failing.`];
  for (const name of changes.newFailures.slice(0, 10)) lines.push(`new failure: ${name}`);
  for (const name of changes.fixed.slice(0, 10)) lines.push(`fixed: ${name}`);
  for (const { name, runsInARow } of changes.stillFailing.slice(0, 10)) lines.push(`still failing (${runsInARow} runs in a row): ${name}`);
  return lines;
}

/** The one screen printed after a run, and summary.txt. */
export function summaryText(input: SummaryInput): string {
  const { verdict, report } = input;
  const s = collect(input);
  const lines = ['', `Verity — ${s.target}`];
  for (const [label, l] of s.byLayer) lines.push(`  ${label.padEnd(9)} ${String(l.passed).padStart(3)} passed  ${String(l.failed).padStart(3)} failed  ${String(l.skipped).padStart(3)} skipped`);
  if (s.notes.length) lines.push('', ...s.notes.map((n) => `  ${n}`));
  if (s.worst.length) {
    lines.push('', '  Worst findings:');
    for (const f of s.worst.slice(0, 8)) lines.push(`    [${f.severity}] ${f.probe}: ${f.message}`);
    if (s.worst.length > 8) lines.push(`    … and ${s.worst.length - 8} more in the report`);
  }
  if (verdict.targetFailures.length) lines.push('', '  The target failed:', ...verdict.targetFailures.map((f) => `    ${f}`));
  if (s.journeyFailures.length) {
    lines.push('', '  Failed checks:');
    for (const f of s.journeyFailures.slice(0, 12)) lines.push(`    [${layerOf[f.project] ?? f.project}] ${f.title}`, `        ${f.reason.slice(0, 160)}`);
    if (s.journeyFailures.length > 12) lines.push(`    … and ${s.journeyFailures.length - 12} more in the report`);
  }
  if (verdict.warnings.length) {
    lines.push('', '  Warnings:');
    for (const w of verdict.warnings.slice(0, 8)) lines.push(`    ${w}`);
    if (verdict.warnings.length > 8) lines.push(`    … and ${verdict.warnings.length - 8} more in the report`);
  }
  if (verdict.unobserved.length) {
    lines.push('', '  Verity could not observe everything:');
    for (const i of verdict.unobserved) lines.push(`    ${i}`);
  }
  const changes = changeLines(input.changes);
  if (changes.length) lines.push('', ...changes.map((c, i) => (i === 0 ? `  ${c}` : `    ${c}`)));
  lines.push('', `  Report: ${'path' in report ? report.path : `(${report.failed}; Playwright report: ${path.join(input.runDir, 'playwright-report', 'index.html')})`}`);
  lines.push(`  Verdict: ${verdict.headline} (exit ${verdict.exitCode})`);
  lines.push(`${s.total.passed} passed, ${s.total.failed} failed, ${s.total.skipped} skipped`, '');
  return lines.join('\n');
}

/** summary.md: the same, for a CI job summary or a mail. */
export function summaryMarkdown(input: SummaryInput): string {
  const { verdict, report } = input;
  const s = collect(input);
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`## Verity: ${verdict.name}`, '', `**${verdict.headline}** (exit ${verdict.exitCode}) — ${cell(s.target)}`, ''];
  lines.push('| layer | passed | failed | skipped |', '|---|---:|---:|---:|');
  for (const [label, l] of s.byLayer) lines.push(`| ${label} | ${l.passed} | ${l.failed} | ${l.skipped} |`);
  if (s.notes.length) lines.push('', ...s.notes.map((n) => `- ${n}`));
  if (s.worst.length) {
    lines.push('', '### Worst findings', '', '| severity | probe | finding |', '|---|---|---|');
    for (const f of s.worst.slice(0, 10)) lines.push(`| ${f.severity} | ${f.probe} | ${cell(f.message)} |`);
  }
  if (verdict.targetFailures.length) lines.push('', '### The target failed', '', ...verdict.targetFailures.map((f) => `- ${cell(f)}`));
  if (s.journeyFailures.length) {
    lines.push('', '### Failed checks', '', '| layer | check | why |', '|---|---|---|');
    for (const f of s.journeyFailures.slice(0, 15)) lines.push(`| ${layerOf[f.project] ?? f.project} | ${cell(f.title)} | ${cell(f.reason.slice(0, 200))} |`);
  }
  if (verdict.warnings.length) lines.push('', '### Warnings', '', ...verdict.warnings.slice(0, 10).map((w) => `- ${cell(w)}`));
  if (verdict.unobserved.length) lines.push('', '### Verity could not observe', '', ...verdict.unobserved.map((u) => `- ${cell(u)}`));
  const changes = changeLines(input.changes);
  if (changes.length) lines.push('', '### What changed', '', `${changes[0]}`, '', ...changes.slice(1).map((c) => `- ${cell(c)}`));
  lines.push('', `Report: \`${'path' in report ? report.path : report.failed}\``, '');
  return lines.join('\n');
}
