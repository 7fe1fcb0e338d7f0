// The adoption databases (test/support/adoption-databases.ts) are what other tests run Verity
// against, so they are proved here first: Verity's read-only role reads every table, each fault
// applies and damages exactly what it says while leaving no orphan it does not mean, and reset()
// brings back the healthy state to the last row. All checks are the superuser's own queries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Demo } from '../demo-app/src/index.ts';
import {
  adoptionFaults,
  createPublishedApp,
  createUnlikeTheDemo,
  type AdoptionDatabase,
  type AdoptionFault,
  type AdoptionFaultSpec,
} from './support/adoption-databases.ts';
import { startTarget } from './support/target.ts';

let demo: Demo;
const built: Partial<Record<Kind, { db: AdoptionDatabase; healthy: Snapshot }>> = {};
type Kind = 'unlike the demo' | 'published app';

before(async () => {
  demo = await startTarget();
  const [unlike, published] = await Promise.all([createUnlikeTheDemo(demo), createPublishedApp(demo)]);
  built['unlike the demo'] = { db: unlike, healthy: await snapshot(unlike) };
  built['published app'] = { db: published, healthy: await snapshot(published) };
});
after(async () => {
  try {
    for (const b of Object.values(built)) await b.db.drop();
    if (demo) {
      const left = await query(demo.adminDatabaseURL, `
        SELECT datname AS name FROM pg_database WHERE datname LIKE 'ledger%' OR datname LIKE 'better_auth%'
        UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'ledger%' OR rolname LIKE 'better_auth%'`);
      assert.deepEqual(left, [], 'drop() removes both databases, their templates and their roles');
    }
  } finally {
    await demo?.stop();
  }
});

async function query<T extends object = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
const one = async <T extends object = Record<string, any>>(url: string, sql: string, params: unknown[] = []) => (await query<T>(url, sql, params))[0]!;
const q = (name: string) => '"' + name.replace(/"/g, '""') + '"';
const relation = (s: { schema: string; table: string }) => `${q(s.schema)}.${q(s.table)}`;

interface Table { schema: string; table: string; kind: string }

/** Tables (plain, partitioned, partitions) and views of the database's schemas. */
function tablesOf(db: AdoptionDatabase): Promise<Table[]> {
  return query<Table>(db.adminURL, `
    SELECT n.nspname AS schema, c.relname AS table, c.relkind AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v')
    ORDER BY 1, 2`, [db.schemas]);
}

/** Everything a fault may change: every table's rows (digest), columns, constraints, the app's grants, sequences. */
interface Snapshot { rows: Record<string, string>; columns: string[]; constraints: string[]; grants: string[]; sequences: string[] }
async function snapshot(db: AdoptionDatabase): Promise<Snapshot> {
  const rows: Record<string, string> = {};
  for (const t of await tablesOf(db)) {
    const r = await one(db.adminURL, `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS digest FROM ${relation(t)} t`);
    rows[`${t.schema}.${t.table}`] = `${r.n} rows, ${r.digest}`;
  }
  const list = async (sql: string) => (await query<{ v: string }>(db.adminURL, sql, [db.schemas])).map((r) => r.v);
  return {
    rows,
    columns: await list(`
      SELECT format('%s.%s.%s %s%s', table_schema, table_name, column_name, data_type, CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END) AS v
      FROM information_schema.columns WHERE table_schema = ANY($1::text[]) ORDER BY 1`),
    constraints: await list(`
      SELECT format('%s %s %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS v
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = ANY($1::text[]) ORDER BY 1`),
    grants: await list(`
      SELECT format('%s.%s %s', table_schema, table_name, string_agg(privilege_type, ',' ORDER BY privilege_type)) AS v
      FROM information_schema.role_table_grants WHERE grantee = '${db.applicationRole}' AND table_schema = ANY($1::text[])
      GROUP BY table_schema, table_name ORDER BY 1`),
    sequences: await list(`
      SELECT format('%s.%s %s', schemaname, sequencename, last_value) AS v FROM pg_sequences WHERE schemaname = ANY($1::text[]) ORDER BY 1`),
  };
}

interface ForeignKey { name: string; child: string; parent: string; childColumns: string[]; parentColumns: string[] }
async function foreignKeys(db: AdoptionDatabase): Promise<ForeignKey[]> {
  return query<ForeignKey>(db.adminURL, `
    SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
           array(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY i)::text[] AS "childColumns",
           array(SELECT attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY i)::text[] AS "parentColumns"
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE c.contype = 'f' AND c.conparentid = 0 AND n.nspname = ANY($1::text[])`, [db.schemas]);
}
/** Rows of the child whose key (all columns set) names no parent row, per foreign key. */
async function orphans(db: AdoptionDatabase): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const fk of await foreignKeys(db)) {
    const set = fk.childColumns.map((c) => `c.${q(c)} IS NOT NULL`).join(' AND ');
    const match = fk.childColumns.map((c, i) => `p.${q(fk.parentColumns[i]!)} = c.${q(c)}`).join(' AND ');
    const r = await one(db.adminURL, `SELECT count(*)::int AS n FROM ${fk.child} c WHERE ${set} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${match})`);
    found[fk.name] = r.n;
  }
  return found;
}
const noOrphans = (found: Record<string, number>) => Object.entries(found).filter(([, n]) => n > 0);

