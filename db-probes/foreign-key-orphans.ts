import { defineProbe, ident, qualified } from './probe.ts';

interface ForeignKey {
  name: string;
  validated: boolean;
  child_schema: string;
  child_table: string;
  child_columns: string[];
  /** pg_class.relkind: 'r' a plain table, 'p' a partitioned one. */
  child_kind: string;
  parent_schema: string;
  parent_table: string;
  parent_columns: string[];
  parent_kind: string;
}

/**
 * How a side of a foreign key is scanned so that exactly the rows the constraint covers are read.
 * A partitioned table's key covers all its partitions, and scanning it reads them. A key on a
 * plain table covers that table's own rows only (foreign keys are not inherited): ONLY keeps
 * inheritance children out, and changes nothing for a table that has none.
 */
function scanned(schema: string, table: string, kind: string): string {
  return `${kind === 'r' ? 'ONLY ' : ''}${qualified(schema, table)}`;
}

export default defineProbe({
  id: 'foreign-key-orphans',
  title: 'Orphans under foreign keys',
  group: 'Integrity',
  severity: 'critical',
  what: 'Every foreign key found in the catalog: rows whose reference has no parent row, and constraints left NOT VALID.',
  why: 'A restore with triggers disabled, or data loaded before its constraints, can leave rows orphaned despite a foreign key; NOT VALID constraints never checked the rows already there.',
  async run(ctx) {
    // pg_constraint, unlike information_schema, shows every constraint to a non-owner role.
    // A key on a partitioned table (or referencing one) is cloned onto each partition, the clones
    // pointing at it through conparentid: only the original is checked, or one orphan would be
    // counted once per clone, and rows of one partition blamed on a clone naming another.
    const keys = await ctx.query<ForeignKey>(`
      SELECT con.conname AS name, con.convalidated AS validated,
             cn.nspname AS child_schema, cc.relname AS child_table, cc.relkind::text AS child_kind,
             ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord)::text[] AS child_columns,
             pn.nspname AS parent_schema, pc.relname AS parent_table, pc.relkind::text AS parent_kind,
             ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)::text[] AS parent_columns
      FROM pg_constraint con
      JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
      JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE con.contype = 'f' AND cn.nspname = ANY($1) AND con.conparentid = 0
      ORDER BY cc.relname, con.conname`, [ctx.profile.schemas]);
    ctx.fact('Foreign keys found', keys.length);
    const critical = new Set(ctx.profile.criticalTables);
    for (const key of keys) {
      const child = `${key.child_table}.${key.child_columns.join(', ')}`;
      const parent = `${key.parent_table}.${key.parent_columns.join(', ')}`;
      await ctx.step(`${child} → ${parent}`, async () => {
        const joins = key.child_columns.map((c, i) => `p.${ident(key.parent_columns[i]!)} = c.${ident(c)}`).join(' AND ');
        const notNull = key.child_columns.map((c) => `c.${ident(c)} IS NOT NULL`).join(' AND ');
        const sql = `SELECT count(*)::bigint AS n FROM ${scanned(key.child_schema, key.child_table, key.child_kind)} c
                     WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${scanned(key.parent_schema, key.parent_table, key.parent_kind)} p WHERE ${joins})`;
        const [row] = await ctx.query<{ n: string }>(sql);
        const orphans = Number(row!.n);
        if (orphans > 0) {
          ctx.finding({
            severity: critical.has(key.child_table) || critical.has(key.parent_table) ? 'critical' : 'major',
            table: key.child_table,
            column: key.child_columns.join(', '),
            count: orphans,
            message: `${child}: ${orphans} rows refer to no ${parent} (foreign key ${key.name})`,
            query: sql.replace(/\s+/g, ' '),
          });
        }
        if (!key.validated) {
          ctx.finding({
            severity: 'major',
            table: key.child_table,
            column: key.child_columns.join(', '),
            message: `Foreign key ${key.name} on ${child} is NOT VALID: existing rows were never checked`,
          });
        }
      });
    }
  },
});
