import { defineProbe, qualified } from './probe.ts';

interface Located {
  table: string;
  schema: string;
  /** pg_class.reltuples (summed over the leaf partitions of a partitioned table); below 0: no estimate. */
  estimate: number;
  /** UNLOGGED on a server in recovery: PostgreSQL refuses to read it. */
  unreadable: boolean;
}

export default defineProbe({
  id: 'row-counts',
  title: 'Row counts of the critical tables',
  group: 'Server',
  severity: 'minor',
  what: "The number of rows in each of the profile's critical tables: counted exactly when pg_class estimates fewer than VERITY_EXACT_COUNT_MAX_ROWS, otherwise the pg_class estimate, and every fact says which.",
  why: 'Comparing row counts with the ones before the crash or in the backup is the quickest way to see that a restore brought back everything, or that a table came back short. Reported, never failed: Verity cannot know how many rows there should be.',
  async run(ctx) {
    const { schemas, criticalTables } = ctx.profile;
    if (!criticalTables.length) ctx.skip('the profile lists no critical tables');
    const max = ctx.thresholds.exactCountMaxRows;
    let tables: Located[] = [];
    await ctx.step('Critical tables and their pg_class estimates', async () => {
      tables = await ctx.query<Located>(`
        SELECT DISTINCT ON (c.relname) c.relname AS table, n.nspname AS schema,
               CASE WHEN c.relkind = 'p' THEN
                 coalesce((SELECT CASE WHEN bool_or(p.reltuples < 0) THEN -1 ELSE sum(p.reltuples) END
                           FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf), 0)
               ELSE c.reltuples END::float8 AS estimate,
               c.relpersistence = 'u' AND pg_is_in_recovery() AS unreadable
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1::text[]) AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p')
        ORDER BY c.relname, array_position($1::text[], n.nspname::text)`, [schemas, criticalTables]);
    });
    // In the profile's order; missing tables are left to schema-presence.
    for (const name of criticalTables) {
      const table = tables.find((t) => t.table === name);
      if (!table) continue;
      await ctx.step(`Rows in ${name}`, async () => {
        const estimate = Math.round(table.estimate);
        if (table.unreadable) {
          ctx.fact(name, `${table.estimate >= 0 ? `about ${estimate} rows (estimate from pg_class)` : 'unknown'}: an UNLOGGED table cannot be read while the server is in recovery`);
          return;
        }
        if (table.estimate >= max) {
          ctx.fact(name, `about ${estimate} rows (estimate from pg_class)`);
          return;
        }
        // An estimate can be stale or missing (never analyzed, e.g. just after pg_restore):
        // the count stops one row past the limit, so it never reads more than that.
        const [row] = await ctx.query<{ n: string }>(
          `SELECT count(*)::bigint AS n FROM (SELECT 1 FROM ${qualified(table.schema, table.table)} LIMIT ${max + 1}) t`);
        const rows = Number(row!.n);
        const noEstimate = table.estimate < 0 ? '; pg_class has no estimate: never analyzed' : '';
        ctx.fact(name, rows > max
          ? `more than ${max} rows (counting stopped at VERITY_EXACT_COUNT_MAX_ROWS${noEstimate || `; pg_class estimated ${estimate}: statistics are stale`})`
          : `${rows} rows (exact${noEstimate})`);
      });
    }
  },
});
