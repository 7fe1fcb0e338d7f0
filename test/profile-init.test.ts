// `npm run profile:init` drafting a profile from a live database, run as a user runs it (a
// subprocess, no developer .env): from the demo's database, and from a small one unlike it that
// the test makes beside it in the same cluster (uuid keys, a quoted mixed-case schema and table, a
// reference by value with no foreign key, sessions with a revoked flag and camelCase columns, an
// API key with a format). Both are read as Verity's read-only role; what the drafts should say is
// learnt from the superuser's own queries.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Demo } from '../demo-app/src/index.ts';
import dataRules from '../db-probes/data-rules.ts';
import declaredRelationships from '../db-probes/declared-relationships.ts';
import freshness from '../db-probes/freshness.ts';
import { runProbes } from '../db-probes/runner.ts';
import staleSessions from '../db-probes/stale-sessions.ts';
import appRolePrivileges from '../db-probes/app-role-privileges.ts';
import { loadProfile, type Profile } from '../src/profile.ts';
import { emptyEnvDir, startTarget, testConfig } from './support/target.ts';
import { repoRoot } from './support/verify-run.ts';

const lab = 'drafting';

const labSchema = `
  CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    handle text NOT NULL,
    api_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  -- A session table by another name: an expiry and a revoked flag.
  CREATE TABLE logins (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts (id),
    expires_on timestamptz NOT NULL,
    revoked boolean NOT NULL DEFAULT false
  );
  -- Columns an ORM names in camelCase (better-auth's "expiresAt"): SQL must quote them.
  CREATE TABLE device_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "accountId" uuid NOT NULL REFERENCES accounts (id),
    "expiresAt" timestamptz NOT NULL,
    "revokedAt" timestamptz
  );
  CREATE SCHEMA "Billing";
  -- owner refers to accounts.id by value only: no foreign key, and not named like a reference.
  CREATE TABLE "Billing"."Invoices" (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner uuid NOT NULL,
    "amountCents" integer NOT NULL
  );
  -- Names a profile cannot hold: one that is not a plain identifier, one public already has.
  CREATE TABLE "Billing"."Old invoices" (id integer PRIMARY KEY);
  CREATE TABLE "Billing".accounts (id integer PRIMARY KEY);

  INSERT INTO accounts (email, handle, api_key)
    SELECT 'user' || i || '@example.test', 'user' || i, 'ak_' || md5('key ' || i) FROM generate_series(1, 20) i;
  -- Logins 1-3 are expired and still active (the app's design); 4-6 expired and revoked.
  INSERT INTO logins (account_id, expires_on, revoked)
    SELECT id, now() + CASE WHEN n <= 6 THEN interval '-1 day' ELSE interval '1 day' END, n BETWEEN 4 AND 6
    FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM accounts) a;
  INSERT INTO device_sessions ("accountId", "expiresAt", "revokedAt")
    SELECT id, now() - interval '1 hour', CASE WHEN n % 2 = 0 THEN now() END
    FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM accounts) a;
  INSERT INTO "Billing"."Invoices" (owner, "amountCents") SELECT id, 100 * n FROM accounts, generate_series(1, 2) n;
  ANALYZE;
`;
const labTables = ['accounts', 'logins', 'device_sessions', '"Billing"."Invoices"'];

let demo: Demo;
const outDir = mkdtempSync(path.join(tmpdir(), 'verity-profile-init-'));

before(async () => {
  demo = await startTarget();
  await query(demo.adminDatabaseURL, `CREATE DATABASE ${lab}`);
  await query(inLab(demo.adminDatabaseURL), labSchema);
});
after(async () => {
  try {
    if (demo) await query(demo.adminDatabaseURL, `DROP DATABASE IF EXISTS ${lab} WITH (FORCE)`);
  } finally {
    await demo?.stop();
  }
});

/** The same server and role, another database of the cluster. */
function inLab(url: string): string {
  const other = new URL(url);
  other.pathname = `/${lab}`;
  return other.toString();
}

async function query<T extends object = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `npm run profile:init` as a new user runs it: no .env, no setting but `env`. Not synchronous:
 * the demo under test lives in this process.
 */
async function profileInit(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'run/profile-init.ts'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, VERITY_ENV_DIR: emptyEnvDir, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { status, stdout, stderr };
}

const told = (run: Run) => `exit ${run.status}\n${run.stdout}\n${run.stderr}`;

