import { defineProbe } from './probe.ts';

export default defineProbe({
  id: 'missing-primary-keys',
  title: 'Tables without a primary key',
  group: 'Indexes',
  // A design choice as often as damage (log and join tables often have none): a warning, unless
  // the profile raises it (the demo's does: each of its tables has one).
  severity: 'minor',
  what: "Every ordinary or partitioned table in the profile's schemas (partitions and extension tables aside) has a primary key.",
  why: 'A primary key is restored in the last, post-data step of a restore: if that step failed, duplicate rows can creep in unnoticed, updates and deletes by id scan the whole table, and logical replication cannot update or delete the rows.',
  async run(ctx) {
    await ctx.step('Every table has a primary key', async () => {
      const tables = await ctx.query<{ table: string; has_pk: boolean }>(`
        SELECT c.relname AS table,
               EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype = 'p') AS has_pk
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY c.relname`, [ctx.profile.schemas]);
      ctx.fact('Tables checked', tables.length);
      const critical = new Set(ctx.profile.criticalTables);
      for (const t of tables.filter((t) => !t.has_pk)) {
        ctx.finding({
          severity: 'minor',
          table: t.table,
          message: `Table ${t.table} has no primary key${critical.has(t.table) ? ' (a critical table)' : ''}: nothing prevents duplicate rows, and no key reliably addresses one row`,
        });
      }
    });
  },
});
