// Databases not shaped like the demo, for proving Verity's database checks on what adopters have.
// Each is made inside the demo's embedded PostgreSQL cluster (beside personal_assistant), with
// realistic data, an owner role that owns its tables, an application role with DML grants only,
// and named faults: SQL that damages one thing and leaves the rest healthy.
//
// - createUnlikeTheDemo(): conventions the demo does not use (two schemas, one quoted mixed-case;
//   uuid keys; composite keys; a partitioned table; a view; soft deletes; a table without a primary
//   key; references not named *_id, one with no foreign key; foreign keys left unindexed; citext).
// - createPublishedApp(): the schema of a real published package, better-auth (exact version in
//   package.json), made by its own migrations and seeded through its own sign-up and sign-in API.
//
// How it is used:
//   const db = await createUnlikeTheDemo(demo);       // healthy, analyzed
//   await db.apply('lost-unique');                    // or run db.faults[f].sql as the superuser
//   ... profile:init / baseline / probe with db.verifierURL ...
//   await db.reset();                                 // healthy again, from a template database
//   await db.drop();                                  // the databases and the two roles go
//
// Each database is kept healthy as a template database `<name>_healthy` (IS_TEMPLATE, no
// connections allowed); reset() drops `<name>` and copies the template again (well under a
// second), then runs ANALYZE, since a copied database has planner statistics but no
// pg_stat_user_tables history. Fault SQL never runs ANALYZE: pg_class estimates stay as they were,
// as after real damage until autovacuum comes by.
//
// Verity's role verity_ro reads these databases with no grant made here: pg_read_all_data and
// pg_monitor are cluster-wide, and PUBLIC keeps CONNECT on new databases. What an adopter would
// add for Verity is added: the amcheck extension, with EXECUTE on its functions for verity_ro.
//
// Caution: demo.reset() copies the demo's whole data folder back, which removes these databases
// and their roles; build them again (or avoid demo.reset()) afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Demo } from '../../demo-app/src/index.ts';

export const adoptionFaults = [
  'dropped-not-null',
  'dropped-foreign-key',
  'lost-unique',
  'column-type-changed',
  'lost-grant',
  'rows-deleted',
  'older-restore',
  'dangling-reference',
  'format-broken',
] as const;
export type AdoptionFault = (typeof adoptionFaults)[number];

export interface AdoptionFaultSpec {
  /** What it damages, in a sentence naming the table, column and constraint as probes name them. */
  damages: string;
  /** The damaged table's schema and name (names as stored: "Core", not '"Core"'). */
  schema: string;
  table: string;
  /** The damaged column: for older-restore, the timestamp column whose newest rows went. */
  column?: string;
  /** The constraint it drops (dropped-foreign-key, lost-unique) or leaves violated (dangling-reference). */
  constraint?: string;
  /** format-broken: the PostgreSQL regular expression every healthy value matches. */
  pattern?: string;
  /** SQL to run as the superuser in this database (several statements; simple protocol). */
  sql: string;
}

export interface AdoptionDatabase {
  /** The database's name in the demo's cluster. */
  name: string;
  /** The superuser's URL to this database: the tests' own view, and how faults are applied. */
  adminURL: string;
  /** Verity's read-only role (verity_ro) on this database. */
  verifierURL: string;
  /** The application role, which owns nothing and has SELECT, INSERT, UPDATE, DELETE on every table. */
  applicationRole: string;
  /** The application role's URL to this database (it can log in). */
  applicationURL: string;
  /** The role owning the schemas and tables (NOLOGIN). */
  ownerRole: string;
  /** The schemas holding the application's tables (a profile's database.schemas). */
  schemas: string[];
  faults: Record<AdoptionFault, AdoptionFaultSpec>;
  /** Runs one fault's SQL as the superuser. */
  apply(fault: AdoptionFault): Promise<void>;
  /** Back to the healthy state: drop and copy again from the template database, then ANALYZE. */
  reset(): Promise<void>;
  /** Drops the database, its template and its two roles. */
  drop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Plumbing shared by both databases

/** The same server, another database and optionally another role. */
function databaseURL(base: string, database: string, user?: { name: string; password: string }): string {
  const url = new URL(base);
  url.pathname = `/${encodeURIComponent(database)}`;
  if (user) {
    url.username = encodeURIComponent(user.name);
    url.password = encodeURIComponent(user.password);
  }
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'adoption-databases' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const ident = (name: string) => '"' + name.replace(/"/g, '""') + '"';

interface Setup {
  name: string;
  ownerRole: string;
  applicationRole: string;
  applicationPassword: string;
  /** Superuser URL to the database being built (the future template). */
  buildURL: string;
  /** The application role's URL to the database being built. */
  buildApplicationURL: string;
}

interface Built {
  schemas: string[];
  faults: Record<AdoptionFault, AdoptionFaultSpec>;
}

/**
 * Makes `<name>_healthy` (owned by the owner role), lets `build` fill it, makes it a template and
 * copies it to `<name>`. A leftover of an earlier run with the same name is replaced.
 */
async function createAdoptionDatabase(demo: Demo, name: string, build: (setup: Setup) => Promise<Built>): Promise<AdoptionDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name)) throw new Error(`adoption database name "${name}": expected a lowercase SQL identifier`);
  const healthy = `${name}_healthy`;
  const ownerRole = `${name}_owner`;
  const applicationRole = `${name}_app`;
  const applicationPassword = randomBytes(18).toString('base64url');
  const admin = (sql: string) => withClient(demo.adminDatabaseURL, (c) => c.query(sql));

