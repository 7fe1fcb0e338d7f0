// What global setup learns about the run, written once to a file that every worker reads:
// the resolved target, its health, the probe results, and why anything could not run.
// The file is private (0600), outside reports/, and removed after the run: it holds the
// target's database URL and the accounts' passwords.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BrowserChoice } from './browser.ts';
import type { ProbeRun } from './findings.ts';
import type { Health } from './health.ts';
import { displayURL } from './redact.ts';
import type { Target } from './target.ts';

export interface RunState {
  runId: string;
  startedAt: string;
  target: Target;
  /** Every secret value of the run (settings, the embedded target's passwords), for redaction. */
  secrets: string[];
  /** JSON fields and cookies that carry the target's secrets (the profile's token and password fields). */
  secretNames: string[];
  /** Where the app log stood when the journeys began: later lines belong to this run. */
  appLogOffset?: number;
  health?: Health;
  probes?: ProbeRun;
  /** Why the database checks did not run (e.g. no DATABASE_URL). */
  probesNotRun?: string;
  browser: BrowserChoice | { missing: string };
  /** What the browser says it is, e.g. "Chromium 156.0.8078.73". */
  browserVersion?: string;
  /** What the app says its version is, where the profile says where (app.version). */
  appVersion?: string;
  /** Global setup itself failed: every test reports this instead of running. */
  setupError?: { message: string; infrastructure: boolean };
  /** Looked at once the tests ended: did the target and its database stay up, were sign-ins refused? */
  afterRun?: AfterRun;
}

export interface AfterRun {
  health?: Health;
  /** Could Verity still reach the database (undefined: there is none). */
  databaseReachable?: boolean;
  /** Accounts whose sign-in the target refused during the run, and whether the users table has them. */
  refusedAccounts: { email: string; inUsersTable?: boolean }[];
}

/** The state without a secret: what a shard hands to the merge job (run/merge.ts). */
export function withoutSecrets(state: RunState): RunState {
  const { target } = state;
  return {
    ...state,
    secrets: [],
    target: {
      ...target,
      databaseURL: target.databaseURL ? displayURL(target.databaseURL) : undefined,
      accounts: target.accounts.map((a) => ({ ...a, password: '' })),
    },
  };
}

export function writeRunState(file: string, state: RunState): void {
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
}

export function readRunState(file: string | undefined): RunState | undefined {
  if (!file || !existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as RunState;
}

/** Probe results written by `npm run probe -- --out FILE`; throws naming the file when they are not. */
export function readProbeResults(file: string): ProbeRun {
  let run: ProbeRun;
  try {
    run = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`VERITY_PROBE_RESULTS: cannot read ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(run?.outcomes) || typeof run.gate?.open !== 'boolean') throw new Error(`VERITY_PROBE_RESULTS: ${file} is not the output of npm run probe -- --out`);
  return run;
}

/** Why journeys cannot run, or undefined when they can. */
export function journeyBlocker(state: RunState | undefined): string | undefined {
  if (!state) return 'Verity setup did not run (no run state): start runs with `npm run verify`';
  if (state.setupError) return `Verity setup failed: ${state.setupError.message}`;
  if (!state.target.baseURL) return 'no BASE_URL: only the database checks run';
  if (state.health && !state.health.ok) return `the target is not healthy: ${state.health.detail}`;
  if (state.probes && !state.probes.gate.open) return `database gate closed: ${state.probes.gate.reason}`;
  return undefined;
}
