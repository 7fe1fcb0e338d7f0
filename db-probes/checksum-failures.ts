import { defineProbe } from './probe.ts';

/** Statistics younger than this cover too short a time for a zero to mean much. */
const recentHours = 24;

interface Counters {
  database: string | null;
  failures: string | null;
  last_failure: Date | null;
}

interface Setting {
  checksums: string;
  database: string;
  stats_reset: Date | null;
  server_stats_reset: Date | null;
  started: Date;
  now: Date;
}

export default defineProbe({
  id: 'checksum-failures',
  title: 'Data-page checksum failures',
  group: 'Integrity',
  severity: 'critical',
  what: "pg_stat_database's count of data pages that failed their checksum when read (for this database and the shared catalogs), read together with whether data checksums are on at all and since when the count runs.",
  why: 'A page that fails its checksum was damaged on disk or in a copy: a crash on bad hardware or a file-level restore. Queries touching it fail with "invalid page", and the damage spreads to backups. The count only covers pages read since the statistics began, and a crash or a restore resets it, so a zero soon after either proves little.',
  async run(ctx) {
    await ctx.step('Data checksums are on, and since when failures are counted', async () => {
      const [s] = await ctx.query<Setting>(`
        SELECT current_setting('data_checksums') AS checksums, current_database() AS database,
               (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
               (SELECT least(a.stats_reset, b.stats_reset) FROM pg_stat_archiver a, pg_stat_bgwriter b) AS server_stats_reset,
               pg_postmaster_start_time() AS started, now() AS now`);
      const { checksums, stats_reset, server_stats_reset, started, now } = s!;
      ctx.fact('data_checksums', checksums);
      if (checksums !== 'on') {
        ctx.finding({
          severity: 'minor',
          message: `Data checksums are off in this cluster (data_checksums = ${checksums}): damaged pages cannot be detected, so a zero count proves nothing (enable with pg_checksums on a stopped cluster)`,
        });
      }
      // pg_stat_database.stats_reset is set by pg_stat_reset(); it stays empty when the counters
      // never were reset or were dropped by crash recovery, and the server-wide statistics,
      // reset at that same moment, then date them.
      const since = stats_reset ?? server_stats_reset;
      if (!since) {
        ctx.fact('Checksum failures counted since', 'unknown (no statistics reset time is recorded)');
        return;
      }
      const seconds = (new Date(now).getTime() - new Date(since).getTime()) / 1000;
      const source = stats_reset
        ? 'stats_reset of this database'
        : "when the server's statistics began or were last discarded; stats_reset is empty";
      // Crash recovery and recovery from a base backup discard the statistics as the server starts.
      const atStart = !stats_reset && new Date(since).getTime() >= new Date(started).getTime() - 1000;
      const why = stats_reset ? "this database's statistics were reset (pg_stat_reset())"
        : atStart ? 'the server discarded its statistics when it started (after a crash or a restore)'
        : "the server's statistics began";
      const caveat = seconds < recentHours * 3600
        ? `: ${why} only ${duration(seconds)} ago, so a zero proves little (pages damaged before then, or not read since, are not counted)`
        : '';
      ctx.fact('Checksum failures counted since', `${new Date(since).toISOString()} (${source})${caveat}`);
    });

    await ctx.step('No checksum failures', async () => {
      const rows = await ctx.query<Counters>(`
        SELECT datname AS database, checksum_failures::text AS failures, checksum_last_failure AS last_failure
        FROM pg_stat_database WHERE datname = current_database() OR datid = 0
        ORDER BY datid DESC`);
      for (const row of rows) {
        const where = row.database ? `database ${row.database}` : 'the shared catalogs';
        if (row.failures === null) continue; // data checksums off: nothing is counted
        const failures = Number(row.failures);
        ctx.fact(`Checksum failures in ${where}`, failures);
        if (failures > 0) {
          ctx.finding({
            severity: 'critical',
            count: failures,
            message: `${failures} data-page checksum failure${failures === 1 ? '' : 's'} in ${where}, the last at ${row.last_failure ? new Date(row.last_failure).toISOString() : 'an unknown time'}: pages are damaged on disk; find them in the server log and restore from a sound backup`,
          });
        }
      }
    });
  },
});

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
