// Infrastructure that fails during a run, against the demo configured as a target: its app server
// or its database stopped while the journeys run, its database stopped before the probes, a
// browser that crashes, journey credentials refused. Each run ends within its bounds, writes its
// report, and gets the exit code README's rule gives it: Verity unable to reach the target, its
// browser or a valid account is exit 2 (UNKNOWN); a target that lost its database, or an account,
// is exit 1 (NO-GO).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Demo, FaultName } from '../demo-app/src/index.ts';
import { startTarget, testAccounts } from './support/target.ts';
import { verify, type VerifyRun } from './support/verify-run.ts';

/** Longest a run may take here: its waits are bounded (health 5 s, actions 15 s, navigation 30 s, a test 60 s). */
const boundMs = 150_000;

describe('infrastructure faults during a run', { timeout: 10 * 60_000 }, () => {
  let demo: Demo;
  let target: Record<string, string>;
  before(async () => {
    demo = await startTarget();
    target = { BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_ACCESS_TTL_SECONDS: '900', VERITY_TRACE: 'off' };
  });
  after(async () => {
    await demo?.stop();
  });

  /** Runs verify (the quick subset); once the journeys have started (the first API check printed), applies the fault. */
  async function faultWhileJourneysRun(fault: FaultName): Promise<VerifyRun & { ms: number }> {
    const started = Date.now();
    let applied: Promise<void> | undefined;
    const run = await verify(target, {
      args: ['--grep', '@smoke'],
      onOutput: (output) => {
        if (!applied && /\[api\] ›/.test(output)) applied = demo.applyFault(fault);
      },
    });
    await applied;
    return { ...run, ms: Date.now() - started };
  }

  /** The run's summary, shown when an expectation on it fails. */
  const summaryOf = (run: VerifyRun) => (run.runDir && existsSync(path.join(run.runDir, 'summary.txt')) ? readFileSync(path.join(run.runDir, 'summary.txt'), 'utf8') : run.stdout.slice(-3000));

  function expectReport(run: VerifyRun & { ms: number }) {
    assert.ok(run.ms < boundMs, `ended in ${run.ms} ms`);
    assert.ok(run.runDir && existsSync(path.join(run.runDir, 'allure-report', 'index.html')), `a report was written:\n${run.stdout.slice(-2000)}`);
    assert.ok(existsSync(path.join(run.runDir!, 'summary.md')));
  }

  it('the app server stops while the journeys run: UNKNOWN, exit 2', async () => {
    try {
      const run = await faultWhileJourneysRun('app-down');
      expectReport(run);
      assert.match(summaryOf(run), /the target stopped answering during the run: http:\/\/127\.0\.0\.1:\d+\/health is unreachable/, summaryOf(run));
      assert.match(summaryOf(run), /Verdict: UNKNOWN/, summaryOf(run));
      assert.equal(run.status, 2);
    } finally {
      await demo.reset();
    }
  });

  it('the database stops while the journeys run: the target lost its database, NO-GO, exit 1', async () => {
    try {
      const run = await faultWhileJourneysRun('database-down');
      expectReport(run);
      assert.match(summaryOf(run), /the target lost its database during the run: http:\/\/127\.0\.0\.1:\d+\/health answered 503; it reports its database unreachable/, summaryOf(run));
      assert.match(summaryOf(run), /Verdict: NO-GO/, summaryOf(run));
      assert.equal(run.status, 1);
    } finally {
      await demo.reset();
    }
  });

  it('the database is stopped before the probes: journeys skipped, the target\'s own health fails, NO-GO, exit 1', async () => {
    await demo.applyFault('database-down');
    try {
      const started = Date.now();
      const run = { ...(await verify(target, { args: ['--grep', '@smoke'] })), ms: 0 };
      run.ms = Date.now() - started;
      expectReport(run);
      assert.match(summaryOf(run), /Target health: http:\/\/127\.0\.0\.1:\d+\/health answered 503; it reports its database unreachable/, summaryOf(run));
      assert.match(summaryOf(run), /Health endpoint reports the app and its database up/, summaryOf(run));
      assert.match(summaryOf(run), /Verdict: NO-GO/, summaryOf(run));
      assert.equal(run.status, 1);
    } finally {
      await demo.reset();
    }
  });

  it('the browser crashes as it starts: UNKNOWN, exit 2, the crash named', async () => {
    // A browser binary that dies of a segmentation fault as soon as it runs. (Killing a real
    // Chromium midway proved racy: a child process it leaves can keep Playwright waiting.)
    const crashing = path.join(mkdtempSync(path.join(tmpdir(), 'verity-crashing-browser-')), 'chromium');
    writeFileSync(crashing, '#!/bin/sh\nkill -SEGV $$\n');
    chmodSync(crashing, 0o755);
    const started = Date.now();
    const run = { ...(await verify({ ...target, VERITY_BROWSER: crashing }, { args: ['--grep', '@smoke'] })), ms: 0 };
    run.ms = Date.now() - started;
    expectReport(run);
    assert.match(summaryOf(run), /the browser crashed or could not start \(\d+ checks?\)/, summaryOf(run));
    assert.match(summaryOf(run), /Verdict: UNKNOWN/, summaryOf(run));
    assert.equal(run.status, 2);
  });

  it('journey credentials refused while the account exists: a configuration problem, UNKNOWN, exit 2', async () => {
    const wrong = testAccounts.map((a) => ({ ...a, password: `${a.password}-but-wrong` }));
    const started = Date.now();
    const run = { ...(await verify({ ...target, VERITY_ACCOUNTS: JSON.stringify(wrong) }, { args: ['--grep', '@smoke'] })), ms: 0 };
    run.ms = Date.now() - started;
    expectReport(run);
    assert.match(summaryOf(run), /the target refused the sign-in of qa\d@example\.test, though the users table has it: check its password in VERITY_ACCOUNTS/, summaryOf(run));
    assert.match(summaryOf(run), /Verdict: UNKNOWN/, summaryOf(run));
    assert.equal(run.status, 2);
  });

  it('a journey account missing from the users table (lost in a restore): NO-GO, exit 1', async () => {
    const lost = [{ email: 'qa-lost@example.test', password: 'lost-Passw0rd-1', role: 'qa' }, ...testAccounts.filter((a) => a.role === 'admin')];
    const started = Date.now();
    const run = { ...(await verify({ ...target, VERITY_ACCOUNTS: JSON.stringify(lost) }, { args: ['--grep', '@smoke'] })), ms: 0 };
    run.ms = Date.now() - started;
    expectReport(run);
    assert.match(summaryOf(run), /the account qa-lost@example\.test is missing from the users table/, summaryOf(run));
    assert.match(summaryOf(run), /Verdict: NO-GO/, summaryOf(run));
    assert.equal(run.status, 1);
  });
});
