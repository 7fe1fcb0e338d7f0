import { defineProbe } from './probe.ts';

export default defineProbe({
  id: 'collation-versions',
  title: 'Collation versions',
  group: 'Schema',
  severity: 'major',
  what: "The collation version recorded for the database, and for every collation its tables and indexes in the profile's schemas use, matches the version the server's collation library provides now.",
  why: 'A database restored from files onto another operating system or library version (or after an OS upgrade) may sort text differently than when its indexes were built: text indexes then miss rows and unique constraints let duplicates through until they are rebuilt.',
  async run(ctx) {
    const [server] = await ctx.query<{ version: number }>(`SELECT current_setting('server_version_num')::int AS version`);
    await ctx.step('Database collation version', async () => {
      if (server!.version < 150000) {
        ctx.fact('Database collation version', 'not recorded before PostgreSQL 15');
        return;
      }
      const [db] = await ctx.query<{ name: string; recorded: string | null; actual: string | null }>(`
        SELECT datname AS name, datcollversion AS recorded, pg_database_collation_actual_version(oid) AS actual
        FROM pg_database WHERE datname = current_database()`);
      ctx.fact('Database collation version', db!.recorded ?? 'none recorded');
      if (db!.recorded !== null && db!.recorded !== db!.actual) {
        ctx.finding({
          severity: 'major',
          message: `Database ${db!.name}: collation version ${db!.recorded} was recorded, but the server's library now provides ${db!.actual ?? 'none'}: `
            + `rebuild the indexes on text columns (REINDEX DATABASE), then ALTER DATABASE ... REFRESH COLLATION VERSION`,
        });
      }
    });
    await ctx.step('Collations used by tables and indexes', async () => {
      // Collations other than the database default (whose version is the database's) used by a
      // column or an index key in the schemas, or defined in them.
      const rows = await ctx.query<{ name: string; recorded: string; actual: string | null; used_by: string[] }>(`
        WITH used AS (
          SELECT a.attcollation AS coll, c.relname || '.' || a.attname AS what
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'm', 'i', 'I') AND a.attnum > 0 AND NOT a.attisdropped
            AND a.attcollation <> 0
          UNION
          SELECT k.coll, ic.relname
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
          CROSS JOIN LATERAL unnest(i.indcollation::oid[]) k(coll)
          WHERE n.nspname = ANY($1::text[]) AND k.coll <> 0
          UNION
          SELECT co.oid, 'schema ' || n.nspname
          FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
          WHERE n.nspname = ANY($1::text[])
        )
        SELECT co.collname AS name, co.collversion AS recorded, pg_collation_actual_version(co.oid) AS actual,
               array_agg(u.what ORDER BY u.what)::text[] AS used_by
        FROM used u JOIN pg_collation co ON co.oid = u.coll
        WHERE co.oid <> 100 /* the database default, checked above */
          AND co.collversion IS NOT NULL
        GROUP BY co.oid, co.collname, co.collversion
        ORDER BY co.collname`, [ctx.profile.schemas]);
      ctx.fact('Versioned collations used', rows.length);
      for (const coll of rows.filter((r) => r.recorded !== r.actual)) {
        const users = coll.used_by.slice(0, 5).join(', ') + (coll.used_by.length > 5 ? ` and ${coll.used_by.length - 5} more` : '');
        ctx.finding({
          severity: 'major',
          message: `Collation ${coll.name}: version ${coll.recorded} was recorded, but the library now provides ${coll.actual ?? 'none'} (used by ${users}): `
            + `rebuild the indexes that use it, then ALTER COLLATION ... REFRESH VERSION`,
        });
      }
    });
  },
});
