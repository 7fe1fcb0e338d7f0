// Every Verity setting, in one zod schema. This is the only module that reads process.env:
// the rest of Verity receives a typed Config.
//
// Sources, later ones winning: .env, then .env.<name> (for `--env <name>` or VERITY_ENV), then
// the process environment. What global setup decides at run time (the embedded target's URLs,
// the run folder) travels to Playwright's workers through the environment too, because
// playwright.config.ts is evaluated again in every worker.
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { secretsInURL } from './redact.ts';
import type { Account, Target } from './target.ts';

const positiveInt = (what: string) =>
  z.string().regex(/^\d+$/, `expected ${what} (a whole number)`).transform(Number).refine((n) => n > 0, `expected ${what} greater than 0`);
const fraction = z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a fraction between 0 and 1, e.g. 0.8').transform(Number);
const url = (protocols: string[], example: string) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `expected a ${protocols.join(' or ')} URL, e.g. ${example}`);
const emailList = z.string().transform((s) => s.split(',').map((e) => e.trim()).filter(Boolean))
  .pipe(z.array(z.string().email('expected comma-separated email addresses')).min(1, 'expected at least one email address'));

/** One journey account, as VERITY_ACCOUNTS and VERITY_ACCOUNTS_FILE give it. Passwords may hold any character. */
const accountSchema = z.object({
  email: z.string({ message: 'expected an email address' }).email('expected an email address'),
  password: z.string({ message: 'expected a password (a string)' }).min(1, 'expected a password'),
  role: z.enum(['qa', 'admin'], { message: 'expected "qa" or "admin"' }),
});
const accountListSchema = z.array(accountSchema, { message: 'expected a JSON list of accounts' }).min(1, 'expected at least one account');
const accountListExample = '[{"email":"qa1@example.com","password":"…","role":"qa"}, {"email":"admin@example.com","password":"…","role":"admin"}]';

/**
 * Connection-string parameters that would reach the server as session settings. Verity forces its
 * own after connecting anyway (src/db.ts); a URL that tries is refused, so nobody believes it took.
 */
