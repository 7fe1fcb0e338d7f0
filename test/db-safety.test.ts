// Verity is safe to point at production: nothing it is given can make it write, no lock it takes
// outlives the step that took it, a database that stops answering ends the run within a bound
// (with a report and exit 2), and what Verity could not observe is told apart from damage.
// Every case here runs against the real demo database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Demo } from '../demo-app/src/index.ts';
import { defineProbe, type Probe } from '../db-probes/probe.ts';
import { runProbes } from '../db-probes/runner.ts';
import staleSessions from '../db-probes/stale-sessions.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { GuardedDatabase } from '../src/db.ts';
import type { ProbeRun } from '../src/findings.ts';
import { defineProfile, type Profile } from '../src/profile.ts';
import { startFreezingProxy } from './support/freezing-proxy.ts';
import { adminQuery, defaultProfile, emptyEnvDir, startTarget, testConfig } from './support/target.ts';
import { runScrubbed, verify } from './support/verify-run.ts';

let demo: Demo;
let profile: Profile;
before(async () => {
  demo = await startTarget();
  profile = await defaultProfile();
});
after(async () => {
  await demo?.stop();
});

/** A probe written for one case: its steps are what the case needs. */
const caseProbe = (id: string, run: Probe['run']): Probe =>
  defineProbe({ id, title: id, group: 'Server', severity: 'major', what: 'A probe made for one test case.', why: 'It shows what the runner does.', run });

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('nothing Verity is given can make it write', () => {
  it('a DATABASE_URL whose parameters would loosen Verity\'s session settings is refused, naming them', () => {
    for (const parameter of ['options=-c%20default_transaction_read_only%3Doff', 'application_name=anything', 'statement_timeout=0']) {
      const name = parameter.split('=')[0]!;
      assert.throws(
        () => loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir, DATABASE_URL: `${demo.verifierDatabaseURL}?${parameter}` } }),
        (err: ConfigError) => err.problems.some((p) => p.startsWith(`DATABASE_URL: the parameter ${name} would set what Verity forces on its sessions`)),
      );
    }
  });

  it('whatever the connection string asks, every session is read-only, time-boxed and named verity', async () => {
    const options = encodeURIComponent('-c default_transaction_read_only=off -c statement_timeout=0 -c lock_timeout=0 -c application_name=not-verity');
    const db = new GuardedDatabase(`${demo.adminDatabaseURL}?options=${options}`, { statementTimeoutMs: 4321, lockTimeoutMs: 1234 });
    try {
      const [settings] = await db.readOnly((s) => s.query(`
        SELECT current_setting('default_transaction_read_only') AS default_read_only, current_setting('transaction_read_only') AS read_only,
               current_setting('statement_timeout') AS statement_timeout, current_setting('lock_timeout') AS lock_timeout,
               current_setting('application_name') AS application_name`));
      assert.deepEqual(settings, { default_read_only: 'on', read_only: 'on', statement_timeout: '4321ms', lock_timeout: '1234ms', application_name: 'verity' });
    } finally {
      await db.end();
    }
  });

  const hostile = 'true); COMMIT; BEGIN READ WRITE; CREATE TABLE public.verity_was_here (x int); COMMIT; SELECT (true';

  it('a profile fragment that tries to end Verity\'s transaction is refused when the profile loads', () => {
    const sessions = [{ table: 'user_sessions', expiresColumn: 'expires_at', activeWhere: hostile, maxExpiredActive: 50 }];
    assert.throws(() => defineProfile({ ...profile, database: { ...profile.database, sessions } }), /database\.sessions\.0\.activeWhere: expected one SQL condition/);
    for (const ok of ["s.is_active AND s.note <> ';'", 's.revoked_at IS NULL', `s."odd;name" IS NOT NULL`]) {
      assert.doesNotThrow(() => defineProfile({ ...profile, database: { ...profile.database, sessions: [{ ...sessions[0]!, activeWhere: ok }] } }), ok);
    }
  });

  it('…and one that got past the profile still cannot write, even as a superuser: a second statement is refused', async () => {
    // Built without defineProfile, as a hand-edited profile object could be.
    const bypassing: Profile = { ...profile, database: { ...profile.database, sessions: [{ table: 'user_sessions', expiresColumn: 'expires_at', activeWhere: hostile, maxExpiredActive: 50 }] } };
    const run = await runProbes({ databaseURL: demo.adminDatabaseURL, config: testConfig(), profile: bypassing, probes: [staleSessions] });
    const [{ created }] = await adminQuery<{ created: boolean }>(demo, "SELECT to_regclass('public.verity_was_here') IS NOT NULL AS created");
    assert.equal(created, false, 'the table the fragment tried to create does not exist');
    assert.match(run.outcomes[0]!.findings.map((f) => f.message).join('\n'), /cannot insert multiple commands into a prepared statement/);
  });
});

