// npm run verify [-- --env NAME] [-- <playwright test arguments, e.g. --grep @smoke>]
// Runs the database checks, the API and the UI journeys, builds one Allure report with the
// verdict as its quality gate and this target's history, prints the summary (also summary.txt and
// summary.md), and exits with the verdict's code: 0 GO or GO WITH WARNINGS, 1 NO-GO, 2 UNKNOWN.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRunIdentity, runDirOf, verityEnvironment, type Config } from '../src/config.ts';
import { loadProfile } from '../src/profile.ts';
import { displayURL, Redactor } from '../src/redact.ts';
import { readRunState, type RunState } from '../src/run-state.ts';
import { explainConfigProblems, loadConfigOrExplain, parseEnvArgument, runCommand } from './cli.ts';
import { missingJourneySettings } from './prepare.ts';
import { buildReport, historyFileOf, type Changes } from './report.ts';
import { judge, readResults, summaryMarkdown, summaryText } from './summary.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(repoRoot, 'node_modules', '.bin', name);

async function main(argv: string[]): Promise<number> {
  const started = new Date();
  const { envName, rest: passThrough } = parseEnvArgument(argv);
  const config = loadConfigOrExplain(envName);
  if (!config) return 2;
  if (passThrough.some((a) => a.startsWith('--reporter'))) {
    console.error('Verity: --reporter is not allowed: it would replace the reporter that keeps secrets out of reports/');
    return 2;
  }
  const missing = missingJourneySettings(config, await loadProfile(config.profile, config.envDir));
  if (missing.length) {
    explainConfigProblems(missing);
    return 2;
  }
  const { runtimeFile } = ensureRunIdentity(config);
  const runDir = runDirOf(config);

  // Playwright's global setup prepares the run (run/prepare.ts) and writes what it learnt to the run state.
  const playwright = await run(bin('playwright'), ['test', ...passThrough], verityEnvironment(config));
  const state = readRunState(runtimeFile);
  const redactor = new Redactor([...config.secrets, ...(state?.secrets ?? [])], state?.secretNames);
  try {
    const { layers, failures } = readResults(path.join(runDir, 'results.json'));
    const verdict = judge(state, failures, playwright);
    const resultsDir = path.join(runDir, 'allure-results');
    const reportDir = path.join(runDir, 'allure-report');
    let changes: Changes | undefined;
    let report: { path: string } | { failed: string } = { failed: 'no Allure results were written' };
    if (existsSync(resultsDir)) {
      try {
        changes = await buildReport({
          resultsDir,
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
    if (config.stepSummaryFile) appendFileSync(config.stepSummaryFile, markdown);
    console.log(text);
    return verdict.exitCode;
  } finally {
    // It holds the target's database password and the accounts' passwords.
    rmSync(runtimeFile, { force: true });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: 'inherit', cwd: repoRoot });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
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

runCommand(main);
