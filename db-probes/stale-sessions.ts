import { defineProbe, ident, qualified } from './probe.ts';

interface Located {
  table: string;
  schema: string;
  has_column: boolean;
}

export default defineProbe({
  id: 'stale-sessions',
  title: 'Expired sessions still active',
  group: 'Sessions',
  severity: 'major',
  what: "For every session or token table in the profile: the rows whose expiry time has passed but that are still marked active, against the number the profile tolerates.",
  why: "A restore can bring back sessions that were long over, and a crash can stop the job that ends them: expired sessions that still count as signed in are a security hole, and a sign that the app's housekeeping is not running.",
  async run(ctx) {
    const { schemas, sessions } = ctx.profile;
    if (!sessions.length) ctx.skip('the profile lists no session tables');
    for (const rule of sessions) {
      await ctx.step(`${rule.table}: expired but still active (at most ${rule.maxExpiredActive})`, async () => {
        // The first of the profile's schemas that holds the table, as a search_path would find it.
        const [found] = await ctx.query<Located>(`
          SELECT c.relname AS table, n.nspname AS schema,
                 EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped) AS has_column
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY($1::text[]) AND c.relname = $2 AND c.relkind IN ('r', 'p')
          ORDER BY array_position($1::text[], n.nspname::text) LIMIT 1`, [schemas, rule.table, rule.expiresColumn]);
        if (!found) {
          ctx.fact(`${rule.table}: expired but active`, 'not checked: the table is missing (schema-presence reports it)');
          return;
        }
        if (!found.has_column) {
          ctx.finding({
            severity: 'major',
            table: rule.table,
            column: rule.expiresColumn,
            message: `${rule.table}.${rule.expiresColumn} does not exist: expired sessions cannot be checked (the schema and the profile disagree)`,
          });
          return;
        }
        const expires = `s.${ident(rule.expiresColumn)}`;
        const sql = `SELECT count(*)::bigint AS n, min(${expires}) AS oldest
                     FROM ${qualified(found.schema, found.table)} s
                     WHERE ${expires} < now() AND (${rule.activeWhere})`;
        const [row] = await ctx.query<{ n: string; oldest: Date | null }>(sql);
        const count = Number(row!.n);
        ctx.fact(`${rule.table}: expired but active`, `${count} (at most ${rule.maxExpiredActive} tolerated)`);
        if (count > rule.maxExpiredActive) {
          ctx.finding({
            severity: 'major',
            table: rule.table,
            column: rule.expiresColumn,
            count,
            message: `${rule.table}: ${count} rows past ${rule.expiresColumn} are still active (${rule.activeWhere}), more than the ${rule.maxExpiredActive} tolerated;` +
              ` the oldest expired at ${new Date(row!.oldest!).toISOString()}: is the job that ends expired sessions running?`,
            query: sql.replace(/\s+/g, ' '),
          });
        }
      });
    }
  },
});