describe('no lock outlives the step that took it', () => {
  it('a migration can alter a table a probe has already scanned while the probe goes on', async () => {
    const scanned = deferred();
    const migrated = deferred<string>();
    const probe = caseProbe('scan-then-wait', async (ctx) => {
      await ctx.step('Scan users', async () => {
        await ctx.query('SELECT count(*) FROM users');
      });
      scanned.resolve();
      await ctx.step('Go on while a migration runs', async () => {
        await migrated.promise;
      });
    });
    const running = runProbes({ databaseURL: demo.verifierDatabaseURL, config: testConfig(), profile, probes: [probe] });
    await scanned.promise;
    // ALTER TABLE needs an ACCESS EXCLUSIVE lock: it waits for any transaction that read the table.
    const outcome = await adminQuery(demo, "BEGIN; SET LOCAL lock_timeout = '2s'; ALTER TABLE users ADD COLUMN verity_lock_check int; ROLLBACK;")
      .then(() => 'altered', (err: Error) => `blocked: ${err.message}`);
    migrated.resolve(outcome);
    await running;
    assert.equal(outcome, 'altered');
  });
});

describe('a database that stops answering', () => {
  it('mid-probe: the probe is given up within statement_timeout and a grace, not observed rather than failed', { timeout: 60_000 }, async () => {
    const proxy = await startFreezingProxy(demo.verifierDatabaseURL);
    try {
      const probe = caseProbe('answers-then-stops', async (ctx) => {
        await ctx.step('The database answers', async () => {
          await ctx.query('SELECT 1');
        });
        proxy.freeze();
        await ctx.step('The database stopped answering', async () => {
          await ctx.query('SELECT 2');
        });
      });
      const started = Date.now();
      const run = await runProbes({ databaseURL: proxy.url, config: testConfig({ VERITY_STATEMENT_TIMEOUT_MS: '1000' }), profile, probes: [probe] });
      const elapsed = Date.now() - started;
      const outcome = run.outcomes[0]!;
      assert.equal(outcome.status, 'broken', JSON.stringify(outcome, null, 2));
      assert.deepEqual(outcome.findings, []);
      assert.match(outcome.unobserved.join('\n'), /The database stopped answering: the database stopped answering/);
      assert.ok(elapsed < 15_000, `ended in ${elapsed} ms`);
    } finally {
      await proxy.close();
    }
  });

  it('between statements: a connection the server ends fails the next step as not observed, and the run goes on', { timeout: 60_000 }, async () => {
    // What a crash or a restart does to a connection a probe holds: the loss is told to the probe's
    // next statement, not thrown at the process running the probes.
    const probe = caseProbe('connection-ended', async (ctx) => {
      let pid = 0;
      await ctx.step('The database answers', async () => {
        [{ pid }] = await ctx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      });
      await adminQuery(demo, 'SELECT pg_terminate_backend($1)', [pid]);
      while ((await adminQuery(demo, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length > 0);
      await ctx.step('The connection was ended', async () => {
        await ctx.query('SELECT 2');
      });
    });
    const run = await runProbes({ databaseURL: demo.verifierDatabaseURL, config: testConfig(), profile, probes: [probe, staleSessions] });
    const [ended, stale] = run.outcomes;
    assert.equal(ended!.status, 'broken', JSON.stringify(ended, null, 2));
    assert.deepEqual(ended!.findings, []);
    // The server's reason where the client heard it before the next statement went out; pg's own otherwise.
    assert.match(ended!.unobserved.join('\n'), /The connection was ended: the connection to the database was lost: (terminating connection due to administrator command|Connection terminated)/, ended!.unobserved.join('\n'));
    assert.equal(stale!.status, 'passed', JSON.stringify(stale, null, 2));
  });

  it('probes past their time are stopped, their statements cancelled and their connections freed for the rest', { timeout: 60_000 }, async () => {
    const stuck = [1, 2, 3, 4].map((n) => caseProbe(`stuck-${n}`, async (ctx) => {
      await ctx.step('A statement that runs on and on', async () => {
        await ctx.query('SELECT pg_sleep(60)');
      });
    }));
    const quick = caseProbe('quick', async (ctx) => {
      await ctx.step('A quick look', async () => {
        await ctx.query('SELECT 1');
      });
    });
    const started = Date.now();
    const run = await runProbes({ databaseURL: demo.verifierDatabaseURL, config: testConfig({ VERITY_PROBE_TIMEOUT_MS: '1000' }), profile, probes: [...stuck, quick] });
    assert.ok(Date.now() - started < 20_000, `ended in ${Date.now() - started} ms`);
    for (const outcome of run.outcomes.slice(0, 4)) {
      assert.equal(outcome.status, 'broken');
      assert.match(outcome.unobserved.join('\n'), /did not finish within 1 s: it was stopped and its statement cancelled/);
    }
    assert.equal(run.outcomes[4]!.status, 'passed', JSON.stringify(run.outcomes[4]));
    const sleeping = await adminQuery<{ n: string }>(demo, "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'verity' AND state = 'active' AND query LIKE '%pg_sleep%'");
    assert.equal(Number(sleeping[0]!.n), 0, 'no cancelled statement still runs');
  });

  it('right after authenticating: npm run verify ends within its bound, exit 2, with a report naming the cause', { timeout: 120_000 }, async () => {
    const proxy = await startFreezingProxy(demo.verifierDatabaseURL, { freezeWhenReady: true });
    try {
      const started = Date.now();
      const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: proxy.url, VERITY_STATEMENT_TIMEOUT_MS: '1000', VERITY_TRACE: 'off' });
      assert.equal(run.status, 2, run.stdout + run.stderr);
      assert.match(run.stdout, /Verity cannot reach the database: the database at 127\.0\.0\.1:\d+\/personal_assistant accepted the connection but stopped answering/);
      assert.match(run.stdout, /Report: \S+allure-report\/index\.html/);
      assert.ok(Date.now() - started < 90_000, `ended in ${Date.now() - started} ms`);
    } finally {
      await proxy.close();
    }
  });
});

