import { defineProbe, qualified } from './probe.ts';

interface Located {
  table: string;
  schema: string;
  unlogged: boolean;
  in_recovery: boolean;
}

interface Server {
  started: Date;
  up_s: number;
  stats_reset: Date | null;
}

export default defineProbe({
  id: 'crash-signs',
  title: 'Signs of a crash',
  group: 'Crash signs',
  severity: 'critical',
  what: "Tables the profile says must not be empty while another table has rows (an UNLOGGED cache emptied by crash recovery, a table a restore skipped); with the UNLOGGED tables of the profile's schemas, when the server started, and whether it discarded its statistics when it did.",
  why: 'Crash recovery empties every UNLOGGED table, and a restore can skip a table: the app then runs on with, say, a dashboard of zeros or features that silently lost their data. A server that started recently and discarded its statistics when it did has just come back from a crash or a restore.',
  async run(ctx) {
    const { schemas, mustNotBeEmpty } = ctx.profile;

    for (const rule of mustNotBeEmpty) {
      await ctx.step(`${rule.table} is not empty while ${rule.whenNotEmpty} has rows`, async () => {
        const found = await ctx.query<Located>(`
          SELECT DISTINCT ON (c.relname) c.relname AS table, n.nspname AS schema, c.relpersistence = 'u' AS unlogged,
                 pg_is_in_recovery() AS in_recovery
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY($1::text[]) AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p')
          ORDER BY c.relname, array_position($1::text[], n.nspname::text)`, [schemas, [rule.table, rule.whenNotEmpty]]);
        const table = found.find((f) => f.table === rule.table);
        const other = found.find((f) => f.table === rule.whenNotEmpty);
        if (!table || !other) {
          ctx.fact(`${rule.table} not empty`, `not checked: ${[!table && rule.table, !other && rule.whenNotEmpty].filter(Boolean).join(' and ')} missing (schema-presence reports it)`);
          return;
        }
        const unreadable = [table, other].filter((t) => t.unlogged && t.in_recovery).map((t) => t.table);
        if (unreadable.length) {
          // A server in recovery cannot read UNLOGGED tables at all (recovery-state reports it).
          ctx.fact(`${rule.table} not empty`, `not checked: the server is in recovery, where the UNLOGGED ${unreadable.join(' and ')} cannot be read`);
          return;
        }
        const emptySql = `SELECT NOT EXISTS (SELECT 1 FROM ${qualified(table.schema, table.table)}) AS empty`;
        const [emptiness] = await ctx.query<{ empty: boolean }>(emptySql);
        if (!emptiness!.empty) {
          ctx.fact(`${rule.table} not empty`, 'yes');
          return;
        }
        // Counting stops past VERITY_EXACT_COUNT_MAX_ROWS: "more than N" says enough.
        const max = ctx.thresholds.exactCountMaxRows;
        const countSql = `SELECT count(*)::bigint AS n FROM (SELECT 1 FROM ${qualified(other.schema, other.table)} LIMIT ${max + 1}) t`;
        const [row] = await ctx.query<{ n: string }>(countSql);
        const rows = Number(row!.n);
        if (rows === 0) {
          ctx.fact(`${rule.table} not empty`, `empty, as is ${rule.whenNotEmpty} (a database with no data yet)`);
          return;
        }
        ctx.fact(`${rule.table} not empty`, 'no: it is empty');
        const cause = table.unlogged
          ? 'an UNLOGGED table emptied by crash recovery'
          : 'its rows were lost (a restore that skipped its data, or a truncate)';
        ctx.finding({
          severity: 'critical',
          table: rule.table,
          count: rows,
          message: `${rule.table} is empty while ${rule.whenNotEmpty} has ${rows > max ? `more than ${max}` : rows} rows: ${cause}`,
          query: emptySql,
        });
      });
    }

    await ctx.step('UNLOGGED tables', async () => {
      const rows = await ctx.query<{ table: string }>(`
        SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND c.relpersistence = 'u'
        ORDER BY 1`, [schemas]);
      ctx.fact('UNLOGGED tables (emptied by crash recovery)', rows.length ? rows.map((r) => r.table).join(', ') : 'none');
    });

    await ctx.step('When the server started', async () => {
      // Crash recovery, and recovery from a base backup, discard the statistics and reset the
      // server-wide ones at that moment; a clean restart keeps them.
      const [row] = await ctx.query<Server>(`
        SELECT pg_postmaster_start_time() AS started,
               EXTRACT(EPOCH FROM now() - pg_postmaster_start_time())::float8 AS up_s,
               (SELECT least(a.stats_reset, b.stats_reset) FROM pg_stat_archiver a, pg_stat_bgwriter b) AS stats_reset`);
      const { started, up_s, stats_reset } = row!;
      ctx.fact('Server started', `${new Date(started).toISOString()} (${duration(up_s)} ago)`);
      const discarded = stats_reset !== null && new Date(stats_reset).getTime() >= new Date(started).getTime() - 1000;
      ctx.fact('Statistics discarded at start', discarded
        ? `yes, at ${new Date(stats_reset!).toISOString()}: the server came back from a crash or was restored from a physical backup (or all shared statistics were reset since)`
        : `no (kept since ${stats_reset ? new Date(stats_reset).toISOString() : 'an unknown time'}): the last start was a clean one`);
    });
  },
});

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