/** Per fault: what it changes, measured before and after, and whether the change is the one meant. */
const effects: { [F in AdoptionFault]: { measure(db: AdoptionDatabase, f: AdoptionFaultSpec): Promise<any>; changed(before: any, after: any): boolean } } = {
  'dropped-not-null': {
    measure: async (db, f) => (await one(db.adminURL, `SELECT attnotnull AS v FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2`, [relation(f), f.column])).v,
    changed: (before, after) => before === true && after === false,
  },
  'dropped-foreign-key': {
    measure: async (db, f) => (await one(db.adminURL, `SELECT count(*)::int AS v FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2 AND contype = 'f'`, [relation(f), f.constraint])).v,
    changed: (before, after) => before === 1 && after === 0,
  },
  'lost-unique': {
    measure: async (db, f) => (await one(db.adminURL, `SELECT count(*)::int AS v FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2 AND contype = 'u'`, [relation(f), f.constraint])).v,
    changed: (before, after) => before === 1 && after === 0,
  },
  'column-type-changed': {
    measure: async (db, f) => (await one(db.adminURL, `SELECT format_type(atttypid, atttypmod) AS v FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2`, [relation(f), f.column])).v,
    changed: (before, after) => /numeric|integer|timestamp/.test(before) && after === 'text',
  },
  'lost-grant': {
    measure: async (db, f) => one(db.adminURL, `SELECT has_table_privilege($1, $2::regclass, 'INSERT') AS insert, has_table_privilege($1, $2::regclass, 'SELECT') AS select`, [db.applicationRole, relation(f)]),
    changed: (before, after) => before.insert && !after.insert && after.select,
  },
  'rows-deleted': {
    measure: async (db, f) => (await one(db.adminURL, `SELECT count(*)::int AS v FROM ${relation(f)}`)).v,
    changed: (before, after) => after < before && after >= before * 0.85 && after <= before * 0.95,
  },
  'older-restore': {
    measure: async (db, f) => ({
      newest: (await one(db.adminURL, `SELECT max(${q(f.column!)}) AS v FROM ${relation(f)}`)).v.getTime(),
      // Each sequence owned by a column: its last value, and its column's largest value.
      sequences: await query(db.adminURL, `
        SELECT s.schemaname || '.' || s.sequencename AS name, s.last_value::bigint AS last, d.refobjid::regclass::text AS tbl, a.attname AS col
        FROM pg_sequences s
        JOIN pg_depend d ON d.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE s.schemaname = ANY($1::text[]) ORDER BY 1`, [db.schemas]).then((rows) => Promise.all(rows.map(async (r) => ({
        name: r.name, last: Number(r.last), max: Number((await one(db.adminURL, `SELECT max(${q(r.col)}) AS v FROM ${r.tbl}`)).v),
      })))),
    }),
    changed: (before, after) => after.newest < before.newest
      && after.sequences.every((s: any, i: number) => s.last < before.sequences[i].last && s.last === s.max),
  },
  'dangling-reference': {
    measure: async (db, f) => (await orphans(db))[f.constraint!],
    changed: (before, after) => before === 0 && after > 0,
  },
  'format-broken': {
    measure: async (db, f) => one(db.adminURL, `SELECT count(*) FILTER (WHERE ${q(f.column!)} !~ $1)::int AS broken, count(${q(f.column!)})::int AS n FROM ${relation(f)}`, [f.pattern]),
    changed: (before, after) => before.broken === 0 && before.n > 0 && after.broken === 1,
  },
};

