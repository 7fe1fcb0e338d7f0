// The nightly workflow's flow, run here without GitHub (.github/workflows/nightly.yml does the
// same, job by job): the database checks once (npm run probe -- --out), the journeys in two shards
// that take those results instead of probing again, then npm run verify:merge. The merged run has
// the same tests, outcomes and verdict as one unsharded run; and Verity changed no business data.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Demo } from '../demo-app/src/index.ts';
import { adminQuery, healthyBaselineFile, startTarget } from './support/target.ts';
import { runScrubbed, testOutcomes, verify, type VerifyRun } from './support/verify-run.ts';

/** Rows per table: what a run must leave as it found it, but for the sign-in's own bookkeeping. */
async function businessRows(demo: Demo): Promise<Record<string, number>> {
  // Signing in and out writes sessions, refresh tokens, security events and the last sign-in time.
  const bookkeeping = ['user_sessions', 'auth_tokens', 'security_events', 'access_audit_logs'];
  const tables = await adminQuery<{ name: string }>(demo, "SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind = 'r' ORDER BY 1");
  const counts: Record<string, number> = {};
  for (const { name } of tables.filter((t) => !bookkeeping.includes(t.name))) counts[name] = Number((await adminQuery<{ n: string }>(demo, `SELECT count(*) AS n FROM "${name}"`))[0]!.n);
  return counts;
}

// Verity's setup and the application-log check run in every shard (setup is the journeys' dependency, the log check its teardown).
const outcomesOf = (run: VerifyRun) => [...new Set(testOutcomes(run.runDir!).map((o) => `${o.project} › ${o.title}: ${o.status}`))].sort();
const verdictOf = (run: VerifyRun) => /^ {2}Verdict: (.+)$/m.exec(run.stdout)?.[1];

describe('a sharded run (database pass, two shards, merge) against the demo', () => {
  let demo: Demo;
  const work = mkdtempSync(path.join(tmpdir(), 'verity-sharded-'));
  let target: Record<string, string>;
  let probe: Awaited<ReturnType<typeof runScrubbed>>;
  let shards: VerifyRun[];
  let merged: VerifyRun;
  let whole: VerifyRun;
  let before_: Record<string, number>;

  before(async () => {
    demo = await startTarget();
    target = { BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_APP_LOG_FILE: demo.appLogFile, VERITY_ACCESS_TTL_SECONDS: '900', VERITY_TRACE: 'off' };
    before_ = await businessRows(demo);
    const probeResults = path.join(work, 'probe-results.json');
    // With the same baseline the unsharded run compares with (the tests' VERITY_BASELINE).
    probe = await runScrubbed('probe', { env: { DATABASE_URL: demo.verifierDatabaseURL, VERITY_BASELINE: healthyBaselineFile }, args: ['--out', probeResults] });
    shards = [];
    for (const shard of ['1/2', '2/2']) shards.push(await verify({ ...target, VERITY_PROBE_RESULTS: probeResults }, { args: [`--shard=${shard}`] }));
    merged = await verify(target, { script: 'verify:merge', args: shards.map((s) => s.runDir!) });
    whole = await verify(target);
  });
  after(async () => {
    await demo?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('the database pass writes the probe results the shards take', () => {
    assert.equal(probe.status, 0, probe.stdout + probe.stderr);
    for (const shard of shards) {
      const database = testOutcomes(shard.runDir!).filter((o) => o.project === 'database');
      assert.ok(database.every((o) => o.status === 'passed'), 'each shard reports the database checks it was given');
    }
    const shardTitles = shards.map((s) => testOutcomes(s.runDir!).filter((o) => o.project !== 'setup').map((o) => o.title));
    assert.ok(shardTitles.every((t) => t.length > 0), 'both shards ran tests');
  });

  it('the merged run has the same tests, outcomes and verdict as one unsharded run', () => {
    assert.equal(merged.status, whole.status, merged.stdout + merged.stderr);
    assert.equal(merged.status, 0, merged.stdout);
    assert.deepEqual(outcomesOf(merged), outcomesOf(whole));
    const perShard = shards.map((s) => testOutcomes(s.runDir!).filter((o) => !['setup', 'app-log'].includes(o.project)).length);
    assert.equal(perShard[0]! + perShard[1]!, testOutcomes(whole.runDir!).filter((o) => !['setup', 'app-log'].includes(o.project)).length, 'each check ran in exactly one shard');
    assert.equal(verdictOf(merged), verdictOf(whole));
    assert.match(merged.stdout, /Report: \S+allure-report\/index\.html/);
  });

  it('the runs changed no business data: only sign-in bookkeeping', async () => {
    assert.deepEqual(await businessRows(demo), before_);
  });
});