const sessionParameters = ['options', 'application_name', 'fallback_application_name', 'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'query_timeout', 'default_transaction_read_only', 'replication'];

/** The settings a user can give, by their environment-variable names. */
const settingsSchema = z.object({
  BASE_URL: url(['http:', 'https:'], 'https://staging.example.com').optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://verity_ro:secret@db.example.com:5432/app')
    .superRefine((value, ctx) => {
      const loosening = [...new URL(value).searchParams.keys()].filter((name) => sessionParameters.includes(name.toLowerCase()));
      if (loosening.length) {
        ctx.addIssue({ code: 'custom', message: `the parameter ${loosening.join(', ')} would set what Verity forces on its sessions (read-only, timeouts, application_name): remove it` });
      }
    })
    .optional(),
  VERITY_PROFILE: z.string().min(1).default('personal-assistant'),
  // The known-good state recorded by `npm run baseline -- --out FILE`: drift, data loss and accepted findings.
  VERITY_BASELINE: z.string().min(1).optional(),

  // Journey accounts, one way of three: a JSON file, JSON in one variable, or the QA/admin pairs.
  VERITY_ACCOUNTS_FILE: z.string().min(1).optional(),
  VERITY_ACCOUNTS: z.string().min(1).optional(),
  VERITY_QA_EMAILS: emailList.optional(),
  VERITY_QA_PASSWORD: z.string().min(1).optional(),
  VERITY_ADMIN_EMAIL: z.string().email('expected the admin account\'s email address').optional(),
  VERITY_ADMIN_PASSWORD: z.string().min(1).optional(),

  VERITY_JWKS_URL: url(['http:', 'https:'], 'https://staging.example.com/.well-known/jwks.json').optional(),
  VERITY_JWT_PUBLIC_KEY: z.string().includes('BEGIN PUBLIC KEY', { message: 'expected a PEM public key (-----BEGIN PUBLIC KEY-----)' }).optional(),
  VERITY_JWT_SECRET: z.string().min(16, 'expected an HMAC secret of at least 16 characters').optional(),
  VERITY_JWT_ISSUER: z.string().min(1).optional(),
  VERITY_JWT_AUDIENCE: z.string().min(1).optional(),
  VERITY_ACCESS_TTL_SECONDS: positiveInt('the access-token lifetime in seconds').optional(),
  VERITY_APP_LOG_FILE: z.string().min(1).optional(),

  VERITY_EMBEDDED_SCALE: positiveInt('the embedded demo\'s seed scale').default(1),
  VERITY_EMBEDDED_ACCESS_TTL_SECONDS: positiveInt('the embedded demo\'s access-token lifetime in seconds').default(45),
  VERITY_EMBEDDED_AUTH_MODE: z.enum(['bearer', 'cookie'], { message: 'expected bearer or cookie' }).default('bearer'),

  VERITY_HEALTH_TIMEOUT_MS: positiveInt('milliseconds').default(30000),
  VERITY_API_BUDGET_MS: positiveInt('milliseconds').default(1500),
  VERITY_DB_LATENCY_BUDGET_MS: z.string().regex(/^\d+(\.\d+)?$/, 'expected milliseconds, e.g. 200').transform(Number).default(200),
  VERITY_TTFB_BUDGET_MS: positiveInt('milliseconds').default(800),
  VERITY_FCP_BUDGET_MS: positiveInt('milliseconds').default(1800),
  VERITY_LCP_BUDGET_MS: positiveInt('milliseconds').default(2500),
  VERITY_CLS_BUDGET: z.string().regex(/^\d+(\.\d+)?$/, 'expected a layout-shift score, e.g. 0.1').transform(Number).default(0.1),
  VERITY_STATEMENT_TIMEOUT_MS: positiveInt('milliseconds').default(30000),
  VERITY_LOCK_TIMEOUT_MS: positiveInt('milliseconds').default(2000),
  VERITY_PROBE_TIMEOUT_MS: positiveInt('milliseconds').default(120000),
  VERITY_EXACT_COUNT_MAX_ROWS: positiveInt('rows').default(1000000),
  VERITY_XID_AGE_MAX: positiveInt('transactions').default(200000000),
  VERITY_CONNECTION_SATURATION_MAX: fraction.default(0.8),
  VERITY_LONG_TRANSACTION_SECONDS: z.string().regex(/^\d+(\.\d+)?$/, 'expected seconds, e.g. 300').transform(Number).default(300),
  VERITY_LOCK_WAIT_SECONDS: z.string().regex(/^\d+(\.\d+)?$/, 'expected seconds, e.g. 30').transform(Number).default(30),

  VERITY_BROWSER: z.string().min(1).optional(),
  // Hosts the browser may resolve besides BASE_URL's (a staging site's API or CDN host).
  VERITY_ALLOWED_HOSTS: z.string().transform((s) => s.split(',').map((h) => h.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9.*-]+$/i, 'expected comma-separated host names, e.g. api.staging.example.com,cdn.example.com'))).optional(),
  VERITY_RETRIES: z.string().regex(/^\d+$/, 'expected a number of retries (a whole number)').transform(Number).optional(),
  // Set by CI systems: retries default to 1 there.
  CI: z.string().optional(),
  // The database checks' results from an earlier `npm run probe -- --out FILE`: a shard uses them instead of probing again.
  VERITY_PROBE_RESULTS: z.string().min(1).optional(),
  VERITY_WORKERS: positiveInt('a worker count').default(2),
  VERITY_TRACE: z.enum(['on', 'off', 'retain-on-failure'], { message: 'expected on, off or retain-on-failure' }).default('retain-on-failure'),
  VERITY_REPORTS_DIR: z.string().min(1).default('reports'),
  VERITY_REPORT_SINGLE_FILE: z.enum(['true', 'false'], { message: 'expected true or false' }).default('false').transform((v) => v === 'true'),
  // Set by GitHub Actions: summary.md is appended to the job's summary.
  GITHUB_STEP_SUMMARY: z.string().min(1).optional(),
});

/** Every setting's name, as .env.example documents them. */
export const settingNames = Object.keys(settingsSchema.shape);

/** What global setup decides at run time and hands to the workers. */
const runtimeSchema = z.object({
  VERITY_RUN_ID: z.string().optional(),
  VERITY_RUNTIME_FILE: z.string().optional(),
  VERITY_BLOB_REPORT: z.string().optional(),
  VERITY_MERGE_REPORTS: z.string().optional(),
});

