import { defineProbe } from './probe.ts';

export default defineProbe({
  id: 'recovery-state',
  title: 'Primary or standby',
  group: 'Connectivity',
  severity: 'critical',
  what: 'pg_is_in_recovery(): whether the server is still replaying WAL (a standby, or a restore that never finished).',
  why: 'A restored server left with standby.signal or recovery settings stays read-only: every sign-in, which writes a session row, fails.',
  async run(ctx) {
    await ctx.step('pg_is_in_recovery()', async () => {
      const [row] = await ctx.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
      ctx.fact('In recovery', row!.recovery);
      if (row!.recovery && ctx.profile.primary) {
        ctx.finding({ severity: 'critical', message: 'The server is in recovery (read-only) but the profile says the target is a primary', query: 'SELECT pg_is_in_recovery()' });
      }
    });
  },
});