for (const kind of ['unlike the demo', 'published app'] as const) {
  describe(kind, () => {
    const the = () => built[kind]!;

    it('Verity\'s read-only role reads every table and view, and may run amcheck', async () => {
      const { db } = the();
      const tables = await tablesOf(db);
      assert.ok(tables.length >= (kind === 'unlike the demo' ? 12 : 4), `tables found: ${tables.map((t) => t.table).join(', ')}`);
      for (const t of tables) {
        const seen = await one(db.verifierURL, `SELECT count(*)::int AS n FROM ${relation(t)}`);
        const real = await one(db.adminURL, `SELECT count(*)::int AS n FROM ${relation(t)}`);
        assert.equal(seen.n, real.n, `verity_ro counts every row of ${relation(t)}`);
      }
      const role = await one(db.verifierURL, `SELECT current_user AS who, has_function_privilege('bt_index_check(regclass)', 'EXECUTE') AS amcheck`);
      assert.deepEqual(role, { who: 'verity_ro', amcheck: true }, 'connected as verity_ro, which may run bt_index_check');
    });

    it('has realistic data, an application role with DML on every table that owns nothing, and no orphan', async () => {
      const { db } = the();
      const total = await one(db.adminURL, `SELECT sum(n_live_tup)::int AS n, count(*) FILTER (WHERE last_analyze IS NULL)::int AS unanalyzed
        FROM pg_stat_user_tables WHERE schemaname = ANY($1::text[])`, [db.schemas]);
      assert.ok(total.n >= (kind === 'unlike the demo' ? 3000 : 100), `rows in all: ${total.n}`);
      assert.equal(total.unanalyzed, 0, 'every table analyzed after the copy');
      const app = await one(db.adminURL, `
        SELECT r.rolsuper AS super, r.rolcanlogin AS login,
               (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owns,
               (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ANY($2::text[]) AND c.relkind IN ('r', 'p')
                   AND NOT (has_table_privilege(r.oid, c.oid, 'SELECT') AND has_table_privilege(r.oid, c.oid, 'INSERT')
                        AND has_table_privilege(r.oid, c.oid, 'UPDATE') AND has_table_privilege(r.oid, c.oid, 'DELETE'))) AS lacking
        FROM pg_roles r WHERE r.rolname = $1`, [db.applicationRole, db.schemas]);
      assert.deepEqual(app, { super: false, login: true, owns: 0, lacking: 0 }, `${db.applicationRole}: a login, not superuser, owning nothing, DML everywhere`);
      const [who] = await query(db.applicationURL, 'SELECT current_user AS v');
      assert.equal(who!.v, db.applicationRole, 'the application role logs in with applicationURL');
      const owner = await one(db.adminURL, `SELECT count(DISTINCT c.relowner)::int AS owners, min(pg_get_userbyid(c.relowner)) AS owner
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'S')`, [db.schemas]);
      assert.deepEqual(owner, { owners: 1, owner: db.ownerRole }, 'one owner role owns every table, view and sequence');
      assert.deepEqual(noOrphans(await orphans(db)), [], 'healthy: no foreign key has orphans');
      const newest = await one(db.adminURL, `SELECT now() - max(${q(db.faults['older-restore'].column!)}) < interval '10 minutes' AS recent FROM ${relation(db.faults['older-restore'])}`);
      assert.equal(newest.recent, true, 'the newest row is minutes old');
    });

    for (const fault of adoptionFaults) {
      it(`${fault} damages what it says, nothing else, and reset() undoes it`, async () => {
        const { db, healthy } = the();
        const spec = db.faults[fault];
        assert.ok(spec.damages.includes(spec.table), `${fault}: damages names its table (${spec.damages})`);
        const effect = effects[fault];
        const before = await effect.measure(db, spec);
        await db.apply(fault);
        const after = await effect.measure(db, spec);
        assert.ok(effect.changed(before, after), `${fault} on ${relation(spec)}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
        if (fault !== 'dangling-reference') assert.deepEqual(noOrphans(await orphans(db)), [], `${fault} leaves no orphan`);
        await db.reset();
        assert.deepEqual(await snapshot(db), healthy, `reset() after ${fault} restores every row, column, constraint, grant and sequence`);
      });
    }
  });
}
