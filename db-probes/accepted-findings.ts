import { defineProbe } from './probe.ts';

export default defineProbe({
  id: 'accepted-findings',
  title: 'Findings accepted in the baseline',
  group: 'Baseline',
  severity: 'minor',
  runsLast: true,
  what: "How this run's findings met the ones the baseline accepts as the known-good state: each accepted finding with its reason; entries with no reason yet (a warning: nobody reviewed them); entries past their `until` date or found worse (their findings fail again, in their own checks); entries no longer found, to prune with npm run baseline -- --update FILE.",
  why: 'A database that was never perfect still needs a verdict that turns red only on damage. Accepting what exists, with a reason a person wrote, keeps the run green on the known-good state without hiding anything: the accepted findings stay in the report, and anything new or worse fails.',
  async run(ctx) {
    if (!ctx.baseline || !ctx.acceptance) return ctx.skip('no baseline: record the known-good state with npm run baseline -- --out FILE, then set VERITY_BASELINE=FILE');
    const { file } = ctx.baseline;
    const review = ctx.acceptance;
    await ctx.step('Findings accepted this run', async () => {
      for (const { probe, finding, entry } of review.accepted) {
        ctx.fact(`${probe}: ${finding.message}`, `${entry.reason.trim() || 'no reason given yet'}${entry.until ? ` (until ${entry.until})` : ''}`);
      }
      if (!review.accepted.length) ctx.fact('Accepted this run', 'none');
    });
    await ctx.step('Every accepted entry has a reason', async () => {
      if (review.unreviewed.length) {
        ctx.finding({
          severity: 'minor', count: review.unreviewed.length,
          message: `${review.unreviewed.length} accepted finding${review.unreviewed.length === 1 ? ' has' : 's have'} no reason in ${file}: nobody has reviewed ${review.unreviewed.length === 1 ? 'it' : 'them'} yet (${review.unreviewed.map((e) => e.probe).join(', ')})`,
        });
      }
    });
    await ctx.step('Accepted entries still current', async () => {
      for (const entry of review.expired) ctx.fact(`Expired on ${entry.until}`, `${entry.probe}: ${entry.message} (fails again in its own check)`);
      for (const { probe, finding, entry } of review.worse) ctx.fact('Worse than accepted', `${probe}: ${finding.message} (accepted at ${entry.count})`);
      if (review.noLongerFound.length) {
        ctx.finding({
          severity: 'minor', count: review.noLongerFound.length,
          message: `${review.noLongerFound.length} accepted finding${review.noLongerFound.length === 1 ? ' is' : 's are'} no longer found: prune with npm run baseline -- --update ${file} (${review.noLongerFound.map((e) => `${e.probe}: ${e.message}`).join('; ')})`,
        });
      }
    });
  },
});
