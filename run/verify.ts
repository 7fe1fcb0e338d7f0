// npm run verify [-- --env NAME] [-- <playwright test arguments, e.g. --grep @smoke>]
// Runs the database checks, the API and the UI journeys, builds one Allure report with the
// verdict as its quality gate and this target's history, prints the summary (also summary.txt and
// summary.md), and exits with the verdict's code: 0 GO or GO WITH WARNINGS, 1 NO-GO, 2 UNKNOWN.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRunIdentity, runDirOf, verityEnvironment } from '../src/config.ts';
import { loadProfile } from '../src/profile.ts';
import { readRunState } from '../src/run-state.ts';
import { explainConfigProblems, loadConfigOrExplain, parseEnvArgument, runCommand } from './cli.ts';
import { missingJourneySettings, profileProblems } from './prepare.ts';
import { finishRun } from './finish.ts';

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
  const profile = await loadProfile(config.profile, config.envDir);
  const missing = [...profileProblems(profile, config), ...missingJourneySettings(config, profile)];
  if (missing.length) {
    explainConfigProblems(missing);
    return 2;
  }
  const { runtimeFile } = ensureRunIdentity(config);
  const runDir = runDirOf(config);

  // A shard of a sharded run (--shard=i/n) writes a blob report for `npm run verify:merge`.
  const shard = passThrough.some((a) => a.startsWith('--shard'));
  // Playwright's global setup prepares the run (run/prepare.ts) and writes what it learnt to the run state.
  const env = { ...verityEnvironment(config), ...(shard ? { VERITY_BLOB_REPORT: '1' } : {}) };
  const playwrightExit = await run(bin('playwright'), ['test', ...passThrough], env);
  try {
    return await finishRun({ config, state: readRunState(runtimeFile), runDir, playwrightExit, started, shard });
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

runCommand(main);
