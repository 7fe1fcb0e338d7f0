import { defineProbe } from './probe.ts';

export default defineProbe({
  id: 'server-facts',
  title: 'Server facts',
  group: 'Server',
  severity: 'minor',
  what: 'Server version, database size, postmaster start time, statistics reset time and the data_checksums setting.',
  why: 'They date the crash or restore: a recent start or statistics reset says the server came back recently, and the checksum setting says whether page damage can be detected at all. Reported, never failed.',
  async run(ctx) {
    await ctx.step('Server and database', async () => {
      const [row] = await ctx.query(`
        SELECT version() AS version,
               pg_size_pretty(pg_database_size(current_database())) AS size,
               pg_postmaster_start_time() AS started,
               (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
               current_setting('data_checksums') AS checksums,
               current_database() AS database`);
      ctx.fact('Server version', row!.version);
      ctx.fact('Database', row!.database);
      ctx.fact('Database size', row!.size);
      ctx.fact('Postmaster started at', new Date(row!.started).toISOString());
      ctx.fact('Statistics reset at', row!.stats_reset ? new Date(row!.stats_reset).toISOString() : 'never');
      ctx.fact('data_checksums', row!.checksums);
    });
  },
});
