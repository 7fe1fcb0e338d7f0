import { defineProbe } from './probe.ts';

export default defineProbe({
  id: 'schema-presence',
  title: 'Expected tables and extensions',
  group: 'Schema',
  severity: 'critical',
  what: "Every table the profile expects exists (critical tables first), every expected extension is installed, and tables nobody expects are listed.",
  why: 'A restore that stopped half-way, or one taken from the wrong database, leaves tables missing; a leftover table is a sign of a manual repair.',
  async run(ctx) {
    const { schemas, expectedTables, criticalTables, expectedExtensions } = ctx.profile;
    const tables = await ctx.query<{ name: string; partition: boolean }>(
      `SELECT c.relname AS name, c.relispartition AS partition FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p')`, [schemas]);
    const present = new Set(tables.map((t) => t.name));
    // A partition is part of its partitioned table, whose presence is what the profile states:
    // it is neither counted nor listed on its own (a profile may still expect one by name).
    const ownTables = new Set(tables.filter((t) => !t.partition).map((t) => t.name));
    await ctx.step('Critical tables present', async () => {
      const missing = criticalTables.filter((t) => !present.has(t));
      for (const table of missing) ctx.finding({ severity: 'critical', table, message: `Critical table ${table} is missing` });
    });
    await ctx.step('Expected tables present', async () => {
      const missing = expectedTables.filter((t) => !present.has(t) && !criticalTables.includes(t));
      for (const table of missing) ctx.finding({ severity: 'major', table, message: `Expected table ${table} is missing` });
      ctx.fact('Tables present', `${ownTables.size} (${expectedTables.length} expected)`);
    });
    await ctx.step('Expected extensions installed', async () => {
      const rows = await ctx.query<{ extname: string }>('SELECT extname FROM pg_extension');
      const installed = new Set(rows.map((r) => r.extname));
      for (const ext of expectedExtensions.filter((e) => !installed.has(e))) {
        ctx.finding({ severity: 'major', message: `Expected extension ${ext} is not installed` });
      }
    });
    await ctx.step('Unexpected tables', async () => {
      const unexpected = [...ownTables].filter((t) => !expectedTables.includes(t) && !criticalTables.includes(t)).sort();
      for (const table of unexpected) ctx.finding({ severity: 'minor', table, message: `Unexpected table ${table} (not in the profile)` });
    });
  },
});