describe('what Verity could not observe is not damage', () => {
  const failed = (run: ProbeRun) => run.outcomes.filter((o) => o.status === 'failed').map((o) => `${o.id}: ${o.findings.map((f) => f.message).join('; ')}`);
  const broken = (run: ProbeRun) => run.outcomes.filter((o) => o.status === 'broken');

  it('a table locked by someone else: the probes that read it are not observed, exit 2, no failure', async () => {
    const holder = new pg.Client({ connectionString: demo.adminDatabaseURL });
    await holder.connect();
    try {
      await holder.query('BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const result = await runScrubbed('probe', { env: { DATABASE_URL: demo.verifierDatabaseURL, VERITY_LOCK_TIMEOUT_MS: '300' }, args: ['--json'] });
      const run: ProbeRun = JSON.parse(result.stdout);
      assert.deepEqual(failed(run), []);
      assert.ok(broken(run).length > 0);
      for (const outcome of broken(run)) assert.match(outcome.unobserved.join('\n'), /lock was not granted within Verity's lock_timeout/, outcome.id);
      assert.equal(result.status, 2);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('a role that may not read the tables: those checks are not observed, exit 2, no failure', async () => {
    await adminQuery(demo, "CREATE ROLE verity_blind LOGIN PASSWORD 'blind-Passw0rd'; GRANT pg_monitor TO verity_blind");
    try {
      const url = new URL(demo.verifierDatabaseURL);
      url.username = 'verity_blind';
      url.password = 'blind-Passw0rd';
      const result = await runScrubbed('probe', { env: { DATABASE_URL: url.toString() }, args: ['--json'] });
      const run: ProbeRun = JSON.parse(result.stdout);
      assert.deepEqual(failed(run), []);
      assert.ok(broken(run).some((o) => /Verity's role lacks a privilege: permission denied for table/.test(o.unobserved.join('\n'))), JSON.stringify(broken(run).map((o) => o.unobserved)));
      assert.equal(result.status, 2);
    } finally {
      await adminQuery(demo, 'DROP ROLE verity_blind');
    }
  });
});
