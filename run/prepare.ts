// One way to prepare a run, shared by every command (verify, probe) and by Playwright's global
// setup: read the profile, resolve the target (starting the embedded default when none is
// configured), and learn every secret of the run before anything is printed.
import { probes } from '../db-probes/index.ts';
import type { Config } from '../src/config.ts';
import { loadProfile, type Profile } from '../src/profile.ts';
import { qaAccounts, type Target } from '../src/target.ts';
import { startEmbeddedTarget } from './embedded-target.ts';

export interface PreparedRun {
  config: Config;
  profile: Profile;
  target: Target;
  /** Every secret value of the run: the settings' and the embedded target's. */
  secrets: string[];
  /** JSON fields and cookies whose values are secret: the profile's password and token fields. */
  secretNames: string[];
  /** Stops what was started for the run (the embedded default). */
  stop(): Promise<void>;
}

export async function prepareRun(config: Config): Promise<PreparedRun> {
  const profile = await loadProfile(config.profile, config.envDir);
  const auth = profile.app.auth;
  const secretNames = auth ? [auth.passwordField, auth.accessTokenField, auth.refreshTokenField, auth.accessCookie, auth.refreshCookie] : [];
  if (config.target.kind === 'configured') {
    const target: Target = { ...config.target, appLogFile: config.target.appLogFile ?? profile.app.logFile };
    return { config, profile, target, secrets: config.secrets, secretNames, stop: async () => undefined };
  }
  const embedded = await startEmbeddedTarget(config);
  return { config, profile, target: embedded.target, secrets: [...config.secrets, ...embedded.secrets], secretNames, stop: embedded.stop };
}

/** What is wrong with a profile that only Verity's probe list can tell: probes it names that do not exist. */
export function profileProblems(profile: Profile): string[] {
  const known = new Set(probes.map((p) => p.id));
  return Object.keys(profile.database.probes).filter((id) => !known.has(id)).map((id) => `VERITY_PROFILE: database.probes names "${id}", which is no probe (known: ${[...known].join(', ')})`);
}

/**
 * What a run of the journeys lacks, told before anything starts. Journey accounts are needed
 * only where journeys sign in to a configured BASE_URL: the embedded demo brings its own, and the
 * database checks need none.
 */
export function missingJourneySettings(config: Config, profile: Profile): string[] {
  const { target } = config;
  if (target.kind !== 'configured' || !target.baseURL || !profile.app.auth || qaAccounts(target).length) return [];
  return [
    'VERITY_ACCOUNTS: the journeys sign in to BASE_URL with test accounts, and none is set: give VERITY_ACCOUNTS_FILE (a JSON file ' +
      'of {"email","password","role":"qa"|"admin"}), VERITY_ACCOUNTS (the same JSON), or VERITY_QA_EMAILS with VERITY_QA_PASSWORD ' +
      '(see .env.example); without BASE_URL, only the database checks run',
  ];
}
