import { defineProbe } from './probe.ts';

/** How many table names one finding lists; the count always covers them all. */
const listed = 20;

export default defineProbe({
  id: 'never-analyzed',
  title: 'Tables never analyzed',
  group: 'Indexes',
  severity: 'minor',
  what: "Tables in the profile's schemas with no record of an ANALYZE, manual or automatic, since their statistics were last reset.",
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
  },
});