  await dropDatabases(demo, name);
  // Roles are cluster-wide: one pair per database name, so drop() can remove them.
  await admin(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ownerRole}') THEN CREATE ROLE ${ownerRole} NOLOGIN; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${applicationRole}') THEN CREATE ROLE ${applicationRole} LOGIN; END IF;
    END $$;
    ALTER ROLE ${applicationRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${applicationPassword}'`);
  await admin(`CREATE DATABASE ${healthy} OWNER ${ownerRole}`);

  const buildURL = databaseURL(demo.adminDatabaseURL, healthy);
  // What an adopter adds for Verity, as its README recommends.
  await withClient(buildURL, (c) => c.query(`
    CREATE EXTENSION IF NOT EXISTS amcheck;
    DO $$ DECLARE f regprocedure; BEGIN
      FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
               JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass WHERE e.extname = 'amcheck'
      LOOP EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO verity_ro', f); END LOOP;
    END $$`));
  const built = await build({
    name,
    ownerRole,
    applicationRole,
    applicationPassword,
    buildURL,
    buildApplicationURL: databaseURL(demo.adminDatabaseURL, healthy, { name: applicationRole, password: applicationPassword }),
  });
  await withClient(buildURL, (c) => c.query('ANALYZE'));
  await admin(`ALTER DATABASE ${healthy} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);

  const adminURL = databaseURL(demo.adminDatabaseURL, name);
  const reset = async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${name} OWNER ${ownerRole} TEMPLATE ${healthy}`);
    await withClient(adminURL, (c) => c.query('ANALYZE'));
  };
  await reset();

  return {
    name,
    adminURL,
    verifierURL: databaseURL(demo.verifierDatabaseURL, name),
    applicationRole,
    applicationURL: databaseURL(demo.adminDatabaseURL, name, { name: applicationRole, password: applicationPassword }),
    ownerRole,
    schemas: built.schemas,
    faults: built.faults,
    apply: async (fault) => {
      await withClient(adminURL, (c) => c.query(built.faults[fault].sql));
    },
    reset,
    drop: async () => {
      await dropDatabases(demo, name);
      await admin(`DROP ROLE IF EXISTS ${applicationRole}; DROP ROLE IF EXISTS ${ownerRole}`);
    },
  };
}

async function dropDatabases(demo: Demo, name: string): Promise<void> {
  await withClient(demo.adminDatabaseURL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const { rows } = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [`${name}_healthy`]);
    if (rows.length) {
      await c.query(`ALTER DATABASE ${name}_healthy WITH IS_TEMPLATE false`);
      await c.query(`DROP DATABASE ${name}_healthy WITH (FORCE)`);
    }
  });
}

/**
 * A restore from an older backup brings every sequence back as it was then: each one owned by a
 * column (serial, bigserial, identity) is set to its column's largest remaining value.
 */
const rewindSequences = `
DO $$ DECLARE s record; BEGIN
  FOR s IN
    SELECT d.objid::regclass AS seq, d.refobjid::regclass AS tbl, a.attname AS col
    FROM pg_depend d
    JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S'
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  LOOP
    EXECUTE format('SELECT setval(%L, coalesce((SELECT max(%I) FROM %s), 1), (SELECT max(%I) FROM %s) IS NOT NULL)',
                   s.seq, s.col, s.tbl, s.col, s.tbl);
  END LOOP;
END $$;`;

// ---------------------------------------------------------------------------------------------
// Database 1: unlike the demo

