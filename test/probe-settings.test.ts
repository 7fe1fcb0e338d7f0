// Design choices are not damage on a database Verity knows nothing of: foreign keys without an
// index and tables without a primary key are warnings by default; a profile raises or lowers any
// probe's severity, or turns a probe off, always with a reason the report shows. Against the demo
// under the faults that trip those probes, with the demo's own profile and with one that says nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Demo, FaultName } from '../demo-app/src/index.ts';
import { probes } from '../db-probes/index.ts';
import { runProbes } from '../db-probes/runner.ts';
import inferredReferences from '../db-probes/inferred-references.ts';
import missingPrimaryKeys from '../db-probes/missing-primary-keys.ts';
import unindexedForeignKeys from '../db-probes/unindexed-foreign-keys.ts';
import type { ProbeOutcome } from '../src/findings.ts';
import { defineProfile, type Profile } from '../src/profile.ts';
import { profileProblems } from '../run/prepare.ts';
import { defaultProfile, startTarget, testConfig, underFault } from './support/target.ts';

let demo: Demo;
let demoProfile: Profile;
before(async () => {
  demo = await startTarget();
  demoProfile = await defaultProfile();
});
after(async () => {
  await demo?.stop();
});

async function outcomeUnder(fault: FaultName, profile: Profile, probe = unindexedForeignKeys): Promise<ProbeOutcome> {
  return underFault(demo, fault, async () => (await runProbes({ databaseURL: demo.verifierDatabaseURL, config: testConfig(), profile, probes: [probe] })).outcomes[0]!);
}

const withProbes = (probesSetting: Profile['database']['probes']): Profile => ({ ...demoProfile, database: { ...demoProfile.database, probes: probesSetting } });

describe('probe severities a profile sets', () => {
  it('by default, a foreign key without an index and a table without a primary key are warnings: the probe passes', async () => {
    const unindexed = await outcomeUnder('missing-fk-index', withProbes({}));
    assert.equal(unindexed.status, 'passed');
    assert.deepEqual(unindexed.findings.map((f) => [f.severity, f.table]), [['minor', 'auth_tokens']]);
    assert.equal(unindexed.severitySet, undefined);
    const keyless = await outcomeUnder('missing-primary-key', withProbes({}), missingPrimaryKeys);
    assert.equal(keyless.status, 'passed');
    assert.deepEqual(keyless.findings.map((f) => [f.severity, f.table]), [['minor', 'todos']]);
  });

  it('the demo\'s profile raises them back, with its reason: they fail', async () => {
    const unindexed = await outcomeUnder('missing-fk-index', demoProfile);
    assert.equal(unindexed.status, 'failed');
    assert.deepEqual(unindexed.findings.map((f) => f.severity), ['major']);
    assert.equal(unindexed.severitySet?.severity, 'major');
    assert.match(unindexed.severitySet!.reason, /indexed by its migrations/);
    assert.equal(unindexed.steps[0]!.status, 'failed');
  });

  it('a profile lowers a failing probe to a warning, or turns it off, saying why', async () => {
    const lowered = await outcomeUnder('dropped-foreign-key', withProbes({ 'inferred-references': { severity: 'minor', enabled: true, reason: 'Our ORM keeps these references, not the database.' } }), inferredReferences);
    assert.equal(lowered.status, 'passed');
    assert.ok(lowered.findings.length > 0 && lowered.findings.every((f) => f.severity === 'minor'));
    assert.equal(lowered.steps.find((s) => s.findings.length)!.status, 'warning');
    const off = await outcomeUnder('dropped-foreign-key', withProbes({ 'inferred-references': { enabled: false, reason: 'Checked by the ORM\'s own tooling instead.' } }), inferredReferences);
    assert.equal(off.status, 'skipped');
    assert.equal(off.skipReason, 'turned off by the profile: Checked by the ORM\'s own tooling instead.');
  });

  it('a setting needs its reason, and names a probe that exists', () => {
    assert.throws(() => defineProfile({ ...demoProfile, database: { ...demoProfile.database, probes: { 'missing-primary-keys': { severity: 'minor', reason: '' } } } }), /database\.probes\.missing-primary-keys\.reason: expected the reason/);
    assert.deepEqual(profileProblems(withProbes({ 'no-such-probe': { enabled: false, reason: 'a reason long enough' } })), [
      `VERITY_PROFILE: database.probes names "no-such-probe", which is no probe (known: ${probes.map((p) => p.id).join(', ')})`,
    ]);
  });
});
