// One way to prepare a run, shared by every command (verify, probe) and by Playwright's global
// setup: read the profile, resolve the target (starting the embedded default when none is
// configured), and learn every secret of the run before anything is printed.
import { probes } from '../db-probes/index.ts';
import { loadBaseline, type Baseline } from '../src/baseline.ts';
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
  /** The known-good state the probes compare with, when one is set. */
  baseline?: { file: string; recorded: Baseline };
  /** Stops what was started for the run (the embedded default). */
  stop(): Promise<void>;
}

/** `withBaseline: false` for the command that records one: it must not compare with the one it replaces. */
export async function prepareRun(config: Config, { withBaseline = true } = {}): Promise<PreparedRun> {
  const profile = await loadProfile(config.profile, config.envDir);
  const auth = profile.app.auth;
  const secretNames = auth ? secretFieldNames(auth) : [];
  const baseline = withBaseline ? baselineOf(config, profile) : undefined;
  const shared = { config, profile, secretNames, ...(baseline ? { baseline } : {}) };
  if (config.target.kind === 'configured') {
    const target: Target = { ...config.target, appLogFile: config.target.appLogFile ?? profile.app.logFile };
    return { ...shared, target, secrets: config.secrets, stop: async () => undefined };
  }
  const embedded = await startEmbeddedTarget(config);
  return { ...shared, target: embedded.target, secrets: [...config.secrets, ...embedded.secrets], stop: embedded.stop };
}

type AuthSettings = NonNullable<Profile['app']['auth']>;

/**
 * The JSON fields, cookies and headers whose values are secret, from the profile's sign-in
 * contract: the password field, where each token is (a pointer's last member, a cookie, a
 * header), how the access token is presented, and the pages' session cookie.
 */
export function secretFieldNames(auth: AuthSettings): string[] {
  const named = (location: AuthSettings['accessToken']) => {
    if (!location) return [];
    if (location.from !== 'json') return [location.name];
    const last = location.pointer.split('/').at(-1);
    return last ? [last.replace(/~1/g, '/').replace(/~0/g, '~')] : [];
  };
  const presented = auth.presentAccessToken?.name && auth.presentAccessToken.name.toLowerCase() !== 'authorization' ? [auth.presentAccessToken.name] : [];
  return [...new Set([
    auth.passwordField, auth.accessTokenField, auth.refreshTokenField, auth.accessCookie, auth.refreshCookie,
    ...named(auth.accessToken), ...named(auth.refreshToken), ...presented, ...(auth.browserCookie ? [auth.browserCookie] : []),
  ])];
}

/** The baseline VERITY_BASELINE names, else the profile's; throws one line when it cannot be read. */
export function baselineOf(config: Config, profile: Profile): { file: string; recorded: Baseline } | undefined {
  const [file, setting] = config.baseline ? [config.baseline, 'VERITY_BASELINE'] : [profile.database.baseline, 'database.baseline (profile)'];
  return file ? { file, recorded: loadBaseline(file, setting!) } : undefined;
}

/**
 * What is wrong with a profile that only Verity's probe list and files can tell: probes it names
 * that do not exist, a baseline that cannot be read.
 */
export function profileProblems(profile: Profile, config?: Config): string[] {
  const known = new Set(probes.map((p) => p.id));
  const problems = Object.keys(profile.database.probes).filter((id) => !known.has(id)).map((id) => `VERITY_PROFILE: database.probes names "${id}", which is no probe (known: ${[...known].join(', ')})`);
  if (config) {
    try {
      baselineOf(config, profile);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
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