function unlikeTheDemoSchema(owner: string, app: string): string {
  return `
SET ROLE ${owner};
CREATE SCHEMA "Core";
CREATE SCHEMA billing;

CREATE TABLE "Core".accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email citext NOT NULL,
  "displayName" text NOT NULL,
  api_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  CONSTRAINT accounts_email_key UNIQUE (email)
);
-- Only live accounts: what the app's screens list.
CREATE VIEW "Core"."activeAccounts" AS
  SELECT id, email, "displayName", created_at FROM "Core".accounts WHERE deleted_at IS NULL;

-- owner: a reference not named *_id; its foreign key is left unindexed on purpose.
CREATE TABLE "Core".teams (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  owner uuid NOT NULL CONSTRAINT teams_owner_fkey REFERENCES "Core".accounts (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A composite primary key; account's foreign key is unindexed (the key leads with team).
CREATE TABLE "Core".memberships (
  team uuid NOT NULL REFERENCES "Core".teams (id),
  account uuid NOT NULL REFERENCES "Core".accounts (id),
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  "joinedAt" timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (team, account)
);

-- Keyed by (team, id): tasks reference a project with both columns.
CREATE TABLE "Core".projects (
  team uuid NOT NULL REFERENCES "Core".teams (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  title text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (team, id)
);

CREATE TABLE "Core".tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  team uuid NOT NULL,
  project uuid NOT NULL,
  assignee uuid,
  title text NOT NULL,
  "dueOn" date,
  done boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tasks_project_fkey FOREIGN KEY (team, project) REFERENCES "Core".projects (team, id),
  -- The assignee must be a member of the task's team; unindexed on purpose.
  CONSTRAINT tasks_assignee_fkey FOREIGN KEY (team, assignee) REFERENCES "Core".memberships (team, account)
);
CREATE INDEX tasks_project_idx ON "Core".tasks (team, project);

-- Sign-ins, unlike the demo's user_sessions: an identity key, expires_on, a revoked flag.
CREATE TABLE "Core".logins (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account uuid NOT NULL REFERENCES "Core".accounts (id),
  created_on timestamptz NOT NULL DEFAULT now(),
  expires_on timestamptz NOT NULL,
  revoked boolean NOT NULL DEFAULT false,
  "userAgent" text
);
CREATE INDEX logins_account_idx ON "Core".logins (account);

-- No primary key on purpose: an append-only trail. actor holds account ids, with no foreign key.
CREATE TABLE "Core"."AuditLog" (
  actor uuid,
  action text NOT NULL,
  "at" timestamptz NOT NULL DEFAULT now(),
  detail jsonb NOT NULL DEFAULT '{}'
);

-- payer holds an account id with no foreign key; team's foreign key is unindexed.
CREATE TABLE billing.invoices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number bigserial NOT NULL UNIQUE,
  team uuid NOT NULL REFERENCES "Core".teams (id),
  payer uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'paid', 'void')),
  total numeric(12, 2) NOT NULL DEFAULT 0,
  issued_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing.invoice_lines (
  invoice uuid NOT NULL REFERENCES billing.invoices (id),
  line_no integer NOT NULL,
  description text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price numeric(12, 2) NOT NULL CHECK (unit_price >= 0),
  PRIMARY KEY (invoice, line_no)
);

-- Partitioned by time: the foreign key is cloned onto each partition.
CREATE TABLE billing.usage_events (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  team uuid NOT NULL REFERENCES "Core".teams (id),
  metric text NOT NULL,
  quantity integer NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, recorded_at)
) PARTITION BY RANGE (recorded_at);
CREATE INDEX usage_events_team_idx ON billing.usage_events (team, recorded_at);
DO $$ DECLARE cutoff timestamptz := date_trunc('day', now() - interval '14 days'); BEGIN
  EXECUTE format('CREATE TABLE billing.usage_events_archive PARTITION OF billing.usage_events FOR VALUES FROM (MINVALUE) TO (%L)', cutoff);
  EXECUTE format('CREATE TABLE billing.usage_events_current PARTITION OF billing.usage_events FOR VALUES FROM (%L) TO (MAXVALUE)', cutoff);
END $$;

GRANT USAGE ON SCHEMA "Core", billing TO ${app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "Core", billing TO ${app};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "Core", billing TO ${app};
`;
}

