import { defineProbe, ident, locateTables, qualified } from './probe.ts';

export default defineProbe({
  id: 'declared-relationships',
  title: 'Orphans under relationships without a foreign key',
  group: 'Integrity',
  severity: 'major',
  what: 'The references the profile declares without a foreign key (e.g. messages → conversations): rows whose parent row does not exist.',
  why: 'Nothing in the database stops these from breaking: a partial restore or a failed cleanup leaves rows that the app shows as broken or silently drops.',
  async run(ctx) {
    if (!ctx.profile.relationships.length) ctx.skip('the profile declares no relationships without a foreign key');
    // Each table is read in the profile's schemas, schema-qualified: an unqualified name would
    // follow the role's search_path, miss a schema such as "App", or check a same-named table
    // in public instead.
    const located = await locateTables(ctx, ctx.profile.relationships.flatMap((r) => [r.from.table, r.to.table]));
    const unreadable = (table: string) => {
      const found = located.get(table);
      return found ? found.unreadable : `table ${table} is missing`;
    };
    for (const { from, to } of ctx.profile.relationships) {
      await ctx.step(`${from.table}.${from.column} → ${to.table}.${to.column}`, async () => {
        const reason = unreadable(from.table) ?? unreadable(to.table);
        if (reason) return ctx.fact(`Not checked: ${from.table}.${from.column}`, reason);
        const sql = `SELECT count(*)::bigint AS n FROM ${qualified(located.get(from.table)!.schema, from.table)} c
                     WHERE c.${ident(from.column)} IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM ${qualified(located.get(to.table)!.schema, to.table)} p
                                       WHERE p.${ident(to.column)} = c.${ident(from.column)})`;
        const [row] = await ctx.query<{ n: string }>(sql);
        const orphans = Number(row!.n);
        if (orphans > 0) {
          ctx.finding({
            severity: 'major',
            table: from.table,
            column: from.column,
            count: orphans,
            message: `${from.table}.${from.column}: ${orphans} rows refer to no ${to.table}.${to.column}`,
            query: sql.replace(/\s+/g, ' '),
          });
        }
      });
    }
  },
});
