import { defineProbe, duration, noteHiddenActivity } from './probe.ts';

interface Waiter {
  pid: number;
  app: string;
  mode: string | null;
  locktype: string | null;
  relation: string | null;
  waiting_since: Date;
  wait_s: number;
  blockers: { pid: number; app: string; state: string | null; xact_age_s: number | null }[];
}

export default defineProbe({
  id: 'blocked-locks',
  title: 'Sessions blocked on locks',
  group: 'Activity',
  severity: 'major',
  what: 'Sessions on this database that wait on a lock held by another session (pg_blocking_pids) for longer than VERITY_LOCK_WAIT_SECONDS, with the table and the sessions blocking them.',
  why: 'A session that waits on a lock makes its user wait, and everything queued behind it waits too: one stuck transaction left over from a crash, a failed deploy or a manual repair can freeze sign-ins and saves while the app still answers /health.',
  async run(ctx) {
    const limit = ctx.thresholds.lockWaitSeconds;
    await ctx.step(`No session waits on a lock longer than ${limit} s`, async () => {
      await noteHiddenActivity(ctx, "other roles' sessions are hidden and were not checked");
      // The wait began at the ungranted lock's waitstart; the waiter's state_change (when its
      // statement began) stands in while waitstart is not yet filled in. A row-lock wait is on a
      // transaction id: the tuple lock the waiter holds, or waits for, names the table.
      const sql = `
        WITH waiting AS (
          SELECT a.pid, a.application_name, a.state_change, pg_blocking_pids(a.pid) AS blocked_by
          FROM pg_stat_activity a
          WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.wait_event_type = 'Lock'
        )
        SELECT w.pid, coalesce(nullif(w.application_name, ''), '(no application_name)') AS app,
               l.mode, l.locktype, rel.relation,
               coalesce(l.waitstart, w.state_change) AS waiting_since,
               EXTRACT(EPOCH FROM clock_timestamp() - coalesce(l.waitstart, w.state_change))::float8 AS wait_s,
               (SELECT json_agg(json_build_object(
                         'pid', b.pid, 'app', coalesce(nullif(b.application_name, ''), '(no application_name)'), 'state', b.state,
                         'xact_age_s', EXTRACT(EPOCH FROM clock_timestamp() - b.xact_start)::float8) ORDER BY b.pid)
                FROM pg_stat_activity b WHERE b.pid = ANY(w.blocked_by)) AS blockers
        FROM waiting w
        LEFT JOIN LATERAL (
          SELECT l.mode, l.locktype, l.waitstart
          FROM pg_locks l WHERE l.pid = w.pid AND NOT l.granted ORDER BY l.waitstart NULLS LAST LIMIT 1
        ) l ON true
        LEFT JOIN LATERAL (
          SELECT string_agg(DISTINCT n.nspname || '.' || c.relname, ', ') AS relation
          FROM pg_locks t JOIN pg_class c ON c.oid = t.relation JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE t.pid = w.pid AND t.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND (NOT t.granted OR t.locktype = 'tuple') AND c.relkind IN ('r', 'p', 'm')
        ) rel ON true
        WHERE cardinality(w.blocked_by) > 0
          AND clock_timestamp() - coalesce(l.waitstart, w.state_change) > make_interval(secs => $1)
        ORDER BY waiting_since`;
      const waiters = await ctx.query<Waiter>(sql, [limit]);
      ctx.fact('Sessions waiting on a lock longer than the limit', `${waiters.length} (limit ${limit} s)`);
      for (const w of waiters) {
        const lock = !w.mode ? 'a lock' : w.locktype === 'transactionid' || w.locktype === 'tuple'
          ? `a row lock (${w.mode} on a ${w.locktype})` : `a ${w.mode} on a ${w.locktype}`;
        const blockers = (w.blockers ?? [])
          .map((b) => `pid ${b.pid} (${b.app}, ${b.state ?? 'state unknown'}${b.xact_age_s !== null ? `, transaction open ${duration(b.xact_age_s)}` : ''})`)
          .join(', ');
        ctx.finding({
          severity: 'major',
          table: w.relation ?? undefined,
          count: Math.round(w.wait_s),
          message: `pid ${w.pid} (${w.app}) has waited ${duration(w.wait_s)} for ${lock}${w.relation ? ` on ${w.relation}` : ''}` +
            ` (longer than VERITY_LOCK_WAIT_SECONDS ${limit} s), blocked by ${blockers || 'a session Verity cannot see'}`,
          query: sql.replace(/\s+/g, ' ').trim(),
        });
      }
    });
  },
});