// Every row is made after the rows it references (a child's time lies between its newest parent's
// and now), so a cut at any time leaves a consistent database: what older-restore relies on.
const unlikeTheDemoData = `
SELECT setseed(0.4242);

INSERT INTO "Core".accounts (email, "displayName", api_key, created_at)
SELECT lower(f) || '.' || lower(l) || g || '@' || (ARRAY['example.com', 'example.org', 'Mail.Example.net'])[1 + g % 3],
       f || ' ' || l,
       'ak_' || md5(random()::text),
       now() - random() * interval '42 days'
FROM generate_series(1, 200) g,
     LATERAL (SELECT (ARRAY['Ada', 'Bo', 'Chen', 'Dara', 'Emil', 'Fatou', 'Goran', 'Hana', 'Ines', 'Jon'])[1 + g % 10] AS f,
                     (ARRAY['Okafor', 'Lind', 'Moreau', 'Sato', 'Novak', 'Silva', 'Berg', 'Kaya', 'Ruiz', 'Holm'])[1 + (g / 10) % 10] AS l) n;
-- Every 20th account closed since (soft delete).
UPDATE "Core".accounts a SET deleted_at = a.created_at + random() * (now() - a.created_at)
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM "Core".accounts) o
WHERE o.id = a.id AND o.n % 20 = 0;

CREATE TEMP TABLE live AS
  SELECT row_number() OVER (ORDER BY created_at, id) AS n, id, created_at FROM "Core".accounts WHERE deleted_at IS NULL;

INSERT INTO "Core".teams (name, owner, created_at)
SELECT (ARRAY['Atlas', 'Beacon', 'Cobalt', 'Delta', 'Ember', 'Fjord', 'Granite', 'Harbor'])[1 + g % 8] || ' ' || g,
       a.id, a.created_at + random() * (now() - a.created_at)
FROM generate_series(1, 40) g JOIN live a ON a.n = 1 + (g * 37) % (SELECT count(*) FROM live);

INSERT INTO "Core".memberships (team, account, role, "joinedAt")
SELECT id, owner, 'owner', created_at FROM "Core".teams;
INSERT INTO "Core".memberships (team, account, role, "joinedAt")
SELECT t.id, a.id, CASE WHEN k = 1 THEN 'admin' ELSE 'member' END,
       greatest(t.created_at, a.created_at) + random() * (now() - greatest(t.created_at, a.created_at))
FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM "Core".teams) t
CROSS JOIN LATERAL generate_series(1, 3 + (t.n % 7)::int) k
JOIN live a ON a.n = 1 + (t.n * 11 + k * 29) % (SELECT count(*) FROM live)
ON CONFLICT DO NOTHING;

INSERT INTO "Core".projects (team, title, created_at, deleted_at)
SELECT t.id, (ARRAY['Website', 'Onboarding', 'Mobile app', 'Q3 report', 'Migration'])[1 + (t.n + k) % 5],
       t.created_at + random() * (now() - t.created_at), NULL
FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM "Core".teams) t
CROSS JOIN generate_series(1, 3) k;
UPDATE "Core".projects p SET deleted_at = p.created_at + random() * (now() - p.created_at)
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM "Core".projects) o
WHERE o.id = p.id AND o.n % 15 = 0;

-- Assigned to a member of the team, picked per task; every 8th task unassigned.
INSERT INTO "Core".tasks (team, project, assignee, title, "dueOn", done, created_at)
SELECT p.team, p.id, CASE WHEN k % 8 = 0 THEN NULL ELSE m.account END,
       (ARRAY['Write spec', 'Review', 'Fix bug', 'Ship it', 'Call client', 'Update docs'])[1 + k % 6] || ' #' || k,
       (c.at + random() * interval '30 days')::date, random() < 0.4, c.at
FROM (SELECT team, id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM "Core".projects) p
CROSS JOIN LATERAL generate_series(1, 4 + (p.n % 6)::int) k
CROSS JOIN LATERAL (SELECT account, "joinedAt" FROM "Core".memberships m WHERE m.team = p.team
                    ORDER BY md5(m.account::text || k::text) LIMIT 1) m
CROSS JOIN LATERAL (SELECT CASE WHEN k % 8 = 0 THEN p.created_at ELSE greatest(p.created_at, m."joinedAt") END AS since) s
CROSS JOIN LATERAL (SELECT s.since + random() * (now() - s.since) AS at) c;

-- Logins in time order, so identity values follow time as they would; each lasts 30 days, and
-- those expired or about to be, or of closed accounts, or signed out, are revoked.
INSERT INTO "Core".logins (account, created_on, expires_on, revoked, "userAgent")
SELECT account, at, at + interval '30 days',
       at + interval '30 days' < now() + interval '1 day' OR closed OR g % 11 = 0, agent
FROM (
  SELECT a.id AS account, a.deleted_at IS NOT NULL AS closed, g,
         a.created_at + random() * (coalesce(a.deleted_at, now()) - a.created_at) AS at,
         (ARRAY['Mozilla/5.0 (Macintosh)', 'Mozilla/5.0 (Windows NT 10.0)', 'Mozilla/5.0 (iPhone)', 'okhttp/4.12'])[1 + g % 4] AS agent
  FROM generate_series(1, 1000) g
  JOIN (SELECT id, created_at, deleted_at, row_number() OVER (ORDER BY created_at, id) AS n FROM "Core".accounts) a
    ON a.n = 1 + (g * 53) % 200
) l
ORDER BY at;
-- The newest sign-in is a minute or two old, as on a live system.
INSERT INTO "Core".logins (account, created_on, expires_on, "userAgent")
SELECT id, now() - interval '90 seconds', now() - interval '90 seconds' + interval '30 days', 'Mozilla/5.0 (X11; Linux)'
FROM live WHERE n = 1;

INSERT INTO "Core"."AuditLog" (actor, action, "at", detail)
SELECT a.id, (ARRAY['login', 'update_profile', 'create_project', 'invite', 'export'])[1 + g % 5],
       a.created_at + random() * (now() - a.created_at), jsonb_build_object('seq', g)
FROM generate_series(1, 500) g JOIN live a ON a.n = 1 + (g * 17) % (SELECT count(*) FROM live);

-- Invoices in time order (number is a bigserial), paid by the team's owner.
INSERT INTO billing.invoices (team, payer, status, issued_at)
SELECT team, payer, status, at FROM (
  SELECT t.id AS team, t.owner AS payer, (ARRAY['paid', 'paid', 'paid', 'open', 'void'])[1 + (t.n + k) % 5] AS status,
         t.created_at + random() * (now() - t.created_at) AS at
  FROM (SELECT id, owner, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM "Core".teams) t
  CROSS JOIN generate_series(1, 4) k
) i ORDER BY at;
INSERT INTO billing.invoice_lines (invoice, line_no, description, quantity, unit_price)
SELECT i.id, k, (ARRAY['Seats', 'Storage', 'API calls', 'Support'])[1 + k % 4], 1 + (random() * 9)::int, round((5 + random() * 95)::numeric, 2)
FROM (SELECT id, row_number() OVER (ORDER BY issued_at, id) AS n FROM billing.invoices) i
CROSS JOIN LATERAL generate_series(1, 1 + (i.n % 5)::int) k;
UPDATE billing.invoices i SET total = s.total
FROM (SELECT invoice, sum(quantity * unit_price) AS total FROM billing.invoice_lines GROUP BY invoice) s WHERE s.invoice = i.id;

INSERT INTO billing.usage_events (team, metric, quantity, recorded_at)
SELECT t.id, (ARRAY['api_calls', 'storage_gb', 'seats'])[1 + g % 3], 1 + (random() * 500)::int,
       t.created_at + random() * (now() - t.created_at)
FROM generate_series(1, 1200) g
JOIN (SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n FROM "Core".teams) t ON t.n = 1 + g % 40;

DROP TABLE live;
RESET ROLE;
`;