/** Each entry of a list in the module, and the line before it. */
function entriesOf(text: string, key: string): { entry: string; before: string }[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `${key}: [`);
  assert.ok(start >= 0, `the module has a ${key} list`);
  const indent = lines[start]!.search(/\S/);
  const entries: { entry: string; before: string }[] = [];
  for (let i = start + 1; lines[i]!.search(/\S/) > indent; i++) {
    if (/^\s*(\/\/ )?\{/.test(lines[i]!)) entries.push({ entry: lines[i]!.trim(), before: lines[i - 1]!.trim() });
  }
  return entries;
}

/** The drafted profile's own checks, run on the database it was drafted from: none may fail. */
async function ownChecksFail(databaseURL: string, profile: Profile): Promise<string[]> {
  const run = await runProbes({
    databaseURL,
    config: testConfig(),
    profile,
    probes: [dataRules, declaredRelationships, staleSessions, freshness, appRolePrivileges],
  });
  return run.outcomes.flatMap((o) => [
    ...(o.status === 'broken' ? [`${o.id}: broken: ${o.unobserved.join('; ')}`] : []),
    ...o.findings.filter((f) => f.severity === 'critical' || f.severity === 'major').map((f) => `${o.id}: ${f.message}`),
  ]);
}

describe('profile:init on the demo database', () => {
  const file = path.join(outDir, 'demo.ts');
  let run: Run;
  let text: string;
  let profile: Profile;

  before(async () => {
    run = await profileInit(['--out', file], { DATABASE_URL: demo.verifierDatabaseURL, BASE_URL: demo.baseURL });
    assert.equal(run.status, 0, `profile:init should succeed: ${told(run)}`);
    text = readFileSync(file, 'utf8');
    profile = await loadProfile(file, outDir);
  });

  it('writes a module that loads, says what it drafted and never shows a password', () => {
    assert.match(run.stdout, /review the entries marked `review:`/i, `the summary asks for a review: ${run.stdout}`);
    assert.match(run.stdout, /expected tables 40/, `the summary counts the tables: ${run.stdout}`);
    const password = new URL(demo.verifierDatabaseURL).password;
    assert.ok(!run.stdout.includes(password) && !run.stderr.includes(password) && !text.includes(password), 'the database password appears nowhere');
    assert.match(text.split('\n')[0]!, /^\/\/ Drafted by `npm run profile:init` from postgres:\/\/verity_ro@[^ ]+\/personal_assistant on \d{4}-\d{2}-\d{2}/, 'the first line says where it came from');
  });

  it('lists the tables, and the critical ones', () => {
    for (const table of ['users', 'user_sessions', 'auth_tokens', 'dashboard_counts']) {
      assert.ok(profile.database.expectedTables.includes(table), `${table} is expected: ${profile.database.expectedTables.join(', ')}`);
    }
    assert.deepEqual(profile.database.schemas, ['public'], 'the demo has one schema');
    assert.ok(profile.database.criticalTables.includes('users'), `users is critical: ${profile.database.criticalTables.join(', ')}`);
  });

  it('drafts the session tables with their active flags', () => {
    const sessions = profile.database.sessions.find((s) => s.table === 'user_sessions');
    assert.equal(sessions?.activeWhere, 's.is_active', `user_sessions is active while is_active: ${JSON.stringify(profile.database.sessions)}`);
    assert.equal(sessions?.expiresColumn, 'expires_at', 'user_sessions expire at expires_at');
    const tokens = profile.database.sessions.find((s) => s.table === 'auth_tokens');
    assert.equal(tokens?.activeWhere, 's.revoked_at IS NULL', `auth_tokens are active until revoked: ${JSON.stringify(profile.database.sessions)}`);
  });

  it('drafts the data rules, with a password-hash pattern every hash matches', async () => {
    const { notBlank, uniqueIgnoringCase, matches } = profile.database.rules;
    const has = (list: { table: string; column: string }[], table: string, column: string) => list.some((r) => r.table === table && r.column === column);
    assert.ok(has(notBlank, 'users', 'email'), `users.email is not blank: ${JSON.stringify(notBlank)}`);
    assert.ok(has(uniqueIgnoringCase, 'users', 'email'), `users.email is unique ignoring case: ${JSON.stringify(uniqueIgnoringCase)}`);
    const hash = matches.find((m) => m.table === 'users' && m.column === 'password_hash');
    assert.ok(hash, `users.password_hash has a pattern: ${JSON.stringify(matches)}`);
    assert.match(hash.pattern, /^\^scrypt\\\$/, `the pattern starts with the hash's scheme: ${hash.pattern}`);
    const [row] = await query<{ n: string; all: string }>(demo.adminDatabaseURL,
      'SELECT count(*) FILTER (WHERE NOT password_hash ~ $1) AS n, count(*) AS all FROM users', [hash.pattern]);
    assert.equal(Number(row!.n), 0, `every one of ${row!.all} hashes matches ${hash.pattern}`);
    const [wrong] = await query<{ ok: boolean }>(demo.adminDatabaseURL, "SELECT 'plain-text-password' ~ $1 AS ok", [hash.pattern]);
    assert.equal(wrong!.ok, false, 'a value that is not a hash does not match');
  });

  it('drafts the references the demo has without a foreign key, each under its comment', () => {
    const has = (from: string, to: string) => profile.database.relationships.some((r) =>
      `${r.from.table}.${r.from.column}` === from && `${r.to.table}.${r.to.column}` === to && !r.foreignKey);
    const drafted = JSON.stringify(profile.database.relationships);
    assert.ok(has('conversation_messages.conversation_id', 'conversation_states.conversation_id'), `messages → conversations: ${drafted}`);
    assert.ok(has('dashboard_counts.user_id', 'users.id'), `dashboard_counts → users: ${drafted}`);
    const entries = entriesOf(text, 'relationships');
    assert.ok(entries.length >= 2, 'the relationships list has entries');
    for (const { entry, before } of entries) assert.match(before, /^\/\/ review: /, `"${entry}" is preceded by its reason`);
  });

  it('drafts the app paths that answer at BASE_URL', () => {
    assert.equal(profile.app.healthPath, '/health', 'the demo answers /health');
    assert.equal(profile.app.openApiPath, '/openapi.json', 'the demo serves its OpenAPI document at /openapi.json');
  });

  it('passes its own checks on the database it was drafted from', async () => {
    assert.deepEqual(await ownChecksFail(demo.verifierDatabaseURL, profile), [], 'no data rule, relationship, session, freshness or privilege check fails');
  });
});

