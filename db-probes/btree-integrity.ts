import { defineProbe, ident } from './probe.ts';

interface BtreeIndex {
  oid: string;
  schema: string;
  table: string;
  index: string;
}

/** amcheck's errors that mean the index (or its table) is damaged, not that the check could not run. */
const corruption = new Set(['XX002' /* index_corrupted */, 'XX001' /* data_corrupted */]);

export default defineProbe({
  id: 'btree-integrity',
  title: 'B-tree index integrity (amcheck)',
  group: 'Indexes',
  severity: 'critical',
  what: "Every valid B-tree index in the profile's schemas, checked page by page with amcheck's bt_index_check: keys in order on every page and between sibling pages.",
  why: 'A crash on faulty storage, a restore of copied data files, or an operating-system upgrade that changed text sorting can corrupt an index without any error: lookups then miss rows that exist, and a unique index lets duplicates in. amcheck finds this before users do.',
  async run(ctx) {
    const [amcheck] = await ctx.query<{ schema: string; present: boolean; allowed: boolean | null }>(`
      SELECT n.nspname AS schema, f.oid IS NOT NULL AS present, has_function_privilege(f.oid, 'EXECUTE') AS allowed
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      CROSS JOIN LATERAL (SELECT to_regprocedure(format('%I.bt_index_check(regclass, boolean)', n.nspname))::oid AS oid) f
      WHERE e.extname = 'amcheck'`);
    if (!amcheck) return ctx.skip('the amcheck extension is not installed in this database; Verity never creates it: a DBA can run CREATE EXTENSION amcheck and grant EXECUTE on bt_index_check(regclass, boolean) to Verity\'s role');
    if (!amcheck.present) return ctx.skip(`amcheck is installed but has no bt_index_check(regclass, boolean): update it (ALTER EXTENSION amcheck UPDATE)`);
    if (!amcheck.allowed) return ctx.skip(`Verity's role may not execute ${amcheck.schema}.bt_index_check(regclass, boolean): a DBA can GRANT EXECUTE ON FUNCTION ${amcheck.schema}.bt_index_check(regclass, boolean) to it`);

    // Invalid or unready indexes are incomplete by design (invalid-indexes reports them); temporary
    // indexes belong to another session; a partitioned index has no pages (its partitions' do).
    const indexes = await ctx.query<BtreeIndex>(`
      SELECT i.indexrelid::text AS oid, n.nspname AS schema, t.relname AS table, ic.relname AS index
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE am.amname = 'btree' AND ic.relkind = 'i' AND n.nspname = ANY($1::text[])
        AND i.indisvalid AND i.indisready AND i.indislive AND ic.relpersistence <> 't'
      ORDER BY t.relname, ic.relname`, [ctx.profile.schemas]);
    ctx.fact('B-tree indexes checked', indexes.length);
    const check = `${ident(amcheck.schema)}.bt_index_check`;
    for (const index of indexes) {
      await ctx.step(`${index.table}: ${index.index}`, async () => {
        const sql = `SELECT ${check}($1::oid::regclass, false)`;
        try {
          await ctx.query(sql, [index.oid]);
        } catch (err) {
          const { code, message } = err as { code?: string; message: string };
          if (!code || !corruption.has(code)) throw err;
          ctx.finding({
            severity: 'critical',
            table: index.table,
            message: `Index ${index.index} on ${index.table} is corrupt: ${message}; rebuild it (REINDEX INDEX CONCURRENTLY ${index.index}) and find the cause (storage, crash, copied files)`,
            query: `SELECT ${check}('${ident(index.schema)}.${ident(index.index)}', false)`,
          });
        }
      });
    }
  },
});