function unlikeTheDemoFaults(app: string): Record<AdoptionFault, AdoptionFaultSpec> {
  // Timestamps saying when each row was made, for the restore point.
  const made = [
    ['"Core".accounts', 'created_at'], ['"Core".teams', 'created_at'], ['"Core".memberships', '"joinedAt"'],
    ['"Core".projects', 'created_at'], ['"Core".tasks', 'created_at'], ['"Core".logins', 'created_on'],
    ['"Core"."AuditLog"', '"at"'], ['billing.invoices', 'issued_at'], ['billing.usage_events', 'recorded_at'],
  ];
  return {
    'dropped-not-null': {
      damages: 'NOT NULL dropped from "Core".accounts.email (PostgreSQL 18 names it accounts_email_not_null): accounts may be saved without an email',
      schema: 'Core', table: 'accounts', column: 'email',
      sql: 'ALTER TABLE "Core".accounts ALTER COLUMN email DROP NOT NULL',
    },
    'dropped-foreign-key': {
      damages: 'foreign key teams_owner_fkey dropped: "Core".teams.owner (a reference not named *_id) no longer has to name an account ("Core".accounts.id)',
      schema: 'Core', table: 'teams', column: 'owner', constraint: 'teams_owner_fkey',
      sql: 'ALTER TABLE "Core".teams DROP CONSTRAINT teams_owner_fkey',
    },
    'lost-unique': {
      damages: 'unique constraint accounts_email_key dropped from "Core".accounts.email (citext): two accounts may share an email',
      schema: 'Core', table: 'accounts', column: 'email', constraint: 'accounts_email_key',
      sql: 'ALTER TABLE "Core".accounts DROP CONSTRAINT accounts_email_key',
    },
    'column-type-changed': {
      damages: 'billing.invoices.total changed from numeric(12,2) to text',
      schema: 'billing', table: 'invoices', column: 'total',
      sql: 'ALTER TABLE billing.invoices ALTER COLUMN total TYPE text USING total::text',
    },
    'lost-grant': {
      damages: `INSERT on "Core".logins revoked from the application role ${app}: nobody can sign in`,
      schema: 'Core', table: 'logins',
      sql: `REVOKE INSERT ON "Core".logins FROM ${app}`,
    },
    'rows-deleted': {
      damages: 'every 10th row of billing.invoice_lines deleted (a leaf table: no orphans, no cascade); their invoices remain',
      schema: 'billing', table: 'invoice_lines',
      sql: `DELETE FROM billing.invoice_lines WHERE (invoice, line_no) IN (
  SELECT invoice, line_no FROM (SELECT invoice, line_no, row_number() OVER (ORDER BY invoice, line_no) AS n FROM billing.invoice_lines) l
  WHERE n % 10 = 0)`,
    },
    'older-restore': {
      damages: 'as restored from an older backup: every row made after the restore point (the 95th percentile of all rows\' creation times) is gone from all tables, children first (newest "Core".logins.created_on, billing.invoices.issued_at, "Core".accounts.created_at … now older), soft deletes after it undone, and every sequence ("Core".logins.id identity, billing.invoices.number bigserial) rewound to its column\'s new maximum',
      schema: 'Core', table: 'logins', column: 'created_on',
      sql: `DO $$ DECLARE restore_point timestamptz; BEGIN
  SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY made) INTO restore_point FROM (
    ${made.map(([table, column]) => `SELECT ${column} AS made FROM ${table}`).join('\n    UNION ALL ')}
  ) t;
  DELETE FROM billing.invoice_lines l USING billing.invoices i WHERE l.invoice = i.id AND i.issued_at > restore_point;
  DELETE FROM billing.invoices WHERE issued_at > restore_point;
  DELETE FROM billing.usage_events WHERE recorded_at > restore_point;
  DELETE FROM "Core".tasks WHERE created_at > restore_point;
  DELETE FROM "Core".projects WHERE created_at > restore_point;
  DELETE FROM "Core".memberships WHERE "joinedAt" > restore_point;
  DELETE FROM "Core".teams WHERE created_at > restore_point;
  DELETE FROM "Core".logins WHERE created_on > restore_point;
  DELETE FROM "Core"."AuditLog" WHERE "at" > restore_point;
  DELETE FROM "Core".accounts WHERE created_at > restore_point;
  UPDATE "Core".accounts SET deleted_at = NULL WHERE deleted_at > restore_point;
  UPDATE "Core".projects SET deleted_at = NULL WHERE deleted_at > restore_point;
END $$;
${rewindSequences}`,
    },
    'dangling-reference': {
      damages: 'the "Core".projects row with the most tasks deleted with foreign-key triggers off: its "Core".tasks rows dangle (composite foreign key tasks_project_fkey, (team, project) → "Core".projects (team, id))',
      schema: 'Core', table: 'tasks', constraint: 'tasks_project_fkey',
      sql: `SET session_replication_role = replica;
DELETE FROM "Core".projects WHERE (team, id) = (SELECT team, project FROM "Core".tasks GROUP BY team, project ORDER BY count(*) DESC, team, project LIMIT 1);
RESET session_replication_role`,
    },
    'format-broken': {
      damages: 'one live account\'s "Core".accounts.api_key set to \'plaintext-api-key\', breaking the format every key has (ak_ + 32 lowercase hex)',
      schema: 'Core', table: 'accounts', column: 'api_key', pattern: '^ak_[0-9a-f]{32}$',
      sql: `UPDATE "Core".accounts SET api_key = 'plaintext-api-key'
WHERE id = (SELECT id FROM "Core".accounts WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT 1)`,
    },
  };
}

