import { defineProbe, ident, qualified } from './probe.ts';

interface Located {
  table: string;
  schema: string;
  /** format_type() of the column, or null when the column does not exist. */
  type: string | null;
}

const timeTypes = new Set(['timestamp with time zone', 'timestamp without time zone', 'date']);

export default defineProbe({
  id: 'freshness',
  title: 'Newest data is recent',
  group: 'Freshness',
  severity: 'critical',
  what: 'For every table the profile names, the newest value of its timestamp column (e.g. the latest message): it must be younger than the age the profile allows, and the table must not be empty.',
  why: 'After a restore, an app that starts and signs people in can still be serving data from an old backup: days of messages and events silently gone. A newest row that is days old is the mark of a restore from the wrong or an outdated backup.',
  async run(ctx) {
    const { schemas, freshness } = ctx.profile;
    if (!freshness.length) ctx.skip('the profile lists no tables whose newest row must be recent');
    for (const rule of freshness) {
      const name = `${rule.table}.${rule.column}`;
      await ctx.step(`${name}: newest value at most ${rule.maxAgeHours} h old`, async () => {
        const [found] = await ctx.query<Located>(`
          SELECT c.relname AS table, n.nspname AS schema,
                 (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped) AS type
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY($1::text[]) AND c.relname = $2 AND c.relkind IN ('r', 'p')
          ORDER BY array_position($1::text[], n.nspname::text) LIMIT 1`, [schemas, rule.table, rule.column]);
        if (!found) {
          ctx.fact(`${name} newest`, 'not checked: the table is missing (schema-presence reports it)');
          return;
        }
        if (!found.type || !timeTypes.has(found.type)) {
          ctx.finding({
            severity: 'major',
            table: rule.table,
            column: rule.column,
            message: found.type
              ? `${name} is of type ${found.type}, not a date or timestamp: its freshness cannot be checked (the schema and the profile disagree)`
              : `${name} does not exist: its freshness cannot be checked (the schema and the profile disagree)`,
          });
          return;
        }
        const newestValue = `max(t.${ident(rule.column)})::timestamptz`;
        const sql = `SELECT ${newestValue} AS newest, EXTRACT(EPOCH FROM now() - ${newestValue})::float8 AS age_s
                     FROM ${qualified(found.schema, found.table)} t`;
        const [row] = await ctx.query<{ newest: Date | null; age_s: number | null }>(sql);
        const query = sql.replace(/\s+/g, ' ');
        if (row!.newest === null) {
          ctx.fact(`${name} newest`, 'none: the table is empty');
          ctx.finding({
            severity: 'critical',
            table: rule.table,
            column: rule.column,
            message: `${rule.table} is empty: ${name} has no newest value, where rows younger than ${rule.maxAgeHours} h were expected (restored from an empty or old backup?)`,
            query,
          });
          return;
        }
        const newest = new Date(row!.newest).toISOString();
        const age = row!.age_s!;
        ctx.fact(`${name} newest`, `${newest} (${describeAge(age)} ago)`);
        if (age > rule.maxAgeHours * 3600) {
          ctx.finding({
            severity: 'critical',
            table: rule.table,
            column: rule.column,
            message: `${name}: the newest value is ${newest}, ${describeAge(age)} old, older than the ${rule.maxAgeHours} h allowed: the mark of a restore from an old backup`,
            query,
          });
        } else if (age < -3600) {
          ctx.finding({
            severity: 'minor',
            table: rule.table,
            column: rule.column,
            message: `${name}: the newest value is ${newest}, ${describeAge(-age)} in the future: the app's or the server's clock is wrong, and freshness cannot be judged`,
            query,
          });
        }
      });
    }
  },
});

function describeAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
