import { defineProbe } from './probe.ts';

/** How many table names one finding lists; the count always covers them all. */
const listed = 20;

export default defineProbe({
  id: 'never-analyzed',
  title: 'Tables never analyzed',
  group: 'Indexes',
  severity: 'minor',
  what: "Tables in the profile's schemas with no record of an ANALYZE, manual or automatic, since their statistics were last reset, and tables that were analyzed but whose planner statistics (pg_stats) are gone.",
  why: 'A restore does not always bring planner statistics along, and a statistics reset forgets when tables were analyzed: until autovacuum catches up, the planner guesses row counts and can pick plans that make pages slow. Running ANALYZE after a restore fixes it.',
  async run(ctx) {
    await ctx.step('Every table has been analyzed', async () => {
      const tables = await ctx.query<{ table: string; analyzed: boolean }>(`
        SELECT s.relname AS table, (s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL) AS analyzed
        FROM pg_stat_user_tables s
        WHERE s.schemaname = ANY($1::text[])
        ORDER BY s.relname`, [ctx.profile.schemas]);
      const never = tables.filter((t) => !t.analyzed).map((t) => t.table);
      ctx.fact('Tables never analyzed', `${never.length} of ${tables.length}`);
      if (!never.length) return;
      // Critical tables first: they matter most and must show within the listed names.
      const critical = ctx.profile.criticalTables;
      const ordered = [...critical.filter((t) => never.includes(t)), ...never.filter((t) => !critical.includes(t))];
      const names = ordered.slice(0, listed).join(', ') + (ordered.length > listed ? ` and ${ordered.length - listed} more` : '');
      ctx.finding({
        severity: 'minor',
        table: never.length === 1 ? never[0] : undefined,
        count: never.length,
        message: `${never.length} of ${tables.length} tables ${never.length === 1 ? 'has' : 'have'} never been analyzed (planner statistics missing or reset): ${names}; run ANALYZE`,
      });
    });

    await ctx.step('Every analyzed table still has its planner statistics', async () => {
      // reltuples > 0: ANALYZE (or VACUUM) saw rows once; pg_stats then has rows for its columns,
      // unless the statistics were lost (a restore that did not bring them, a catalog repair).
      const tables = await ctx.query<{ table: string; readable: boolean; has_stats: boolean }>(`
        SELECT c.relname AS table, has_table_privilege(c.oid, 'SELECT') AS readable,
               EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS has_stats
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1::text[]) AND c.relkind = 'r' AND c.reltuples > 0
        ORDER BY c.relname`, [ctx.profile.schemas]);
      // pg_stats shows only columns Verity's role may read: a table it may not read says nothing.
      const unreadable = tables.filter((t) => !t.readable).map((t) => t.table);
      if (unreadable.length) ctx.cannotObserve(`planner statistics of ${unreadable.length} tables Verity's role may not read (${unreadable.slice(0, listed).join(', ')})`);
      const lost = tables.filter((t) => t.readable && !t.has_stats).map((t) => t.table);
      const readable = tables.length - unreadable.length;
      ctx.fact('Analyzed tables without planner statistics', `${lost.length} of ${readable}`);
      if (!lost.length) return;
      const names = lost.slice(0, listed).join(', ') + (lost.length > listed ? ` and ${lost.length - listed} more` : '');
      ctx.finding({
        severity: 'minor',
        table: lost.length === 1 ? lost[0] : undefined,
        count: lost.length,
        message: `${lost.length} of ${readable} analyzed tables have lost their planner statistics (pg_stats has none for them): ${names}; run ANALYZE`,
      });
    });
  },
});
