// npm run verify [-- --env NAME] [-- <playwright test arguments>]
// Runs the database checks, the API and the UI journeys, writes one Allure report, prints a
// one-screen summary, and exits 0 (all passed), 1 (the target failed verification) or 2
// (Verity could not observe: its config, its DB connection while the app is fine, a browser).
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRunIdentity, runDirOf, verityEnvironment } from '../src/config.ts';
import { loadProfile } from '../src/profile.ts';
import { Redactor } from '../src/redact.ts';
import { readRunState } from '../src/run-state.ts';
import { explainConfigProblems, loadConfigOrExplain, parseEnvArgument, runCommand } from './cli.ts';
import { missingJourneySettings } from './prepare.ts';
import { readResults, summarize } from './summary.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(repoRoot, 'node_modules', '.bin', name);

async function main(argv: string[]): Promise<number> {
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
    const allure = existsSync(path.join(runDir, 'allure-results'))
      ? await run(bin('allure'), ['generate', path.join(runDir, 'allure-results'), '--output', path.join(runDir, 'allure-report')], process.env, true)
      : 1;
    const { layers, failures } = readResults(path.join(runDir, 'results.json'));
    const summary = summarize({ config, state, layers, failures, runDir, allureOk: allure === 0, playwrightExit: playwright, redactor });
    writeFileSync(path.join(runDir, 'summary.txt'), summary.text);
    console.log(summary.text);
    return summary.exitCode;
  } finally {
    // It holds the target's database password and the accounts' passwords.
    rmSync(runtimeFile, { force: true });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, quiet = false): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: quiet ? 'ignore' : 'inherit', cwd: repoRoot });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

runCommand(main);
