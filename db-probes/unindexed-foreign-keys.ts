import { defineProbe } from './probe.ts';

interface UnindexedKey {
  name: string;
  child_table: string;
  child_columns: string[];
  parent_table: string;
  parent_columns: string[];
}

export default defineProbe({
  id: 'unindexed-foreign-keys',
  title: 'Foreign keys without an index',
  group: 'Indexes',
  // A design choice as often as damage (many apps leave keys unindexed on purpose): a warning,
  // unless the profile raises it (the demo's does: every key of its schema is indexed).
  severity: 'minor',
  what: "Every foreign key in the profile's schemas has an index whose leading columns are the key's columns on the referencing table.",
  why: "Indexes are built in a restore's last, post-data step: when that step fails, the tables and data look complete, but every delete or key update on the parent table scans the whole child table and holds its locks meanwhile, and joins on the key slow down.",
  async run(ctx) {
    await ctx.step('Every foreign key has an index', async () => {
      // A usable index: valid, not partial, a B-tree whose first key columns are the foreign key's
      // columns in any order (or a hash index on the one column).
      const keys = await ctx.query<UnindexedKey & { indexed: boolean }>(`
        SELECT con.conname AS name, cc.relname AS child_table, pc.relname AS parent_table,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord)::text[] AS child_columns,
               ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)::text[] AS parent_columns,
               EXISTS (
                 SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
                 WHERE i.indrelid = con.conrelid AND i.indisvalid AND i.indpred IS NULL
                   AND i.indnkeyatts >= cardinality(con.conkey)
                   AND (am.amname = 'btree' OR (am.amname = 'hash' AND cardinality(con.conkey) = 1))
                   AND (SELECT array_agg(k ORDER BY k) FROM unnest((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)]) k)
                       = (SELECT array_agg(k ORDER BY k) FROM unnest(con.conkey) k)
               ) AS indexed
        FROM pg_constraint con
        JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
        JOIN pg_class pc ON pc.oid = con.confrelid
        WHERE con.contype = 'f' AND cn.nspname = ANY($1::text[]) AND con.conparentid = 0
        ORDER BY cc.relname, con.conname`, [ctx.profile.schemas]);
      ctx.fact('Foreign keys checked', keys.length);
      for (const key of keys.filter((k) => !k.indexed)) {
        const child = `${key.child_table}.${key.child_columns.join(', ')}`;
        const parent = `${key.parent_table}.${key.parent_columns.join(', ')}`;
        ctx.finding({
          severity: 'minor',
          table: key.child_table,
          column: key.child_columns.join(', '),
          message: `${child}: foreign key ${key.name} → ${parent} has no index on ${key.child_table} (${key.child_columns.join(', ')}): deletes on ${key.parent_table} scan all of ${key.child_table}`,
        });
      }
    });
  },
});
