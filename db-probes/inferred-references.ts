import { defineProbe, ident, qualified } from './probe.ts';

interface Candidate {
  schema: string;
  table: string;
  column: string;
  parent: string;
}

export default defineProbe({
  id: 'inferred-references',
  title: 'References that lost their foreign key',
  group: 'Integrity',
  severity: 'major',
  what: 'Columns named like a reference (user_id, session_id, …) to a table with that name and an id key, that have no foreign key and are not declared in the profile as intentionally without one; and their orphans.',
  why: 'A restore whose post-data step failed, or a migration run by hand, drops foreign keys silently: from then on nothing stops orphans, and the orphan check under foreign keys no longer sees the relationship.',
  async run(ctx) {
    // <name>_id → a table called <name>s, <name>es, <nam>ies, or ending in _<plural>; its key column is id.
    // Partitions are left out on both sides: their columns and keys are their partitioned table's,
    // which is the one checked (and the one a profile declares), so a column would otherwise be
    // reported once more for each partition.
    const candidates = await ctx.query<Candidate>(`
      WITH tables AS (
        SELECT n.nspname AS schema, c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
      ),
      refs AS (
        SELECT t.schema, t.relname AS table, a.attname AS column, a.attnum, t.oid,
               left(a.attname, -3) AS base
        FROM tables t JOIN pg_attribute a ON a.attrelid = t.oid
        WHERE a.attname LIKE '%\\_id' AND a.attnum > 0 AND NOT a.attisdropped
      )
      SELECT DISTINCT ON (r.schema, r.table, r.column) r.schema, r.table, r.column, p.relname AS parent
      FROM refs r
      JOIN tables p ON p.schema = r.schema AND (
             p.relname IN (r.base || 's', r.base || 'es', regexp_replace(r.base, 'y$', 'ies'))
          OR p.relname LIKE '%\\_' || r.base || 's' OR p.relname LIKE '%\\_' || regexp_replace(r.base, 'y$', 'ies'))
      JOIN pg_attribute pk ON pk.attrelid = p.oid AND pk.attname = 'id'
      WHERE p.oid <> r.oid
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.contype = 'f' AND con.conrelid = r.oid AND r.attnum = ANY(con.conkey))
      ORDER BY r.schema, r.table, r.column, length(p.relname)`, [ctx.profile.schemas]);
    const declared = new Set(ctx.profile.relationships.map((r) => `${r.from.table}.${r.from.column}`));
    const missing = candidates.filter((c) => !declared.has(`${c.table}.${c.column}`));
    await ctx.step('Reference-like columns without a foreign key', async () => {
      for (const c of missing) {
        ctx.finding({
          severity: 'major',
          table: c.table,
          column: c.column,
          message: `${c.table}.${c.column} looks like a reference to ${c.parent}.id but has no foreign key (and the profile does not declare it as intentional)`,
        });
      }
    });
    for (const c of missing) {
      await ctx.step(`Orphans along ${c.table}.${c.column} → ${c.parent}.id`, async () => {
        const sql = `SELECT count(*)::bigint AS n FROM ${qualified(c.schema, c.table)} x
                     WHERE x.${ident(c.column)} IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM ${qualified(c.schema, c.parent)} p WHERE p.id = x.${ident(c.column)})`;
        const [row] = await ctx.query<{ n: string }>(sql);
        const orphans = Number(row!.n);
        if (orphans > 0) {
          ctx.finding({
            severity: ctx.profile.criticalTables.includes(c.table) ? 'critical' : 'major',
            table: c.table,
            column: c.column,
            count: orphans,
            message: `${c.table}.${c.column}: ${orphans} rows refer to no ${c.parent}.id`,
            query: sql.replace(/\s+/g, ' '),
          });
        }
      });
    }
  },
});