/**
 * A ledger-like SaaS database unlike the demo: schemas "Core" (quoted, mixed case) and billing,
 * uuid keys, composite keys, a partitioned table, a view, soft deletes, a table without a primary
 * key, citext emails, unindexed foreign keys, references not named *_id (owner, team, account,
 * payer without a foreign key), ~4,500 rows spread over six weeks. Roles: `<name>_owner` owns it,
 * `<name>_app` (e.g. ledger_app) has DML. Built in about a second.
 */
export function createUnlikeTheDemo(demo: Demo, name = 'ledger'): Promise<AdoptionDatabase> {
  return createAdoptionDatabase(demo, name, async (setup) => {
    await withClient(setup.buildURL, async (c) => {
      await c.query('CREATE EXTENSION IF NOT EXISTS citext');
      await c.query(unlikeTheDemoSchema(setup.ownerRole, setup.applicationRole));
      await c.query(unlikeTheDemoData);
    });
    return { schemas: ['Core', 'billing'], faults: unlikeTheDemoFaults(setup.applicationRole) };
  });
}

// ---------------------------------------------------------------------------------------------
// Database 2: a real published application's schema (better-auth)

const betterAuthUsers = 30;

/**
 * better-auth's tables ("user", session, account, verification in public), made by better-auth's
 * own migrations (getMigrations, run as `<name>_owner`) and filled through its own API as the
 * application role `<name>_app`: 30 email sign-ups (scrypt password hashes, a session each), 30
 * more sign-ins, email verifications for two thirds of the users, three password-reset requests.
 * Then, as the superuser, times are spread over the last 30 days (children after parents), as if
 * the app had run for a month: sessions last 7 days (better-auth's default), so older ones have
 * expired, as they do in real apps. Takes a few seconds (scrypt).
 */
