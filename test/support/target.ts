// Verity's tests run against the real demo on a real embedded PostgreSQL. This file starts one
// and builds the typed config Verity would have, without reading the developer's .env.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { seedAccounts, startDemo, type Demo, type DemoOptions, type FaultName } from '../../demo-app/src/index.ts';
import { readState, type Baseline } from '../../src/baseline.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { GuardedDatabase } from '../../src/db.ts';
import { loadProfile, type Profile } from '../../src/profile.ts';
import { runProbes, type ProbeOutcome } from '../../db-probes/runner.ts';
import type { Account } from '../../src/target.ts';
import type { Probe } from '../../db-probes/probe.ts';

// Test-only accounts, each with its own password (spaces and symbols included, as real ones have).
// One fixed set keeps one seeded template on disk for all test runs.
export const testAccounts: Account[] = [
  { email: 'qa1@example.test', password: 'verity Test #1 pass', role: 'qa' },
  { email: 'qa2@example.test', password: "qa2's-Passw0rd!$", role: 'qa' },
  { email: 'qa3@example.test', password: 'qa3 "quoted" back\\slash %41&x', role: 'qa' },
  { email: 'admin@example.test', password: 'admin: Passw0rd-7 ;', role: 'admin' },
];

/** A folder with no .env: what tests configure is exactly what they pass. */
export const emptyEnvDir = mkdtempSync(path.join(tmpdir(), 'verity-test-env-'));

/**
 * The healthy demo's known-good state, recorded once per test process by the first startTarget():
 * every test target is the same seeded template, so runs against one compare with it, as a user's
 * runs would with theirs (VERITY_BASELINE).
 */
export const healthyBaselineFile = path.join(emptyEnvDir, 'demo.baseline.json');
let healthyBaseline: Promise<void> | undefined;

async function recordHealthyBaseline(demo: Demo): Promise<void> {
  const config = loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir } });
  const db = new GuardedDatabase(demo.verifierDatabaseURL, config.database);
  try {
    const state = await db.readOnly((s) => readState((sql, params) => s.query(sql, params), ['public'], config.thresholds.exactCountMaxRows));
    const baseline: Baseline = { verity: 'baseline/1', recordedAt: new Date().toISOString(), database: 'the healthy test demo', schemas: ['public'], ...state, accepted: [] };
    writeFileSync(healthyBaselineFile, JSON.stringify(baseline, null, 2));
  } finally {
    await db.end();
  }
}

/** The settings every test starts from, as environment variables. */
export function testEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    VERITY_ENV_DIR: emptyEnvDir,
    VERITY_ACCOUNTS: JSON.stringify(testAccounts),
    ...(existsSync(healthyBaselineFile) ? { VERITY_BASELINE: healthyBaselineFile } : {}),
    // Not retried, whatever CI says: a fault matrix's failure must fail the first time.
    VERITY_RETRIES: '0',
    ...extra,
  };
}

export function testConfig(extra: Record<string, string> = {}): Config {
  return loadConfig({ env: testEnvironment(extra) });
}

export async function startTarget(options: DemoOptions = {}): Promise<Demo> {
  const demo = await startDemo({ accounts: seedAccounts(testAccounts), ...options });
  healthyBaseline ??= recordHealthyBaseline(demo);
  await healthyBaseline;
  return demo;
}

let profile: Promise<Profile> | undefined;
export function defaultProfile(): Promise<Profile> {
  profile ??= loadProfile('personal-assistant', process.cwd());
  return profile;
}

/** Runs one probe against the demo as Verity's read-only role. */
export async function runProbe(demo: Demo, probe: Probe, settings: Record<string, string> = {}, databaseURL = demo.verifierDatabaseURL): Promise<ProbeOutcome> {
  const run = await runProbes({ databaseURL, config: testConfig(settings), profile: await defaultProfile(), probes: [probe] });
  return run.outcomes[0]!;
}

/** The messages of an outcome's findings at or above a severity, for compact assertions. */
export function messages(outcome: ProbeOutcome, severities = ['critical', 'major']): string[] {
  return outcome.findings.filter((f) => severities.includes(f.severity)).map((f) => f.message);
}

/** A loopback port nothing listens on (taken from the OS, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** SQL as the demo's superuser: the tests' own view of the database, independent of the probes. */
export async function adminQuery<T extends object = Record<string, any>>(demo: Demo, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: demo.adminDatabaseURL });
  // A database stopped by a fault under this query is told to the query, not thrown at the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Runs work with a fault applied, then restores the demo exactly. */
export async function underFault<T>(demo: Demo, fault: FaultName, work: () => Promise<T>): Promise<T> {
  await demo.applyFault(fault);
  try {
    return await work();
  } finally {
    await demo.reset();
  }
}
