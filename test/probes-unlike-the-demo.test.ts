// The catalog-driven probes on a database not shaped like the demo: a schema "App" (quoted, mixed
// case) with uuid keys, a partitioned table whose foreign key PostgreSQL clones onto each partition,
// a table referencing the partitioned one, a plain table with an inheritance child whose rows the
// parent's foreign key does not cover, a relationship the profile declares without a foreign key,
// and same-named tables in public, with orphans, that the profile does not name and no probe may
// read. The database is made beside the demo's, in the same cluster, and read as Verity's role
// (pg_read_all_data and pg_monitor hold cluster-wide). Expected counts come from the superuser's
// own queries, never from the probe.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Demo } from '../demo-app/src/index.ts';
import type { Probe } from '../db-probes/probe.ts';
import { runProbes, type ProbeOutcome } from '../db-probes/runner.ts';
import declaredRelationships from '../db-probes/declared-relationships.ts';
import foreignKeyOrphans from '../db-probes/foreign-key-orphans.ts';
import inferredReferences from '../db-probes/inferred-references.ts';
import schemaPresence from '../db-probes/schema-presence.ts';
import { defineProfile } from '../src/profile.ts';
import { startTarget, testConfig } from './support/target.ts';

const lab = 'lab';

const labSchema = `
  CREATE SCHEMA "App";
  CREATE TABLE "App".accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
  CREATE TABLE "App".coupons (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), code text NOT NULL);
  -- Partitioned: its foreign key is cloned onto each partition (pg_constraint.conparentid <> 0).
  -- coupon_id is the relationship the profile declares: it has no foreign key.
  CREATE TABLE "App".orders (
    region text NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES "App".accounts (id),
    coupon_id uuid,
    PRIMARY KEY (region, id)
  ) PARTITION BY LIST (region);
  CREATE TABLE "App".orders_eu PARTITION OF "App".orders FOR VALUES IN ('eu');
  CREATE TABLE "App".orders_us PARTITION OF "App".orders FOR VALUES IN ('us');
  CREATE INDEX ON "App".orders (account_id);
  -- References the partitioned table: the key is cloned once more for each referenced partition.
  CREATE TABLE "App".order_lines (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    region text NOT NULL,
    order_id uuid NOT NULL,
    FOREIGN KEY (region, order_id) REFERENCES "App".orders (region, id)
  );
  CREATE INDEX ON "App".order_lines (region, order_id);
  -- A plain table with an inheritance child: foreign keys are not inherited, so archived
  -- documents may keep authors whose accounts are gone.
  CREATE TABLE "App".documents (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), author uuid REFERENCES "App".accounts (id), title text NOT NULL);
  CREATE INDEX ON "App".documents (author);
  CREATE TABLE "App".archived_documents (PRIMARY KEY (id)) INHERITS ("App".documents);
  -- References the plain parent: its key covers the parent's own rows, not the archived ones.
  CREATE TABLE "App".document_comments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id uuid NOT NULL REFERENCES "App".documents (id),
    body text NOT NULL
  );
  CREATE INDEX ON "App".document_comments (document_id);

  INSERT INTO "App".accounts (name) SELECT 'account ' || i FROM generate_series(1, 4) i;
  INSERT INTO "App".coupons (code) VALUES ('WELCOME'), ('SPRING');
  INSERT INTO "App".orders (region, account_id, coupon_id)
    SELECT r.region, a.id, (SELECT id FROM "App".coupons WHERE code = 'WELCOME')
    FROM "App".accounts a CROSS JOIN (VALUES ('eu'), ('us')) r(region);
  INSERT INTO "App".orders (region, account_id) SELECT 'us', id FROM "App".accounts;
  INSERT INTO "App".order_lines (region, order_id) SELECT region, id FROM "App".orders;
  INSERT INTO "App".documents (author, title) SELECT id, 'notes of ' || name FROM "App".accounts;
  INSERT INTO "App".archived_documents (author, title) SELECT gen_random_uuid(), 'archived ' || i FROM generate_series(1, 3) i;
  INSERT INTO "App".document_comments (document_id, body) SELECT id, 'seen' FROM ONLY "App".documents;

  -- The same names in public, full of orphans: outside the profile's schemas, never to be read.
  CREATE TABLE public.coupons (id uuid PRIMARY KEY);
  CREATE TABLE public.orders (id uuid PRIMARY KEY, coupon_id uuid);
  INSERT INTO public.orders SELECT gen_random_uuid(), gen_random_uuid() FROM generate_series(1, 3);
  ANALYZE;
`;