export function createPublishedApp(demo: Demo, name = 'better_auth'): Promise<AdoptionDatabase> {
  return createAdoptionDatabase(demo, name, async (setup) => {
    const { betterAuth } = await import('better-auth');
    const { getMigrations } = await import('better-auth/db/migration');
    const base = {
      appName: 'adoption-test',
      baseURL: 'http://localhost:3000',
      secret: randomBytes(32).toString('hex'),
      emailAndPassword: { enabled: true },
      telemetry: { enabled: false },
      rateLimit: { enabled: false },
      logger: { level: 'error' as const },
    };

    // Its migrations, as the owner role (SET ROLE at connection start: the tables are the owner's).
    const ownerPool = new pg.Pool({ connectionString: setup.buildURL, options: `-c role=${setup.ownerRole}`, max: 2 });
    try {
      const { runMigrations } = await getMigrations({ ...base, database: ownerPool });
      await runMigrations();
    } finally {
      await ownerPool.end();
    }
    await withClient(setup.buildURL, (c) => c.query(`
      SET ROLE ${setup.ownerRole};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${setup.applicationRole};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${setup.applicationRole};
      RESET ROLE`));

    // Its API, as the application role.
    const appPool = new pg.Pool({ connectionString: setup.buildApplicationURL, max: 4 });
    const verificationTokens = new Map<string, string>();
    try {
      const auth = betterAuth({
        ...base,
        database: appPool,
        emailAndPassword: { enabled: true, sendResetPassword: async () => {} },
        emailVerification: {
          sendOnSignUp: true,
          sendVerificationEmail: async ({ user, token }) => {
            verificationTokens.set(user.email, token);
          },
        },
      });
      const people = Array.from({ length: betterAuthUsers }, (_, i) => {
        const first = ['Maya', 'Tomás', 'Ngozi', 'Lars', 'Priya', 'Yuki', 'Omar', 'Sofia', 'Kwame', 'Elin'][i % 10]!;
        const last = ['Fischer', 'Adeyemi', 'Costa', 'Nilsson', 'Rao', 'Tanaka'][i % 6]!;
        return { name: `${first} ${last}`, email: `${first.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}.${last.toLowerCase()}${i + 1}@example.com`, password: `Correct-Horse-${i + 1}-battery` };
      });
      const headers = (i: number) => new Headers({
        'user-agent': ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5)'][i % 3]!,
        'x-forwarded-for': `203.0.113.${10 + i}`,
      });
      for (const [i, person] of people.entries()) {
        await auth.api.signUpEmail({ body: person, headers: headers(i) });
      }
      // Two thirds verify their email with the link they were sent.
      for (const [i, person] of people.entries()) {
        const token = verificationTokens.get(person.email);
        if (i % 3 !== 2 && token) await auth.api.verifyEmail({ query: { token } });
      }
      // Returning users sign in again, some twice, from another device.
      for (let k = 0; k < betterAuthUsers; k++) {
        const i = (k * 7) % betterAuthUsers;
        await auth.api.signInEmail({ body: { email: people[i]!.email, password: people[i]!.password }, headers: headers(i + k + 1) });
      }
      for (const i of [3, 11, 19]) {
        await auth.api.requestPasswordReset({ body: { email: people[i]!.email, redirectTo: 'http://localhost:3000/reset' } });
      }
    } finally {
      await appPool.end();
    }

    // A month of history: each user joined at a time in the last 30 days, their credential account
    // with them, each later session between then and now (nearer now), the first (made by sign-up)
    // at the sign-up, each lasting 7 days. The newest sign-in is a minute or two old.
    const names = await withClient(setup.buildURL, async (c) => {
      await c.query(`
        SELECT setseed(0.1717);
        UPDATE "user" SET "createdAt" = now() - random() * interval '30 days';
        UPDATE "user" SET "updatedAt" = "createdAt" + random() * (now() - "createdAt");
        UPDATE account a SET "createdAt" = u."createdAt", "updatedAt" = u."createdAt" FROM "user" u WHERE u.id = a."userId";
        WITH ranked AS (
          SELECT s.id, u."createdAt" AS joined, row_number() OVER (PARTITION BY s."userId" ORDER BY s."createdAt", s.id) AS n
          FROM session s JOIN "user" u ON u.id = s."userId"
        ), timed AS (
          SELECT id, CASE WHEN n = 1 THEN joined ELSE joined + sqrt(random()) * (now() - joined) END AS at FROM ranked
        )
        UPDATE session s SET "createdAt" = t.at, "updatedAt" = t.at, "expiresAt" = t.at + interval '7 days' FROM timed t WHERE t.id = s.id;
        UPDATE session SET "createdAt" = now() - interval '90 seconds', "updatedAt" = now() - interval '90 seconds',
                           "expiresAt" = now() - interval '90 seconds' + interval '7 days'
        WHERE id = (SELECT id FROM session ORDER BY "createdAt" DESC, id LIMIT 1);`);
      // Constraint names as better-auth's migrations made them.
      const { rows } = await c.query<{ fk: string; unique: string }>(`
        SELECT (SELECT conname FROM pg_constraint WHERE conrelid = 'public.session'::regclass AND contype = 'f') AS fk,
               (SELECT conname FROM pg_constraint WHERE conrelid = 'public."user"'::regclass AND contype = 'u'
                  AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = 'public."user"'::regclass AND attname = 'email')]) AS unique`);
      return rows[0]!;
    });
    if (!names.fk || !names.unique) throw new Error(`better-auth's migrations made an unexpected schema: ${JSON.stringify(names)}`);
    return { schemas: ['public'], faults: publishedAppFaults(setup.applicationRole, names) };
  });
}

