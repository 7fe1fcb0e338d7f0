import { defineProbe, ident, locateTables, qualified } from './probe.ts';

export default defineProbe({
  id: 'declared-relationships',
  title: 'Orphans under declared relationships',
  group: 'Integrity',
  severity: 'major',
  what: 'The references the profile declares (e.g. messages → conversations): rows whose parent row does not exist; and, for those it says a foreign key enforces, that the key is still there.',
  why: 'Nothing in the database stops a reference without a foreign key from breaking: a partial restore or a failed cleanup leaves rows that the app shows as broken or silently drops. A restore whose post-data step failed loses foreign keys silently, and from then on nothing guards those references either.',
  async run(ctx) {
    if (!ctx.profile.relationships.length) ctx.skip('the profile declares no relationships');
    // Each table is read in the profile's schemas, schema-qualified: an unqualified name would
    // follow the role's search_path, miss a schema such as "App", or check a same-named table
    // in public instead.
    const located = await locateTables(ctx, ctx.profile.relationships.flatMap((r) => [r.from.table, r.to.table]));
    const unreadable = (table: string) => {
      const found = located.get(table);
      return found ? found.unreadable : `table ${table} is missing`;
    };
    const critical = new Set(ctx.profile.criticalTables);
    for (const { from, to, foreignKey } of ctx.profile.relationships) {
      await ctx.step(`${from.table}.${from.column} → ${to.table}.${to.column}`, async () => {
        const reason = unreadable(from.table) ?? unreadable(to.table);
        if (reason) return ctx.fact(`Not checked: ${from.table}.${from.column}`, reason);
        if (foreignKey) {
          const [key] = await ctx.query<{ name: string | null }>(`
            SELECT (SELECT con.conname FROM pg_constraint con
                    WHERE con.contype = 'f' AND con.conrelid = $1::regclass AND con.confrelid = $2::regclass
                      AND con.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $3)]
                      AND con.confkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = $2::regclass AND attname = $4)]
                    LIMIT 1) AS name`,
            [qualified(located.get(from.table)!.schema, from.table), qualified(located.get(to.table)!.schema, to.table), from.column, to.column]);
          if (key!.name) ctx.fact(`Foreign key of ${from.table}.${from.column}`, key!.name);
          else {
            ctx.finding({
              severity: critical.has(from.table) || critical.has(to.table) ? 'critical' : 'major',
              table: from.table,
              column: from.column,
              message: `${from.table}.${from.column} → ${to.table}.${to.column}: the foreign key that enforced it is gone (the profile says one does)`,
            });
          }
        }
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
