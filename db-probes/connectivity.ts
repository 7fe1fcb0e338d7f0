import { defineProbe } from './probe.ts';

export default defineProbe({
  id: 'connectivity',
  title: 'Database connectivity and round-trip latency',
  group: 'Connectivity',
  severity: 'critical',
  what: 'Connects as Verity and measures the round-trip time of a trivial query against the latency budget.',
  why: 'Nothing else can be checked, and the app cannot work, when the database does not answer; a slow round trip after a restore often means a cold cache or a saturated host.',
  async run(ctx) {
    await ctx.step('Round trip of SELECT 1', async () => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await ctx.query('SELECT 1');
        samples.push(performance.now() - started);
      }
      const median = samples.sort((a, b) => a - b)[2]!;
      ctx.fact('Round-trip latency (median of 5)', `${median.toFixed(2)} ms`);
      if (median > ctx.thresholds.dbLatencyMs) {
        ctx.finding({ severity: 'major', message: `Round-trip latency ${median.toFixed(1)} ms exceeds the budget of ${ctx.thresholds.dbLatencyMs} ms` });
      }
    });
  },
});
