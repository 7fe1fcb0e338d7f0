// What follows the tests, for a whole run (`verify`), a shard of one (`verify -- --shard=i/n`)
// or shards merged (`verify:merge`): what was seen after the run, the verdict, the Allure report
// with this target's history (not for a shard: the merge builds it), summary.txt and summary.md.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import type { Config } from '../src/config.ts';
import { loadProfile } from '../src/profile.ts';
import { displayURL, Redactor } from '../src/redact.ts';
import { withoutSecrets, type RunState } from '../src/run-state.ts';
import { observeAfterRun } from './after-run.ts';
import { buildReport, historyFileOf, type Changes } from './report.ts';
import { judge, readResults, summaryMarkdown, summaryText } from './summary.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What a shard leaves for the merge job beside its blob report, secrets removed. */
export const shardStateFile = 'shard-state.json';

export interface FinishInput {
  config: Config;
  state: RunState | undefined;
  runDir: string;
  playwrightExit: number;
  started: Date;
  /** A shard of a sharded run: no report, no history; its state is kept for the merge. */
  shard?: boolean;
  /** The shards' Allure results, for a merged run (allure-playwright cannot run under merge-reports). */
  shardResultsDirs?: string[];
}

/** Returns the run's exit code: its verdict's. */
export async function finishRun({ config, state, runDir, playwrightExit, started, shard = false, shardResultsDirs = [] }: FinishInput): Promise<number> {
  const redactor = new Redactor([...config.secrets, ...(state?.secrets ?? [])], state?.secretNames);
  const { layers, failures, flaky, leftOpen } = readResults(path.join(runDir, 'results.json'));
  // The embedded demo is stopped by now (global teardown), and by Verity: nothing to look at.
  if (state && !state.afterRun && !state.setupError && state.target.kind === 'configured') {
    state.afterRun = await observeAfterRun(config, state, await loadProfile(config.profile, config.envDir), failures);
  }
  if (shard && state) writeFileSync(path.join(runDir, shardStateFile), redactor.scrub(JSON.stringify(withoutSecrets(state), null, 2)));
  const verdict = judge(state, failures, playwrightExit, flaky, leftOpen);
  const resultsDir = path.join(runDir, 'allure-results');
  const reportDir = path.join(runDir, 'allure-report');
  let changes: Changes | undefined;
  let report: { path: string } | { failed: string } = { failed: shard ? 'a shard: `npm run verify:merge` builds the report of all shards' : 'no Allure results were written' };
  if (!shard && (existsSync(resultsDir) || shardResultsDirs.length)) {
    try {
      changes = await buildReport({
        resultsDir,
        moreResultsDirs: shardResultsDirs,
        outputDir: reportDir,
        historyFile: historyFileOf(config, state),
        verdict,
        environment: environmentPanel(config, state, started),
        singleFile: config.reportSingleFile,
      });
      report = { path: path.join(reportDir, 'index.html') };
    } catch (err) {
      report = { failed: `the Allure report could not be built: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  const input = { config, state, layers, failures, verdict, changes, runDir, report };
  const text = redactor.scrub(summaryText(input));
  const markdown = redactor.scrub(summaryMarkdown(input));
  writeFileSync(path.join(runDir, 'summary.txt'), text);
  writeFileSync(path.join(runDir, 'summary.md'), markdown);
  if (config.stepSummaryFile && !shard) appendFileSync(config.stepSummaryFile, markdown);
  console.log(text);
  return verdict.exitCode;
}

/** The report's environment panel: what ran against what, and when. */
function environmentPanel(config: Config, state: RunState | undefined, started: Date): Record<string, string> {
  const target = state?.target ?? config.target;
  const postgres = state?.probes?.outcomes.find((o) => o.id === 'server-facts')?.facts.find((f) => f.name === 'Server version')?.value;
  const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const panel: Record<string, string | undefined> = {
    Target: target.kind === 'embedded' ? `embedded demo (${target.baseURL ? displayURL(target.baseURL) : 'not started'})` : target.baseURL ? displayURL(target.baseURL) : 'database only',
    Database: target.databaseURL ? displayURL(target.databaseURL) : undefined,
    'App version': state?.appVersion,
    PostgreSQL: postgres,
    Browser: state?.browserVersion,
    Verity: `${version} (${commitOfVerity()})`,
    Profile: config.profile,
    Environment: config.envName ?? '(default)',
    'Run id': config.runId,
    Started: started.toISOString(),
    Duration: `${Math.round((Date.now() - started.getTime()) / 1000)} s`,
    Node: process.version,
  };
  return Object.fromEntries(Object.entries(panel).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function commitOfVerity(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'commit unknown';
  }
}
