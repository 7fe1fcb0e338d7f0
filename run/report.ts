// Builds a run's Allure report with Allure 3's own engine, as `allure generate` would, plus what
// `generate` leaves out: the verdict as a quality gate (the report's Quality Gates tab), one
// history per target and profile (trends; new, fixed and flaky marks), and the environment panel.
// It also reads the history to say what changed since the previous run on the same target.
import './iterator-helpers.ts';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AllureReport, readConfig } from '@allurereport/core';
import type { QualityGateRule } from '@allurereport/plugin-api';
import AwesomePlugin from '@allurereport/plugin-awesome';
import { FileSystemWriter } from 'allure-js-commons/sdk/reporter';
import type { Config } from '../src/config.ts';
import { displayURL } from '../src/redact.ts';
import type { RunState } from '../src/run-state.ts';
import type { Verdict } from '../src/verdict.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Runs kept in a history file: enough for a month of nightly runs. */
const historyLimit = 40;

export interface ReportInput {
  /** Where this run's Allure results are (the environment panel is written there). */
  resultsDir: string;
  /** More results to read with them: each shard's, for a merged run. */
  moreResultsDirs?: string[];
  outputDir: string;
  /** This target's and profile's history (JSON lines, one per run). */
  historyFile: string;
  verdict: Verdict;
  /** The environment panel: name → value. */
  environment: Record<string, string>;
  /** One self-contained index.html, for mailing. */
  singleFile: boolean;
}

/** What changed since the previous run on the same target and profile, by test name. */
export interface Changes {
  /** When the previous run was, if there was one. */
  since?: Date;
  newFailures: string[];
  fixed: string[];
  stillFailing: { name: string; runsInARow: number }[];
}

interface HistoryPoint {
  timestamp: number;
  testResults: Record<string, { name: string; status: string }>;
}

const failing = (status: string | undefined) => status === 'failed' || status === 'broken';

export async function buildReport(input: ReportInput): Promise<Changes> {
  const previous = readHistory(input.historyFile);
  // The environment panel reads environment.properties among the results.
  mkdirSync(input.resultsDir, { recursive: true });
  new FileSystemWriter({ resultsDir: input.resultsDir }).writeEnvironmentInfo(input.environment);
  mkdirSync(path.dirname(input.historyFile), { recursive: true });

  markFlaky([input.resultsDir, ...(input.moreResultsDirs ?? [])]);
  const config = await readConfig(repoRoot, 'allurerc.mjs', { output: input.outputDir, historyPath: input.historyFile, historyLimit });
  const report = new AllureReport({
    ...config,
    // This builder is the one step that appends to the history, once per run.
    appendHistory: true,
    plugins: config.plugins?.map((p) => (p.id === 'awesome' ? { ...p, plugin: new AwesomePlugin({ ...p.options, singleFile: input.singleFile }) } : p)),
    qualityGate: { rules: [{ verityVerdict: input.verdict }], use: [verdictRule as QualityGateRule] },
  });
  await report.start();
  for (const dir of [input.resultsDir, ...(input.moreResultsDirs ?? [])]) await report.readDirectory(dir);
  const results = await report.store.allTestResults({ includeRetries: false });
  const { results: gate } = await report.validate({ trs: results });
  report.realtimeDispatcher.sendQualityGateResults(gate);
  await report.done();
  return changesSince(previous, results.map((r) => ({ historyId: r.historyId ?? '', name: r.name, status: r.status })));
}

/**
 * A check that passed on a retry after failing is flaky, and Allure marks it so only when told
 * (statusDetails.flaky; otherwise it judges flakiness from history alone): tell it, per history id.
 */
function markFlaky(dirs: string[]): void {
  const results = dirs.filter((dir) => existsSync(dir)).flatMap((dir) =>
    readdirSync(dir).filter((f) => f.endsWith('-result.json')).map((f) => ({ file: path.join(dir, f), result: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) })));
  const failedOnce = new Set(results.filter((r) => failing(r.result.status)).map((r) => r.result.historyId));
  for (const { file, result } of results) {
    if (result.status === 'passed' && failedOnce.has(result.historyId)) {
      result.statusDetails = { ...result.statusDetails, flaky: true };
      writeFileSync(file, JSON.stringify(result));
    }
  }
}

/**
 * The verdict, in the Quality Gates tab. Allure's own rules count tests; the verdict also weighs
 * what Verity could not observe and the severity of database findings, so it is computed once
 * (src/verdict.ts) and this rule shows it: passed for GO and GO WITH WARNINGS, failed otherwise.
 */
const verdictRule: QualityGateRule<Verdict, Verdict['name']> = {
  rule: 'verityVerdict',
  message: ({ expected }) => `Verdict ${expected.headline} (exit ${expected.exitCode}).${details(expected)}`,
  successMessage: ({ expected }) => `Verdict ${expected.headline} (exit ${expected.exitCode}).${details(expected)}`,
  validate: async ({ expected }) => ({ success: expected.exitCode === 0, actual: expected.name, testResults: [] }),
};

function details(verdict: Verdict): string {
  const list = (title: string, items: string[]) => (items.length ? ` ${title}: ${items.slice(0, 10).join('; ')}${items.length > 10 ? `; … ${items.length - 10} more` : ''}.` : '');
  return list('Could not observe', verdict.unobserved) + list('Failed', verdict.failures) + list('Warnings', verdict.warnings);
}

function readHistory(file: string): HistoryPoint[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim()).flatMap((line) => {
    try {
      return [JSON.parse(line) as HistoryPoint];
    } catch {
      return []; // a line cut short by a run that was killed
    }
  });
}

function changesSince(history: HistoryPoint[], current: { historyId: string; name: string; status: string }[]): Changes {
  const last = history.at(-1);
  const changes: Changes = { since: last ? new Date(last.timestamp) : undefined, newFailures: [], fixed: [], stillFailing: [] };
  if (!last) return changes;
  for (const test of current) {
    const before = last.testResults[test.historyId]?.status;
    if (failing(test.status) && !failing(before)) changes.newFailures.push(test.name);
    else if (!failing(test.status) && failing(before) && test.status === 'passed') changes.fixed.push(test.name);
    else if (failing(test.status) && failing(before)) {
      let runsInARow = 1;
      for (let i = history.length - 1; i >= 0 && failing(history[i]!.testResults[test.historyId]?.status); i--) runsInARow++;
      changes.stillFailing.push({ name: test.name, runsInARow });
    }
  }
  return changes;
}

/**
 * One history per target and profile, so that a trend never mixes two targets:
 * <reports dir>/history/<target>-<profile>.jsonl.
 */
export function historyFileOf(config: Config, state: RunState | undefined): string {
  const target = state?.target ?? config.target;
  const where = target.kind === 'embedded' ? 'embedded-demo' : displayURL(target.baseURL ?? target.databaseURL ?? 'unknown').replace(/^[a-z]+:\/\/([^@/]*@)?/i, '');
  const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '');
  return path.join(config.reportsDir, 'history', `${slug(where)}-${slug(path.basename(config.profile, '.ts'))}.jsonl`);
}
