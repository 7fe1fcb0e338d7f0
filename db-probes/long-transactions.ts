import { defineProbe, duration, noteHiddenActivity } from './probe.ts';

interface Open {
  pid: number;
  app: string;
  user: string | null;
  state: string | null;
  xact_start: Date;
  age_s: number;
}

export default defineProbe({
  id: 'long-transactions',
  title: 'Long-open transactions',
  group: 'Activity',
  severity: 'major',
  what: "Client sessions on this database (Verity's own excluded) whose transaction has been open longer than VERITY_LONG_TRANSACTION_SECONDS, whether running a query or idle in transaction.",
  why: 'A transaction left open, often by a job or client that stopped mid-way during a crash or a failover, holds its locks and keeps vacuum from cleaning up behind it: tables bloat, writes queue behind its locks, and the xid horizon stops advancing. After a restore nothing should be holding one.',
  async run(ctx) {
    const limit = ctx.thresholds.longTransactionSeconds;
    await ctx.step(`No transaction open longer than ${limit} s`, async () => {
      const sql = `
        SELECT pid, coalesce(nullif(application_name, ''), '(no application_name)') AS app, usename AS user, state, xact_start,
               EXTRACT(EPOCH FROM clock_timestamp() - xact_start)::float8 AS age_s
        FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND datname = current_database()
          AND pid <> pg_backend_pid() AND application_name <> 'verity'
          AND xact_start IS NOT NULL AND clock_timestamp() - xact_start > make_interval(secs => $1)
        ORDER BY xact_start`;
      await noteHiddenActivity(ctx, "other roles' transactions are hidden and were not checked");
      const open = await ctx.query<Open>(sql, [limit]);
      ctx.fact('Transactions open longer than the limit', `${open.length} (limit ${limit} s)`);
      for (const t of open) {
        const idle = t.state?.startsWith('idle in transaction');
        ctx.finding({
          severity: 'major',
          count: Math.round(t.age_s),
          message: `pid ${t.pid} (${t.app}${t.user ? `, role ${t.user}` : ''}, ${t.state ?? 'state unknown'}) has held a transaction open for ${duration(t.age_s)}` +
            ` since ${new Date(t.xact_start).toISOString()}, longer than VERITY_LONG_TRANSACTION_SECONDS ${limit} s` +
            (idle ? ': the client opened it and went quiet, holding its locks and holding back vacuum' : ': it holds its locks and holds back vacuum'),
          query: sql.replace(/\s+/g, ' ').trim(),
        });
      }
    });
  },
});