function publishedAppFaults(app: string, names: { fk: string; unique: string }): Record<AdoptionFault, AdoptionFaultSpec> {
  return {
    'dropped-not-null': {
      damages: 'NOT NULL dropped from "user".email (PostgreSQL 18 names it user_email_not_null): users may be saved without an email',
      schema: 'public', table: 'user', column: 'email',
      sql: 'ALTER TABLE "user" ALTER COLUMN email DROP NOT NULL',
    },
    'dropped-foreign-key': {
      damages: `foreign key ${names.fk} dropped: session."userId" (camelCase; better-auth's foreign keys are all "<x>Id" columns, none *_id) no longer has to name a user ("user".id)`,
      schema: 'public', table: 'session', column: 'userId', constraint: names.fk,
      sql: `ALTER TABLE session DROP CONSTRAINT ${ident(names.fk)}`,
    },
    'lost-unique': {
      damages: `unique constraint ${names.unique} dropped from "user".email: two users may share an email`,
      schema: 'public', table: 'user', column: 'email', constraint: names.unique,
      sql: `ALTER TABLE "user" DROP CONSTRAINT ${ident(names.unique)}`,
    },
    'column-type-changed': {
      damages: 'session."expiresAt" changed from a timestamp to text',
      schema: 'public', table: 'session', column: 'expiresAt',
      sql: 'ALTER TABLE session ALTER COLUMN "expiresAt" TYPE text USING "expiresAt"::text',
    },
    'lost-grant': {
      damages: `INSERT on session revoked from the application role ${app}: nobody can sign in`,
      schema: 'public', table: 'session',
      sql: `REVOKE INSERT ON session FROM ${app}`,
    },
    'rows-deleted': {
      damages: 'every 10th row of account deleted (a leaf table: no orphans, no cascade): those users lose their password credential',
      schema: 'public', table: 'account',
      sql: `DELETE FROM account WHERE id IN (
  SELECT id FROM (SELECT id, row_number() OVER (ORDER BY "createdAt", id) AS n FROM account) a WHERE n % 10 = 0)`,
    },
    'older-restore': {
      damages: 'as restored from an older backup: every row made after the restore point (the 95th percentile of all rows\' "createdAt") is gone, children (session, account, verification) before "user"; newest session."createdAt" and "user"."createdAt" now older. better-auth uses random text ids: it has no sequence to rewind',
      schema: 'public', table: 'session', column: 'createdAt',
      sql: `DO $$ DECLARE restore_point timestamptz; BEGIN
  SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY made) INTO restore_point FROM (
    SELECT "createdAt" AS made FROM "user" UNION ALL SELECT "createdAt" FROM session
    UNION ALL SELECT "createdAt" FROM account UNION ALL SELECT "createdAt" FROM verification
  ) t;
  DELETE FROM session WHERE "createdAt" > restore_point;
  DELETE FROM account WHERE "createdAt" > restore_point;
  DELETE FROM verification WHERE "createdAt" > restore_point;
  DELETE FROM "user" WHERE "createdAt" > restore_point;
END $$;
${rewindSequences}`,
    },
    'dangling-reference': {
      damages: `the "user" with the most sessions (and no pending verification) deleted with foreign-key triggers off (its ON DELETE CASCADE did not run): its session and account rows dangle (session."userId" → "user".id, foreign key ${names.fk}, and account."userId")`,
      schema: 'public', table: 'session', column: 'userId', constraint: names.fk,
      sql: `SET session_replication_role = replica;
DELETE FROM "user" WHERE id = (SELECT "userId" FROM session
  WHERE "userId" NOT IN (SELECT value FROM verification) -- a user with a pending reset would dangle a second, key-less reference too
  GROUP BY "userId" ORDER BY count(*) DESC, "userId" LIMIT 1);
RESET session_replication_role`,
    },
    'format-broken': {
      damages: 'one credential account\'s account.password set to \'plaintext-password\', breaking better-auth\'s scrypt hash format (32 hex salt, colon, 128 hex key)',
      schema: 'public', table: 'account', column: 'password', pattern: '^[0-9a-f]{32}:[0-9a-f]{128}$',
      sql: `UPDATE account SET password = 'plaintext-password'
WHERE id = (SELECT id FROM account WHERE "providerId" = 'credential' ORDER BY "createdAt", id LIMIT 1)`,
    },
  };
}
