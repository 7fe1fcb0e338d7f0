// `npm run verify` run as a user runs it, from a test, and what its reports say.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEnvironment } from './target.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface VerifyRun {
  status: number | null;
  stdout: string;
  stderr: string;
  reportsDir: string;
  runDir?: string;
}

/**
 * Runs `npm run verify -- <args>` without blocking this process: the demo under test lives in it,
 * and a synchronous spawn would freeze its server.
 */
export async function verify(
  settings: Record<string, string> = {},
  options: { envDir?: string; args?: string[]; script?: 'verify' | 'verify:merge'; onOutput?: (output: string) => void } = {},
): Promise<VerifyRun> {
  // A reports folder of its own, unless the caller shares one between runs (their history).
  const reportsDir = settings.VERITY_REPORTS_DIR ?? mkdtempSync(path.join(tmpdir(), 'verity-reports-'));
  const env: Record<string, string> = { ...testEnvironment({ VERITY_HEALTH_TIMEOUT_MS: '5000', ...settings, VERITY_REPORTS_DIR: reportsDir }) };
  if (options.envDir) env.VERITY_ENV_DIR = options.envDir;
  const args = ['run', '--silent', options.script ?? 'verify', ...(options.args?.length ? ['--', ...options.args] : [])];
  const child = spawn('npm', args, { cwd: repoRoot, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    options.onOutput?.(stdout);
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  // Run folders are named by their start time; history/ is shared by the runs.
  const runs = existsSync(reportsDir) ? readdirSync(reportsDir).filter((name) => name !== 'history' && statSync(path.join(reportsDir, name)).isDirectory()).sort() : [];
  return { status, stdout, stderr, reportsDir, runDir: runs.length ? path.join(reportsDir, runs.at(-1)!) : undefined };
}

export interface ScrubbedRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The folder it ran in: no .env, and its reports/ land here. */
  cwd: string;
}

/**
 * Runs `verify` or `probe` as a new user on a fresh machine would: from a folder with no .env,
 * with no setting but `env` (PATH and HOME aside, no VERITY_* variable at all).
 */
export async function runScrubbed(
  command: 'verify' | 'probe',
  { env = {}, args = [], cwd = mkdtempSync(path.join(tmpdir(), 'verity-scrubbed-')) }: { env?: Record<string, string>; args?: string[]; cwd?: string } = {},
): Promise<ScrubbedRun> {
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'run', `${command}.ts`), ...args], {
    cwd,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { status, stdout, stderr, cwd };
}

/** The Allure result files of a run. */
export function allureResults(runDir: string): any[] {
  const dir = path.join(runDir, 'allure-results');
  return readdirSync(dir).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
}

export const label = (result: any, name: string) => result.labels.find((l: any) => l.name === name)?.value;

export interface TestOutcome {
  /** Playwright project: setup, database, api, ui, app-log. */
  project: string;
  title: string;
  /** passed, failed (including timed out), or skipped. */
  status: 'passed' | 'failed' | 'skipped';
  /** The failure messages, colour codes removed. */
  message: string;
}

/** Every test of a run with its outcome, from Playwright's JSON report. */
export function testOutcomes(runDir: string): TestOutcome[] {
  const report = JSON.parse(readFileSync(path.join(runDir, 'results.json'), 'utf8'));
  const outcomes: TestOutcome[] = [];
  const visit = (suite: any) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const status = t.status === 'skipped' ? 'skipped' : t.status === 'expected' ? 'passed' : 'failed';
        const message = (t.results ?? [])
          .flatMap((r: any) => (r.errors ?? []).map((e: any) => e.message ?? ''))
          .join('\n')
          .replace(/\u001b\[[0-9;]*m/g, '');
        outcomes.push({ project: t.projectName, title: spec.title, status, message });
      }
    }
    for (const child of suite.suites ?? []) visit(child);
  };
  for (const suite of report.suites ?? []) visit(suite);
  return outcomes;
}