export type Settings = z.output<typeof settingsSchema>;

export interface Config {
  envName?: string;
  /** Where .env files were read from. */
  envDir: string;
  /**
   * What the settings name. An embedded target has only its accounts here (configured ones win
   * over the ones Verity generates for the demo); the rest is known once it has started.
   */
  target: Target;
  profile: string;
  /** The baseline file (VERITY_BASELINE), resolved; the profile may name one too. */
  baseline?: string;
  jwt: { jwksURL?: string; publicKey?: string; secret?: string; issuer?: string; audience?: string };
  embedded: { scale: number; accessTtlSeconds: number; authMode: 'bearer' | 'cookie' };
  budgets: {
    healthTimeoutMs: number;
    apiMs: number;
    dbLatencyMs: number;
    /** Core web vitals of the signed-in pages (Google's "good" thresholds by default). */
    ttfbMs: number;
    fcpMs: number;
    lcpMs: number;
    cls: number;
  };
  database: { statementTimeoutMs: number; lockTimeoutMs: number; probeTimeoutMs: number };
  thresholds: {
    exactCountMaxRows: number;
    xidAgeMax: number;
    connectionSaturationMax: number;
    longTransactionSeconds: number;
    lockWaitSeconds: number;
  };
  browser?: string;
  /** Host names the browser may resolve besides the target's own (all others resolve to nothing). */
  allowedHosts: string[];
  /** Playwright retries of a failed test; a test that passes on a retry is reported flaky. */
  retries: number;
  /** Probe results to use instead of running the probes (a shard of a sharded run). */
  probeResultsFile?: string;
  /** Write a blob report for `playwright merge-reports` (set by `verify` for a shard). */
  blobReport: boolean;
  /** Playwright merges shards' blob reports (set by `verify:merge`): Allure results come from the shards. */
  mergingReports: boolean;
  workers: number;
  trace: 'on' | 'off' | 'retain-on-failure';
  reportsDir: string;
  /** One self-contained report file (for mailing), instead of a folder. */
  reportSingleFile: boolean;
  /** Where CI collects a job summary (GitHub Actions' GITHUB_STEP_SUMMARY). */
  stepSummaryFile?: string;
  runId?: string;
  runtimeFile?: string;
  /** Every secret value in the settings, for redaction. */
  secrets: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface LoadOptions {
  /** --env <name>; falls back to VERITY_ENV. */
  envName?: string;
  /** The environment to read (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const envDir = path.resolve(env.VERITY_ENV_DIR ?? process.cwd());
  const envName = options.envName ?? (env.VERITY_ENV || undefined);
  const problems: string[] = [];
  if (envName !== undefined && !/^[a-z0-9_-]+$/i.test(envName)) problems.push(`VERITY_ENV: expected a name like staging, got "${envName}"`);
  const files = ['.env', ...(envName ? [`.env.${envName}`] : [])];
  const fromFiles: Record<string, string> = {};
  for (const file of files) {
    const full = path.join(envDir, file);
    if (existsSync(full)) Object.assign(fromFiles, parseDotenv(readFileSync(full)));
    else if (file !== '.env') problems.push(`VERITY_ENV: ${file} not found in ${envDir}`);
  }
  const merged: Record<string, string | undefined> = { ...fromFiles };
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value;
  for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];

  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      const given = merged[name];
      const message = issue.code === 'invalid_type' && given === undefined ? 'is required (see .env.example)' : issue.message;
      problems.push(`${name}: ${message}${given !== undefined && !isSecretName(name) ? ` (got "${given}")` : ''}`);
    }
  }
  const accounts = parsed.success ? accountsFrom(parsed.data, envDir, problems) : [];
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  const s = parsed.data;
  const runtime = runtimeSchema.parse(merged);
  const kind = s.BASE_URL || s.DATABASE_URL ? 'configured' : 'embedded';

  return {
    envName,
    envDir,
    target: {
      kind,
      baseURL: s.BASE_URL,
      databaseURL: s.DATABASE_URL,
      appLogFile: s.VERITY_APP_LOG_FILE ? path.resolve(envDir, s.VERITY_APP_LOG_FILE) : undefined,
      accessTtlSeconds: s.VERITY_ACCESS_TTL_SECONDS,
      accounts,
    },
    profile: s.VERITY_PROFILE,
    ...(s.VERITY_BASELINE ? { baseline: path.resolve(envDir, s.VERITY_BASELINE) } : {}),
    jwt: {
      jwksURL: s.VERITY_JWKS_URL,
      publicKey: s.VERITY_JWT_PUBLIC_KEY,
      secret: s.VERITY_JWT_SECRET,
      issuer: s.VERITY_JWT_ISSUER,
      audience: s.VERITY_JWT_AUDIENCE,
    },
    embedded: { scale: s.VERITY_EMBEDDED_SCALE, accessTtlSeconds: s.VERITY_EMBEDDED_ACCESS_TTL_SECONDS, authMode: s.VERITY_EMBEDDED_AUTH_MODE },
    budgets: {
      healthTimeoutMs: s.VERITY_HEALTH_TIMEOUT_MS,
      apiMs: s.VERITY_API_BUDGET_MS,
      dbLatencyMs: s.VERITY_DB_LATENCY_BUDGET_MS,
      ttfbMs: s.VERITY_TTFB_BUDGET_MS,
      fcpMs: s.VERITY_FCP_BUDGET_MS,
      lcpMs: s.VERITY_LCP_BUDGET_MS,
      cls: s.VERITY_CLS_BUDGET,
    },
    database: { statementTimeoutMs: s.VERITY_STATEMENT_TIMEOUT_MS, lockTimeoutMs: s.VERITY_LOCK_TIMEOUT_MS, probeTimeoutMs: s.VERITY_PROBE_TIMEOUT_MS },
    thresholds: {
      exactCountMaxRows: s.VERITY_EXACT_COUNT_MAX_ROWS,
      xidAgeMax: s.VERITY_XID_AGE_MAX,
      connectionSaturationMax: s.VERITY_CONNECTION_SATURATION_MAX,
      longTransactionSeconds: s.VERITY_LONG_TRANSACTION_SECONDS,
      lockWaitSeconds: s.VERITY_LOCK_WAIT_SECONDS,
    },
    browser: s.VERITY_BROWSER,
    allowedHosts: s.VERITY_ALLOWED_HOSTS ?? [],
    retries: s.VERITY_RETRIES ?? (s.CI && s.CI !== 'false' ? 1 : 0),
    probeResultsFile: s.VERITY_PROBE_RESULTS ? path.resolve(envDir, s.VERITY_PROBE_RESULTS) : undefined,
    blobReport: runtime.VERITY_BLOB_REPORT === '1',
    mergingReports: runtime.VERITY_MERGE_REPORTS === '1',
    workers: s.VERITY_WORKERS,
    trace: s.VERITY_TRACE,
    reportsDir: path.resolve(envDir, s.VERITY_REPORTS_DIR),
    reportSingleFile: s.VERITY_REPORT_SINGLE_FILE,
    stepSummaryFile: s.GITHUB_STEP_SUMMARY,
    runId: runtime.VERITY_RUN_ID,
    runtimeFile: runtime.VERITY_RUNTIME_FILE,
    secrets: [
      ...accounts.map((a) => a.password),
      s.VERITY_JWT_SECRET,
      ...(s.DATABASE_URL ? secretsInURL(s.DATABASE_URL) : []),
      ...(s.BASE_URL ? secretsInURL(s.BASE_URL) : []),
    ].filter((v): v is string => !!v),
  };
}

let loaded: Config | undefined;

/**
 * This process's config, loaded once. Playwright's runner and each of its workers are processes
 * of their own (each evaluates playwright.config.ts again); within one, every part shares this.
 */
export function currentConfig(): Config {
  return (loaded ??= loadConfig());
}

/**
 * The journey accounts, given one way of three: VERITY_ACCOUNTS_FILE (a JSON file),
 * VERITY_ACCOUNTS (the same JSON in one variable), or the QA emails sharing VERITY_QA_PASSWORD
 * plus VERITY_ADMIN_EMAIL / VERITY_ADMIN_PASSWORD. None at all is fine: the embedded demo gets
 * generated ones, and a configured target needs them only when journeys sign in (see run/prepare.ts).
 */
function accountsFrom(s: Settings, envDir: string, problems: string[]): Account[] {
  const pairs = s.VERITY_QA_EMAILS || s.VERITY_QA_PASSWORD || s.VERITY_ADMIN_EMAIL || s.VERITY_ADMIN_PASSWORD;
  const ways = [s.VERITY_ACCOUNTS_FILE && 'VERITY_ACCOUNTS_FILE', s.VERITY_ACCOUNTS && 'VERITY_ACCOUNTS', pairs && 'VERITY_QA_EMAILS/VERITY_ADMIN_EMAIL'].filter(Boolean);
  if (ways.length > 1) {
    problems.push(`VERITY_ACCOUNTS: accounts are given ${ways.length} ways (${ways.join(', ')}): give them one way`);
    return [];
  }
  if (s.VERITY_ACCOUNTS_FILE) {
    const file = path.resolve(envDir, s.VERITY_ACCOUNTS_FILE);
    if (!existsSync(file)) {
      problems.push(`VERITY_ACCOUNTS_FILE: ${file} does not exist`);
      return [];
    }
    return parseAccountList('VERITY_ACCOUNTS_FILE', readFileSync(file, 'utf8'), problems);
  }
  if (s.VERITY_ACCOUNTS) return parseAccountList('VERITY_ACCOUNTS', s.VERITY_ACCOUNTS, problems);
  const accounts: Account[] = [];
  const pair = (emailName: string, emails: string[] | undefined, passwordName: string, password: string | undefined, role: Account['role']) => {
    if (emails && !password) problems.push(`${passwordName}: is required with ${emailName} (see .env.example)`);
    else if (password && !emails) problems.push(`${emailName}: is required with ${passwordName} (see .env.example)`);
    else if (emails && password) accounts.push(...emails.map((email) => ({ email, password, role })));
  };
  pair('VERITY_QA_EMAILS', s.VERITY_QA_EMAILS, 'VERITY_QA_PASSWORD', s.VERITY_QA_PASSWORD, 'qa');
  pair('VERITY_ADMIN_EMAIL', s.VERITY_ADMIN_EMAIL ? [s.VERITY_ADMIN_EMAIL] : undefined, 'VERITY_ADMIN_PASSWORD', s.VERITY_ADMIN_PASSWORD, 'admin');
  return accounts;
}

/** Accounts from JSON; each problem names the entry and field, never a value (they hold passwords). */
function parseAccountList(name: string, text: string, problems: string[]): Account[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text, passwords included.
    problems.push(`${name}: is not valid JSON; expected a list like ${accountListExample}`);
    return [];
  }
  const parsed = accountListSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    problems.push(`${name}: ${where ? `${where.replace(/^\./, '')}: ` : ''}${issue.message}`);
  }
  return [];
}