describe('profile:init on a database unlike the demo', () => {
  const file = path.join(outDir, 'lab.ts');
  let run: Run;
  let text: string;
  let profile: Profile;
  let countsBefore: number[];

  const rowCounts = () => Promise.all(labTables.map(async (t) =>
    Number((await query<{ n: string }>(inLab(demo.adminDatabaseURL), `SELECT count(*) AS n FROM ${t}`))[0]!.n)));

  before(async () => {
    countsBefore = await rowCounts();
    run = await profileInit(['--out', file], { DATABASE_URL: inLab(demo.verifierDatabaseURL) });
    assert.equal(run.status, 0, `profile:init should succeed: ${told(run)}`);
    text = readFileSync(file, 'utf8');
    profile = await loadProfile(file, outDir);
  });

  it('drafts every schema and table a profile can name, and says which it left out', () => {
    assert.deepEqual(profile.database.schemas, ['public', 'Billing'], 'public first, then the quoted schema');
    assert.deepEqual([...profile.database.expectedTables].sort(), ['Invoices', 'accounts', 'device_sessions', 'logins'], 'one accounts table, no unnameable one');
    assert.match(text, /\/\/ left out: "Billing"\."Old invoices": not a plain identifier/, 'the table with a space is left out with a comment');
    assert.match(text, /\/\/ left out: Billing\.accounts: public\.accounts has the same name/, 'the second accounts is left out with a comment');
  });

  it('finds the reference by value that has no foreign key', () => {
    const owner = profile.database.relationships.find((r) => r.from.table === 'Invoices' && r.from.column === 'owner');
    assert.deepEqual(owner, { from: { table: 'Invoices', column: 'owner' }, to: { table: 'accounts', column: 'id' }, foreignKey: false },
      `Invoices.owner → accounts.id: ${JSON.stringify(profile.database.relationships)}`);
    assert.ok(!profile.database.relationships.some((r) => r.from.table === 'logins'), 'logins.account_id has a foreign key: not drafted');
  });

  it('drafts session tables by their flags, quoting camelCase columns', async () => {
    const [expired] = await query<{ n: string }>(inLab(demo.adminDatabaseURL), 'SELECT count(*) AS n FROM logins WHERE expires_on < now() AND NOT revoked');
    assert.deepEqual(profile.database.sessions.find((s) => s.table === 'logins'),
      { table: 'logins', expiresColumn: 'expires_on', activeWhere: 'NOT s.revoked', maxExpiredActive: Number(expired!.n) * 2 + 10 },
      `logins: ${JSON.stringify(profile.database.sessions)}`);
    const devices = profile.database.sessions.find((s) => s.table === 'device_sessions');
    assert.equal(devices?.expiresColumn, 'expiresAt', `the expiry column keeps its case: ${JSON.stringify(devices)}`);
    assert.equal(devices?.activeWhere, 's."revokedAt" IS NULL', `the condition quotes the column: ${JSON.stringify(devices)}`);
  });

  it("drafts the API key's format, which a malformed key fails", async () => {
    const apiKey = profile.database.rules.matches.find((m) => m.table === 'accounts' && m.column === 'api_key');
    assert.ok(apiKey, `accounts.api_key has a pattern: ${JSON.stringify(profile.database.rules.matches)}`);
    const [row] = await query<{ misses: string; malformed: boolean }>(inLab(demo.adminDatabaseURL),
      "SELECT count(*) FILTER (WHERE NOT api_key ~ $1) AS misses, 'ak_xyz' ~ $1 AS malformed FROM accounts", [apiKey.pattern]);
    assert.equal(Number(row!.misses), 0, `every key matches ${apiKey.pattern}`);
    assert.equal(row!.malformed, false, `'ak_xyz' does not match ${apiKey.pattern}`);
    assert.ok(!profile.database.rules.matches.some((m) => m.column === 'handle' || m.column === 'email'), 'names and emails get no pattern');
  });

  it('leaves app to its defaults without BASE_URL, saying so', () => {
    assert.match(text, /\/\/ app: none drafted: no BASE_URL was given/, 'the module says why app is missing');
    assert.equal(profile.app.healthPath, '/health', 'the schema defaults the app');
  });

  it('changed no row, and passes its own checks', async () => {
    assert.deepEqual(await rowCounts(), countsBefore, `row counts of ${labTables.join(', ')} are unchanged`);
    assert.deepEqual(await ownChecksFail(inLab(demo.verifierDatabaseURL), profile), [], 'no check of the drafted profile fails');
  });
});

