// A seeded cluster kept on disk as a template: every demo instance starts from a copy of it,
// and a fault reset copies it again, so "reset" restores the seeded state exactly (files,
// catalog, statistics and all) in about a second.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, rename } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgCluster } from './cluster.ts';
import { migrate, migrationFiles } from './migrate.ts';
import { seed, type SeedAccount } from './seed.ts';
import { freePort } from '../net.ts';

export const databaseName = 'personal_assistant';
export const superuser = 'postgres';
export const appRole = 'pa_app';
export const verifierRole = 'verity_ro';

export interface TemplateOptions {
  scale: number;
  seed: number;
  accounts: SeedAccount[];
  onStep?: (step: string, ms: number) => void;
}

export interface Template {
  pgdata: string;
  passwords: { superuser: string; app: string; verifier: string };
  seededAt: string;
}

/** Work folders live under the system temp dir: the postgres user must be able to reach them. */
export const demoRoot = path.join(tmpdir(), 'verity-demo');

// Seeded timestamps are relative to seeding time; an old template would look like a stale restore.
const maxTemplateAgeMs = 6 * 60 * 60 * 1000;

// A template is rebuilt when it ages out, as a new generation beside the old one: a demo still
// running resets from the generation it started from, whose passwords it holds.
export async function ensureTemplate(options: TemplateOptions): Promise<Template> {
  const keyDir = path.join(demoRoot, 'templates', templateKey(options));
  const fresh = existsSync(keyDir)
    ? readdirSync(keyDir).filter((name) => name.startsWith('gen-') && existsSync(path.join(keyDir, name, 'template.json'))).sort().reverse()
        .find((name) => Date.now() - statSync(path.join(keyDir, name, 'template.json')).mtimeMs < maxTemplateAgeMs)
    : undefined;
  if (fresh) {
    const dir = path.join(keyDir, fresh);
    markUsed(dir);
    return { ...JSON.parse(readFileSync(path.join(dir, 'template.json'), 'utf8')), pgdata: path.join(dir, 'pgdata') };
  }
  const dir = path.join(keyDir, `gen-${Date.now()}-${randomBytes(3).toString('hex')}`);
  const metaFile = path.join(dir, 'template.json');
  await mkdir(keyDir, { recursive: true });
  spawnSync('chmod', ['755', keyDir]);
  const building = await mkdtemp(path.join(demoRoot, 'templates', 'building-'));
  spawnSync('chmod', ['755', demoRoot, path.join(demoRoot, 'templates'), building]);
  const passwords = { superuser: secret(), app: secret(), verifier: secret() };
  const cluster = new PgCluster({
    dataDir: path.join(building, 'pgdata'),
    port: await freePort(),
    superuser,
    superPassword: passwords.superuser,
    logFile: path.join(building, 'postgres.log'),
  });
  try {
    await cluster.init();
    await cluster.start();
    const admin = await cluster.client('postgres');
    await admin.query(`CREATE DATABASE ${databaseName}`);
    await admin.end();
    const db = await cluster.client(databaseName);
    try {
      await migrate(db);
      await db.query(`ALTER ROLE ${appRole} PASSWORD '${passwords.app}'`);
      await db.query(`ALTER ROLE ${verifierRole} PASSWORD '${passwords.verifier}'`);
      await seed(db, options);
      await db.query('CHECKPOINT');
    } finally {
      await db.end();
    }
    await cluster.stop('fast');
    const meta = { passwords, seededAt: new Date().toISOString() };
    writeFileSync(path.join(building, 'template.json'), JSON.stringify(meta, null, 2), { mode: 0o600 });
    await rename(building, dir);
    markUsed(dir);
    pruneTemplates(path.basename(keyDir));
    pruneGenerations(keyDir, path.basename(dir));
    return { ...JSON.parse(readFileSync(metaFile, 'utf8')), pgdata: path.join(dir, 'pgdata') };
  } catch (err) {
    await cluster.stop('immediate');
    rmSync(building, { recursive: true, force: true });
    throw err;
  }
}

/** Copies the template's data folder (owner and modes kept) to a new place. */
export function copyPgdata(template: Template, target: string): void {
  rmSync(target, { recursive: true, force: true });
  const result = spawnSync('cp', ['-a', template.pgdata, target], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`copying the template failed: ${result.stderr}`);
}

const sourceFiles = ['seed.ts', 'migrate.ts', 'template.ts'].map((f) => path.join(path.dirname(fileURLToPath(import.meta.url)), f));

function templateKey(options: TemplateOptions): string {
  const hash = createHash('sha256');
  for (const m of migrationFiles()) hash.update(m.version).update(m.sql);
  for (const f of sourceFiles) hash.update(readFileSync(f));
  hash.update(JSON.stringify({ scale: options.scale, seed: options.seed, accounts: options.accounts }));
  return `s${options.scale}-${hash.digest('hex').slice(0, 16)}`;
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

const lastUsedFile = 'last-used';
const keptTemplates = 6;
// A running instance resets from its template: never remove one that was used recently.
const inUseMs = 30 * 60 * 1000;

function markUsed(dir: string): void {
  writeFileSync(path.join(dir, lastUsedFile), new Date().toISOString());
}

/** When a folder was last used: its marker, or the newest of its generations' markers. */
function lastUsedOf(dir: string): number {
  const marker = path.join(dir, lastUsedFile);
  if (existsSync(marker)) return statSync(marker).mtimeMs;
  const generations = readdirSync(dir).filter((name) => name.startsWith('gen-')).map((name) => lastUsedOf(path.join(dir, name)));
  return Math.max(statSync(dir).mtimeMs, ...generations);
}

/** Older generations of one template, once no running demo can still reset from them. */
function pruneGenerations(keyDir: string, keep: string): void {
  for (const name of readdirSync(keyDir).filter((n) => n !== keep)) {
    if (Date.now() - lastUsedOf(path.join(keyDir, name)) > inUseMs) rmSync(path.join(keyDir, name), { recursive: true, force: true });
  }
}

/** Templates of older code, settings or accounts are dead weight (73 MB each at scale 1). */
function pruneTemplates(keep: string): void {
  const root = path.join(demoRoot, 'templates');
  const lastUsed = (dir: string) => lastUsedOf(path.join(root, dir));
  const byRecency = readdirSync(root)
    .filter((name) => name !== keep && !name.startsWith('building-'))
    .sort((a, b) => lastUsed(b) - lastUsed(a));
  byRecency.forEach((name, index) => {
    const idle = Date.now() - lastUsed(name);
    if (idle > inUseMs && (index >= keptTemplates - 1 || idle > maxTemplateAgeMs)) {
      rmSync(path.join(root, name), { recursive: true, force: true });
    }
  });
}