function isSecretName(name: string): boolean {
  return /PASSWORD|SECRET|DATABASE_URL|TOKEN|ACCOUNTS/.test(name);
}


/**
 * The run's id and the file global setup writes its decisions to. Decided once, in the first
 * process that asks (the `verify` command, or Playwright's runner), and handed to every later
 * process (Playwright's workers, which evaluate the config again) through the environment.
 */
export function ensureRunIdentity(config: Config): Required<Pick<Config, 'runId' | 'runtimeFile'>> {
  const runId = config.runId ?? new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '') + '-' + process.pid;
  // Outside reports/: it holds the embedded target's database passwords.
  const runtimeFile = config.runtimeFile ?? path.join(tmpdir(), `verity-run-${runId}.json`);
  process.env.VERITY_RUN_ID = runId;
  process.env.VERITY_RUNTIME_FILE = runtimeFile;
  config.runId = runId;
  config.runtimeFile = runtimeFile;
  return { runId, runtimeFile };
}

/** The folder of one run's output: reports/<run id>/. */
export function runDirOf(config: Config): string {
  return path.join(config.reportsDir, ensureRunIdentity(config).runId);
}

/** The environment for a process Verity starts (the Playwright runner): this run's settings. */
export function verityEnvironment(config: Config): NodeJS.ProcessEnv {
  const { runId, runtimeFile } = ensureRunIdentity(config);
  return {
    ...process.env,
    VERITY_RUN_ID: runId,
    VERITY_RUNTIME_FILE: runtimeFile,
    // The child may run elsewhere (Playwright runs in the repository): it reads the same .env files.
    VERITY_ENV_DIR: config.envDir,
    ...(config.envName ? { VERITY_ENV: config.envName } : {}),
  };
}
