// npm run verify:merge [-- --env NAME] -- SHARD_RUN_DIR...
// The last step of a sharded run: merges the shards' blob reports (playwright merge-reports, with
// Verity's reporters, the redacting one first) into one JSON, JUnit and HTML report, reads the
// shards' Allure results together, joins what each shard saw (its state, secrets removed), and
// finishes as one run: the verdict, the Allure report with this target's history, summary.txt and
// summary.md; exits with the verdict's code.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRunIdentity, runDirOf, verityEnvironment } from '../src/config.ts';
import type { RunState } from '../src/run-state.ts';
import { loadConfigOrExplain, parseEnvArgument, runCommand } from './cli.ts';
import { finishRun, shardStateFile } from './finish.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(argv: string[]): Promise<number> {
  const { envName, rest: shardDirs } = parseEnvArgument(argv);
  const config = loadConfigOrExplain(envName);
  if (!config) return 2;
  if (!shardDirs.length) {
    console.error('Verity: name the shards\' run folders: npm run verify:merge -- reports/<run id of shard 1> reports/<run id of shard 2> …');
    return 2;
  }
  const missing = shardDirs.filter((dir) => !existsSync(path.join(dir, shardStateFile)) || !existsSync(path.join(dir, 'blob-report')));
  if (missing.length) {
    console.error(`Verity: not a shard's run folder (no ${shardStateFile} or blob-report/): ${missing.join(', ')}`);
    return 2;
  }
  ensureRunIdentity(config);
  const runDir = runDirOf(config);
  const blobs = mkdtempSync(path.join(tmpdir(), 'verity-blobs-'));
  try {
    for (const dir of shardDirs) {
      for (const blob of readdirSync(path.join(dir, 'blob-report'))) copyFileSync(path.join(dir, 'blob-report', blob), path.join(blobs, blob));
    }
    const states = shardDirs.map((dir) => JSON.parse(readFileSync(path.join(dir, shardStateFile), 'utf8')) as RunState);
    const playwrightExit = await mergeReports(blobs, { ...verityEnvironment(config), VERITY_MERGE_REPORTS: '1' });
    const started = new Date(Math.min(...states.map((s) => Date.parse(s.startedAt))));
    const shardResultsDirs = shardDirs.map((dir) => path.join(dir, 'allure-results')).filter((dir) => existsSync(dir));
    return await finishRun({ config, state: joined(states), runDir, playwrightExit, started, shardResultsDirs });
  } finally {
    rmSync(blobs, { recursive: true, force: true });
  }
}

/** One run's state from the shards': the first shard's, with every shard's trouble kept. */
function joined(states: RunState[]): RunState {
  const [first, ...others] = states as [RunState, ...RunState[]];
  const state: RunState = { ...first, afterRun: first.afterRun && { ...first.afterRun, refusedAccounts: [...first.afterRun.refusedAccounts] } };
  for (const other of others) {
    state.setupError ??= other.setupError;
    if (other.health && !other.health.ok) state.health = other.health;
    if ('missing' in other.browser) state.browser = other.browser;
    if (other.afterRun) {
      state.afterRun ??= { refusedAccounts: [] };
      if (other.afterRun.health && !other.afterRun.health.ok) state.afterRun.health = other.afterRun.health;
      if (other.afterRun.databaseReachable === false) state.afterRun.databaseReachable = false;
      for (const account of other.afterRun.refusedAccounts) {
        if (!state.afterRun.refusedAccounts.some((a) => a.email === account.email)) state.afterRun.refusedAccounts.push(account);
      }
    }
  }
  return state;
}

function mergeReports(blobs: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    // Verity's own playwright.config.ts: its reporters, the redacting one first.
    const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'playwright'), ['merge-reports', '--config', 'playwright.config.ts', blobs], { env, stdio: 'inherit', cwd: repoRoot });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

runCommand(main);