describe('profile:init refusing to run', () => {
  it('needs DATABASE_URL', async () => {
    const run = await profileInit(['--out', path.join(outDir, 'none.ts')]);
    assert.equal(run.status, 2, `exit 2: ${told(run)}`);
    assert.equal(run.stderr.trim(), 'Verity: DATABASE_URL is not set: `npm run profile:init` drafts a profile from a database you name', `one line: ${told(run)}`);
  });

  it('needs --out', async () => {
    const run = await profileInit([], { DATABASE_URL: demo.verifierDatabaseURL });
    assert.equal(run.status, 2, `exit 2: ${told(run)}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${told(run)}`);
    assert.match(run.stderr, /--out FILE is required/, `says what is missing: ${told(run)}`);
  });

  it('keeps an existing file unless --force', async () => {
    const file = path.join(outDir, 'kept.ts');
    writeFileSync(file, '// mine\n');
    const run = await profileInit(['--out', file], { DATABASE_URL: inLab(demo.verifierDatabaseURL) });
    assert.equal(run.status, 2, `exit 2: ${told(run)}`);
    assert.match(run.stderr, /exists: nothing was written \(--force replaces it\)/, `says why: ${told(run)}`);
    assert.equal(readFileSync(file, 'utf8'), '// mine\n', 'the file is unchanged');
  });

  it('names an unreachable database in one line', async () => {
    const url = new URL(demo.verifierDatabaseURL);
    url.pathname = '/no_such_database';
    const run = await profileInit(['--out', path.join(outDir, 'unreachable.ts')], { DATABASE_URL: url.toString() });
    assert.equal(run.status, 2, `exit 2: ${told(run)}`);
    assert.equal(run.stderr.trim(), `Verity cannot reach the database: database does not exist at ${url.hostname}:${url.port}/no_such_database`, `one line: ${told(run)}`);
    assert.ok(!run.stderr.includes(url.password), 'the password is not shown');
  });
});
