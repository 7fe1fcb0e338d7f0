// Findings a baseline accepts: shown as accepted with their reason and never failing, failing
// again when worse or past their date, warned about when nobody gave a reason, and listed for
// pruning when gone. Against the real demo under a real fault (orphaned sessions), through the
// runner that applies them, and through the verdict a release manager reads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Demo } from '../demo-app/src/index.ts';
import acceptedFindings from '../db-probes/accepted-findings.ts';
import inferredReferences from '../db-probes/inferred-references.ts';
import { runProbes } from '../db-probes/runner.ts';
import { acceptedEntries } from '../src/acceptance.ts';
import type { AcceptedFinding, Baseline } from '../src/baseline.ts';
import type { ProbeRun } from '../src/findings.ts';
import { verdictOf } from '../src/verdict.ts';
import { defaultProfile, healthyBaselineFile, startTarget, testConfig } from './support/target.ts';

let demo: Demo;
let healthy: Baseline;
/** What the fault makes inferred-references find, as `npm run baseline` would accept it. */
let entries: AcceptedFinding[];

before(async () => {
  demo = await startTarget();
  healthy = JSON.parse(readFileSync(healthyBaselineFile, 'utf8'));
  await demo.applyFault('orphaned-sessions');
  entries = acceptedEntries((await probeWith([])).outcomes);
});
after(async () => {
  try {
    await demo?.reset();
  } finally {
    await demo?.stop();
  }
});

async function probeWith(accepted: AcceptedFinding[]): Promise<ProbeRun> {
  return runProbes({
    databaseURL: demo.verifierDatabaseURL, config: testConfig(), profile: await defaultProfile(),
    probes: [inferredReferences, acceptedFindings], baseline: { file: 'app.baseline.json', recorded: { ...healthy, accepted } },
  });
}
const outcome = (run: ProbeRun, id: string) => run.outcomes.find((o) => o.id === id)!;
const reviewed = (reason: string, change: Partial<AcceptedFinding> = {}) => entries.map((e) => ({ ...e, reason, ...change }));

describe('findings accepted in a baseline', () => {
  it('the fault is found and recorded as entries to accept: probe, table, count, an empty reason', () => {
    assert.ok(entries.length >= 2, `the orphaned sessions give findings to accept: ${JSON.stringify(entries)}`);
    assert.ok(entries.every((e) => e.probe === 'inferred-references' && e.reason === ''), 'recorded for inferred-references, reasons left for a person');
    assert.ok(entries.some((e) => e.table === 'user_sessions' && typeof e.count === 'number'), 'with its table and count');
  });

  it('accepted with a reason: shown as accepted with it, the check passes, the verdict is GO WITH WARNINGS', async () => {
    const run = await probeWith(reviewed('sessions of deleted users are swept nightly'));
    const found = outcome(run, 'inferred-references');
    assert.equal(found.status, 'passed', JSON.stringify(found.findings));
    assert.ok(found.findings.length >= 2 && found.findings.every((f) => f.accepted?.reason === 'sessions of deleted users are swept nightly'), 'every finding still there, marked accepted with its reason');
    const review = outcome(run, 'accepted-findings');
    assert.equal(review.status, 'passed', JSON.stringify(review.findings));
    assert.deepEqual(review.findings, [], 'nothing to warn about: every entry reviewed and found');
    assert.ok(review.facts.some((f) => f.value === 'sessions of deleted users are swept nightly'), 'the report lists each accepted finding with its reason');
    const verdict = verdictOf({ probes: run, failedJourneys: [], unobserved: [] });
    assert.equal(verdict.name, 'GO WITH WARNINGS', verdict.headline);
    assert.ok(verdict.warnings.some((w) => w.startsWith('inferred-references: accepted: user_sessions.user_id')), verdict.warnings.join('\n'));
  });

  it('accepted without a reason: accepted, and a warning that nobody reviewed it', async () => {
    const run = await probeWith(reviewed(''));
    assert.equal(outcome(run, 'inferred-references').status, 'passed', 'accepted all the same');
    const review = outcome(run, 'accepted-findings');
    assert.deepEqual(review.findings.map((f) => f.severity), ['minor'], JSON.stringify(review.findings));
    assert.match(review.findings[0]!.message, /accepted findings have no reason in app\.baseline\.json: nobody has reviewed them yet/);
  });

  it('past its until date: fails again, saying so', async () => {
    const run = await probeWith(reviewed('swept nightly', { until: '2026-01-31' }));
    const found = outcome(run, 'inferred-references');
    assert.equal(found.status, 'failed', 'the expired acceptance no longer holds');
    assert.ok(found.findings.some((f) => !f.accepted && /accepted in the baseline until 2026-01-31, which has passed/.test(f.message)), JSON.stringify(found.findings));
    assert.equal(verdictOf({ probes: run, failedJourneys: [], unobserved: [] }).name, 'NO-GO', 'the verdict follows');
  });

  it('worse than accepted (the count grew): fails again, with both counts', async () => {
    const run = await probeWith(reviewed('swept nightly').map((e) => (e.count ? { ...e, count: e.count - 5 } : e)));
    const found = outcome(run, 'inferred-references');
    assert.equal(found.status, 'failed', 'more orphans than accepted');
    assert.ok(found.findings.some((f) => /worse than the baseline accepted: \d+ then, \d+ now/.test(f.message)), JSON.stringify(found.findings));
  });

  it('another table affected: not covered by an entry for the first, so it fails', async () => {
    const run = await probeWith(reviewed('swept nightly').map((e) => ({ ...e, table: 'auth_tokens', message: e.message.replace(/user_sessions/g, 'auth_tokens') })));
    assert.equal(outcome(run, 'inferred-references').status, 'failed', 'an entry for auth_tokens accepts nothing on user_sessions');
  });

  it('an entry no finding matches any more: listed for pruning', async () => {
    const gone: AcceptedFinding = { probe: 'data-rules', severity: 'major', message: 'users.email: 3 rows are empty or blank', table: 'users', column: 'email', count: 3, reason: 'old import' };
    const run = await probeWith([...reviewed('swept nightly'), gone]);
    const review = outcome(run, 'accepted-findings');
    assert.deepEqual(review.findings.map((f) => f.severity), ['minor'], JSON.stringify(review.findings));
    assert.match(review.findings[0]!.message, /1 accepted finding is no longer found: prune with npm run baseline -- --update app\.baseline\.json \(data-rules: users\.email: 3 rows are empty or blank\)/);
  });
});