const labProfile = defineProfile({
  name: 'lab',
  database: {
    schemas: ['App'],
    expectedTables: ['accounts', 'coupons', 'orders', 'order_lines', 'documents', 'archived_documents', 'document_comments'],
    criticalTables: ['accounts', 'orders'],
    relationships: [{ from: { table: 'orders', column: 'coupon_id' }, to: { table: 'coupons', column: 'id' } }],
  },
});

let demo: Demo;
before(async () => {
  demo = await startTarget();
  await admin(`CREATE DATABASE ${lab}`);
  await labAdmin(labSchema);
});
after(async () => {
  try {
    if (demo) await admin(`DROP DATABASE IF EXISTS ${lab} WITH (FORCE)`);
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

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** SQL as the superuser in the demo's own database (CREATE and DROP DATABASE). */
const admin = (sql: string) => query(demo.adminDatabaseURL, sql);
/** SQL as the superuser in the lab: how the tests build it and learn what the probes should report. */
const labAdmin = <T extends object = Record<string, any>>(sql: string) => query<T>(inLab(demo.adminDatabaseURL), sql);
const labCount = async (sql: string) => Number((await labAdmin<{ n: string }>(sql))[0]!.n);

/** Runs one probe against the lab as Verity's read-only role, with the lab's profile. */
async function runInLab(probe: Probe): Promise<ProbeOutcome> {
  const run = await runProbes({ databaseURL: inLab(demo.verifierDatabaseURL), config: testConfig(), profile: labProfile, probes: [probe] });
  return run.outcomes[0]!;
}

const described = (o: ProbeOutcome) => o.findings.map((f) => `${f.severity}: ${f.message}`);

/** Passed with no finding at all, not even a minor one, having run its steps. */
function assertSilent(outcome: ProbeOutcome): void {
  assert.equal(outcome.status, 'passed', described(outcome).join('; ') || outcome.skipReason);
  assert.deepEqual(described(outcome), []);
  assert.ok(outcome.steps.length > 0 && outcome.steps.every((s) => s.status === 'passed'), 'ran its steps');
}

/** The name of the foreign key on a table of "App" that references another, from the catalog. */
async function foreignKeyName(table: string, references: string): Promise<string> {
  const [row] = await labAdmin<{ name: string }>(`
    SELECT conname AS name FROM pg_constraint
    WHERE contype = 'f' AND conrelid = '"App".${table}'::regclass AND confrelid = '"App".${references}'::regclass`);
  return row!.name;
}

describe('healthy lab', () => {
  it('is as tricky as intended: archived documents name missing authors, order lines reference both partitions, public.orders has orphans', async () => {
    assert.equal(await labCount('SELECT count(*) AS n FROM "App".archived_documents d WHERE NOT EXISTS (SELECT 1 FROM "App".accounts a WHERE a.id = d.author)'), 3);
    assert.equal(await labCount(`SELECT count(DISTINCT tableoid) AS n FROM "App".orders o
      WHERE EXISTS (SELECT 1 FROM "App".order_lines l WHERE l.region = o.region AND l.order_id = o.id)`), 2);
    assert.equal(await labCount('SELECT count(*) AS n FROM public.orders o WHERE NOT EXISTS (SELECT 1 FROM public.coupons c WHERE c.id = o.coupon_id)'), 3);
    const clones = await labCount(`SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' AND conparentid <> 0`);
    assert.equal(clones, 4, 'orders → accounts cloned onto 2 partitions, order_lines → orders once per referenced partition');
  });

  it('foreign-key-orphans: each original key checked once, on the rows it covers; silent', async () => {
    const outcome = await runInLab(foreignKeyOrphans);
    assertSilent(outcome);
    assert.deepEqual(outcome.steps.map((s) => s.name), [
      'document_comments.document_id → documents.id',
      'documents.author → accounts.id',
      'order_lines.region, order_id → orders.region, id',
      'orders.account_id → accounts.id',
    ]);
  });

  it('schema-presence: partitions are part of their table, not unexpected; silent', async () => {
    assertSilent(await runInLab(schemaPresence));
  });

  it('declared-relationships: orders.coupon_id checked in "App", not in public; silent', async () => {
    const outcome = await runInLab(declaredRelationships);
    assertSilent(outcome);
    assert.deepEqual(outcome.steps.map((s) => s.name), ['orders.coupon_id → coupons.id']);
  });

  it('inferred-references: the declared orders.coupon_id is not reported again for each partition; silent', async () => {
    assertSilent(await runInLab(inferredReferences));
  });
});

describe('orphans planted in the lab', () => {
  before(async () => {
    // Foreign-key triggers do not fire for a replica: the way a restore with triggers disabled
    // leaves orphans behind.
    await labAdmin(`
      SET session_replication_role = replica;
      INSERT INTO "App".orders (region, account_id) VALUES ('us', gen_random_uuid());
      INSERT INTO "App".orders (region, account_id, coupon_id) SELECT 'eu', id, gen_random_uuid() FROM "App".accounts LIMIT 1;
      INSERT INTO "App".document_comments (document_id, body) SELECT id, 'on an archived document' FROM "App".archived_documents LIMIT 1;
      RESET session_replication_role;`);
  });

  it('foreign-key-orphans: the orphan of the partitioned table once, under its own key; a comment on an archived document is an orphan', async () => {
    const ordersOrphans = await labCount('SELECT count(*) AS n FROM "App".orders o WHERE NOT EXISTS (SELECT 1 FROM "App".accounts a WHERE a.id = o.account_id)');
    const commentOrphans = await labCount('SELECT count(*) AS n FROM "App".document_comments c WHERE NOT EXISTS (SELECT 1 FROM ONLY "App".documents d WHERE d.id = c.document_id)');
    assert.deepEqual([ordersOrphans, commentOrphans], [1, 1]);
    const outcome = await runInLab(foreignKeyOrphans);
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(outcome.findings.map((f) => ({ severity: f.severity, table: f.table, column: f.column, count: f.count, message: f.message })), [
      {
        severity: 'major', table: 'document_comments', column: 'document_id', count: 1,
        message: `document_comments.document_id: 1 rows refer to no documents.id (foreign key ${await foreignKeyName('document_comments', 'documents')})`,
      },
      {
        severity: 'critical', table: 'orders', column: 'account_id', count: 1,
        message: `orders.account_id: 1 rows refer to no accounts.id (foreign key ${await foreignKeyName('orders', 'accounts')})`,
      },
    ]);
  });

  it('declared-relationships: the one orphan of "App".orders.coupon_id, not the orphans of public.orders', async () => {
    const orphans = await labCount('SELECT count(*) AS n FROM "App".orders o WHERE o.coupon_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "App".coupons c WHERE c.id = o.coupon_id)');
    assert.equal(orphans, 1);
    const outcome = await runInLab(declaredRelationships);
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(outcome.findings.map((f) => ({ severity: f.severity, table: f.table, column: f.column, count: f.count, message: f.message })), [
      { severity: 'major', table: 'orders', column: 'coupon_id', count: 1, message: 'orders.coupon_id: 1 rows refer to no coupons.id' },
    ]);
    assert.match(outcome.findings[0]!.query ?? '', /FROM "App"\."orders" c .*FROM "App"\."coupons" p/);
  });
});

describe('a reference a foreign key enforces, on a column not named like a key', () => {
  // Staff members hold a role code (text), enforced by a foreign key: nothing but the profile's
  // declaration says it matters, since no probe can guess a reference from the name "role".
  const staffProfile = defineProfile({
    name: 'staff',
    database: {
      schemas: ['Staff'],
      expectedTables: ['roles', 'members'],
      criticalTables: [],
      relationships: [{ from: { table: 'members', column: 'role' }, to: { table: 'roles', column: 'code' }, foreignKey: true }],
    },
  });
  const run = async (probe: Probe) =>
    (await runProbes({ databaseURL: inLab(demo.verifierDatabaseURL), config: testConfig(), profile: staffProfile, probes: [probe] })).outcomes[0]!;

  before(async () => {
    await labAdmin(`
      CREATE SCHEMA "Staff";
      CREATE TABLE "Staff".roles (code text PRIMARY KEY);
      CREATE TABLE "Staff".members (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), role text NOT NULL CONSTRAINT members_role_fkey REFERENCES "Staff".roles (code));
      INSERT INTO "Staff".roles VALUES ('owner'), ('editor');
      INSERT INTO "Staff".members (role) VALUES ('owner'), ('editor'), ('editor');`);
  });

  it('while the key is there: silent, and the key is named among the facts', async () => {
    const outcome = await run(declaredRelationships);
    assertSilent(outcome);
    assert.deepEqual(outcome.facts, [{ name: 'Foreign key of members.role', value: 'members_role_fkey' }]);
  });

  it('once the key is dropped: declared-relationships names its loss; nothing else could have', async () => {
    await labAdmin('ALTER TABLE "Staff".members DROP CONSTRAINT members_role_fkey');
    const outcome = await run(declaredRelationships);
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(outcome.findings.map((f) => [f.severity, f.message]), [
      ['major', 'members.role → roles.code: the foreign key that enforced it is gone (the profile says one does)'],
    ]);
    assertSilent(await run(inferredReferences));
  });
});
