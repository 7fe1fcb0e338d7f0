// The session, freshness, privilege, integrity, activity and crash probes against the real demo:
// each passes on the healthy demo and fails, naming what it found, under the fault it exists to
// catch (or, where no fault can cause it on a test machine, under a lowered threshold).
// Expected values are read from the database as the superuser, never written down here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Demo, FaultName } from '../demo-app/src/index.ts';
import { runProbes, type ProbeOutcome } from '../db-probes/runner.ts';
import { probes } from '../db-probes/index.ts';
import appRolePrivileges from '../db-probes/app-role-privileges.ts';
import blockedLocks from '../db-probes/blocked-locks.ts';
import checksumFailures from '../db-probes/checksum-failures.ts';
import connectionSaturation from '../db-probes/connection-saturation.ts';
import crashSigns from '../db-probes/crash-signs.ts';
import freshness from '../db-probes/freshness.ts';
import longTransactions from '../db-probes/long-transactions.ts';
import rowCounts from '../db-probes/row-counts.ts';
import staleSessions from '../db-probes/stale-sessions.ts';
import verifierRole from '../db-probes/verifier-role.ts';
import xidAge from '../db-probes/xid-age.ts';
import { adminQuery, defaultProfile, messages, runProbe, startTarget, testConfig, underFault as underFaultOf } from './support/target.ts';

let demo: Demo;
before(async () => {
  demo = await startTarget();
});
after(async () => {
  await demo?.stop();
});

/** SQL as the superuser: how the tests learn what the probes should report. */
const admin = <T extends object = Record<string, any>>(sql: string, params: unknown[] = []) => adminQuery<T>(demo, sql, params);

const underFault = <T>(fault: FaultName, work: () => Promise<T>) => underFaultOf(demo, fault, work);

function assertHealthy(outcome: ProbeOutcome): void {
  assert.equal(outcome.status, 'passed', `findings: ${JSON.stringify(outcome.findings, null, 2)}`);
  assert.deepEqual(messages(outcome), []);
  assert.ok(outcome.steps.length > 0, 'the probe checked nothing');
  for (const step of outcome.steps) assert.equal(step.error, undefined, `step "${step.name}" broke: ${step.error}`);
}

function assertFailed(outcome: ProbeOutcome, severity: 'critical' | 'major'): string[] {
  assert.equal(outcome.status, 'failed', `facts: ${JSON.stringify(outcome.facts)}`);
  const found = messages(outcome, [severity]);
  assert.ok(found.length > 0, `no ${severity} finding in ${JSON.stringify(outcome.findings, null, 2)}`);
  for (const step of outcome.steps) assert.equal(step.error, undefined, `step "${step.name}" broke: ${step.error}`);
  return found;
}

function factOf(outcome: ProbeOutcome, name: string): string {
  const fact = outcome.facts.find((f) => f.name === name);
  assert.ok(fact, `no fact "${name}" among ${outcome.facts.map((f) => f.name).join(', ')}`);
  return fact.value;
}

const one = async <T extends object = Record<string, any>>(sql: string, params: unknown[] = []) => (await admin<T>(sql, params))[0]!;

describe('stale-sessions', () => {
  it('passes on the healthy demo', async () => {
    const outcome = await runProbe(demo, staleSessions);
    assertHealthy(outcome);
    const profile = await defaultProfile();
    for (const s of profile.database.sessions) assert.match(factOf(outcome, `${s.table}: expired but active`), /^0 /);
  });

  it('names the table, the count and the limit when expired sessions stay active', async () => {
    await underFault('expired-sessions-active', async () => {
      const outcome = await runProbe(demo, staleSessions);
      const [message, ...others] = assertFailed(outcome, 'major');
      assert.equal(others.length, 0, 'only user_sessions was damaged');
      const { n } = await one<{ n: string }>('SELECT count(*) AS n FROM user_sessions WHERE is_active AND expires_at < now()');
      const limit = (await defaultProfile()).database.sessions.find((s) => s.table === 'user_sessions')!.maxExpiredActive;
      assert.ok(Number(n) > limit);
      assert.match(message!, new RegExp(`^user_sessions: ${n} rows past expires_at are still active .*more than the ${limit} tolerated`));
      assert.equal(outcome.findings.find((f) => f.table === 'user_sessions')?.count, Number(n));
    });
  });
});

describe('freshness', () => {
  it('passes on the healthy demo', async () => {
    assertHealthy(await runProbe(demo, freshness));
  });

  it('names each table.column, its newest timestamp and its age after a restore from an old backup', async () => {
    await underFault('stale-restore', async () => {
      const outcome = await runProbe(demo, freshness);
      const found = assertFailed(outcome, 'critical');
      const rules = (await defaultProfile()).database.freshness;
      assert.equal(found.length, rules.length, 'every freshness rule should fail');
      for (const rule of rules) {
        const { newest } = await one<{ newest: Date }>(`SELECT max(${rule.column}) AS newest FROM ${rule.table}`);
        const message = found.find((m) => m.startsWith(`${rule.table}.${rule.column}:`));
        assert.ok(message, `no finding for ${rule.table}.${rule.column} in ${found.join(' | ')}`);
        assert.ok(message.includes(newest.toISOString()), `"${message}" should name the newest value ${newest.toISOString()}`);
        assert.match(message, /\d+\.\d days old, older than the \d+ h allowed/);
      }
    });
  });
});

describe('app-role-privileges', () => {
  it('passes on the healthy demo', async () => {
    assertHealthy(await runProbe(demo, appRolePrivileges));
  });

  it('lists and counts the privileges the application role lost', async () => {
    await underFault('lost-grants', async () => {
      const outcome = await runProbe(demo, appRolePrivileges);
      const [message, ...others] = assertFailed(outcome, 'critical');
      assert.equal(others.length, 0, `one finding expected, got ${others.join(' | ')}`);
      const role = (await defaultProfile()).database.applicationRole!;
      const tables = (await admin<{ table: string }>(
        `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT (c.relname = ANY($1)) ORDER BY 1`, [role.exceptTables])).map((t) => t.table);
      const missing = tables.length * role.privileges.length;
      assert.match(message!, new RegExp(`^The application role ${role.name} lacks ${missing} privileges on ${tables.length} of ${tables.length} tables: ${role.privileges.join(', ')} on`));
      for (const table of tables) assert.ok(message!.includes(table), `${table} is not listed`);
      assert.ok(!role.exceptTables.some((t) => message!.includes(t)), 'an excepted table is listed');
      assert.equal(outcome.findings[0]!.count, missing);
    });
  });

  it('leaves tables the profile does not expect to schema-presence', async () => {
    await underFault('unexpected-table', async () => {
      const outcome = await runProbe(demo, appRolePrivileges);
      assertHealthy(outcome);
      assert.equal(factOf(outcome, 'Tables not in the profile, not checked for the application role'), 'users_backup_restore');
    });
  });

  it('is skipped when the profile names no application role', async () => {
    const profile = await defaultProfile();
    const run = await runProbes({
      databaseURL: demo.verifierDatabaseURL,
      config: testConfig(),
      profile: { ...profile, database: { ...profile.database, applicationRole: undefined } },
      probes: [appRolePrivileges],
    });
    assert.equal(run.outcomes[0]!.status, 'skipped');
    assert.match(run.outcomes[0]!.skipReason ?? '', /no application role/);
  });
});

describe('checksum-failures', () => {
  it('passes on the healthy demo and says since when failures are counted', async () => {
    const outcome = await runProbe(demo, checksumFailures);
    assertHealthy(outcome);
    assert.deepEqual(outcome.findings, [], 'data checksums are on in the demo: not even a minor finding');
    assert.equal(factOf(outcome, 'data_checksums'), 'on');
    assert.match(factOf(outcome, 'Checksum failures counted since'), /^\d{4}-\d\d-\d\dT/);
  });

  it('names the count and the time of the last failure when a page fails its checksum', async () => {
    await underFault('checksum-failure', async () => {
      const outcome = await runProbe(demo, checksumFailures);
      const [message] = assertFailed(outcome, 'critical');
      const stats = await one<{ failures: string; last: Date }>(
        'SELECT checksum_failures AS failures, checksum_last_failure AS last FROM pg_stat_database WHERE datname = current_database()');
      assert.ok(Number(stats.failures) > 0);
      assert.ok(message!.startsWith(`${stats.failures} data-page checksum failure`), message);
      assert.ok(message!.includes(stats.last.toISOString()), `"${message}" should name the last failure ${stats.last.toISOString()}`);
    });
  });

  it('says a zero proves little when the statistics were just reset', async () => {
    await underFault('statistics-lost', async () => {
      const outcome = await runProbe(demo, checksumFailures);
      assertHealthy(outcome);
      const { reset } = await one<{ reset: Date }>('SELECT stats_reset AS reset FROM pg_stat_database WHERE datname = current_database()');
      const since = factOf(outcome, 'Checksum failures counted since');
      assert.ok(since.startsWith(reset.toISOString()), `"${since}" should start with stats_reset ${reset.toISOString()}`);
      assert.match(since, /pg_stat_reset\(\).*a zero proves little/);
    });
  });
});

describe('xid-age', () => {
  it('passes with the default VERITY_XID_AGE_MAX', async () => {
    assertHealthy(await runProbe(demo, xidAge));
  });

  it('fails, naming the database and the oldest table, above a lowered VERITY_XID_AGE_MAX', async () => {
    const outcome = await runProbe(demo, xidAge, { VERITY_XID_AGE_MAX: '1' });
    const found = assertFailed(outcome, 'critical');
    const { database } = await one<{ database: string }>('SELECT current_database() AS database');
    assert.ok(found.some((m) => m.startsWith(`Database ${database}: age(datfrozenxid) is `) && m.includes('above VERITY_XID_AGE_MAX 1 ')), found.join(' | '));
    assert.ok(found.some((m) => /^Table public\.\w+: age\(relfrozenxid\) is \d+ transactions/.test(m)), found.join(' | '));
    assert.ok(found.every((m) => m.includes('wraparound')));
  });
});

describe('connection-saturation', () => {
  // The fault leaves 12 slots free for the app and a verifier: about 79% in use, just under the
  // default 0.8. The healthy demo must pass, and the fault fail, at the same lowered limit.
  const limit = { VERITY_CONNECTION_SATURATION_MAX: '0.5' };

  it('passes on the healthy demo, with the default and with a lowered limit', async () => {
    assertHealthy(await runProbe(demo, connectionSaturation));
    assertHealthy(await runProbe(demo, connectionSaturation, limit));
  });

  it('names the numbers and the application holding the connections when the slots fill up', async () => {
    await underFault('connection-saturation', async () => {
      const outcome = await runProbe(demo, connectionSaturation, limit);
      const [message] = assertFailed(outcome, 'major');
      const { leaked, available } = await one<{ leaked: number; available: number }>(
        `SELECT (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pa-leaky-worker')::int AS leaked,
                current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
                  - current_setting('reserved_connections')::int AS available`);
      assert.match(message!, new RegExp(`^\\d+ of ${available} connection slots are in use \\(\\d+\\.\\d%\\), above VERITY_CONNECTION_SATURATION_MAX 50\\.0%`));
      assert.ok(message!.includes(`Most connections by application_name: pa-leaky-worker ${leaked} (${leaked} idle)`), message);
    });
  });
});

describe('long-transactions', () => {
  it('passes on the healthy demo, even with VERITY_LONG_TRANSACTION_SECONDS 0: nothing but Verity holds a transaction open', async () => {
    assertHealthy(await runProbe(demo, longTransactions));
    assertHealthy(await runProbe(demo, longTransactions, { VERITY_LONG_TRANSACTION_SECONDS: '0' }));
  });

  it('names the pid, application, state and age of a transaction left open', async () => {
    await underFault('long-transaction', async () => {
      const outcome = await runProbe(demo, longTransactions, { VERITY_LONG_TRANSACTION_SECONDS: '0' });
      const [message, ...others] = assertFailed(outcome, 'major');
      assert.equal(others.length, 0, `only the holder should be reported, got ${others.join(' | ')}`);
      const { pid } = await one<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'pa-nightly-export'");
      assert.match(message!, new RegExp(`^pid ${pid} \\(pa-nightly-export, role \\w+, idle in transaction\\) has held a transaction open for \\d+\\.\\d s since `));
    });
  });
});

describe('blocked-locks', () => {
  it('passes on the healthy demo, even with VERITY_LOCK_WAIT_SECONDS 0', async () => {
    assertHealthy(await runProbe(demo, blockedLocks));
    assertHealthy(await runProbe(demo, blockedLocks, { VERITY_LOCK_WAIT_SECONDS: '0' }));
  });

  it('names the waiting session, the table and the session blocking it', async () => {
    await underFault('blocked-lock', async () => {
      const outcome = await runProbe(demo, blockedLocks, { VERITY_LOCK_WAIT_SECONDS: '0' });
      const [message, ...others] = assertFailed(outcome, 'major');
      assert.equal(others.length, 0, `one waiter expected, got ${others.join(' | ')}`);
      const pids = Object.fromEntries((await admin<{ app: string; pid: number }>(
        "SELECT application_name AS app, pid FROM pg_stat_activity WHERE application_name IN ('pa-todo-editor', 'pa-todo-batch')")).map((r) => [r.app, r.pid]));
      assert.match(message!, new RegExp(`^pid ${pids['pa-todo-editor']} \\(pa-todo-editor\\) has waited \\d+\\.\\d s for a row lock .* on public\\.todos `));
      assert.ok(message!.includes(`blocked by pid ${pids['pa-todo-batch']} (pa-todo-batch, idle in transaction`), message);
    });
  });
});

describe('crash-signs', () => {
  it('passes on the healthy demo and lists the UNLOGGED tables', async () => {
    const outcome = await runProbe(demo, crashSigns);
    assertHealthy(outcome);
    const unlogged = (await admin<{ table: string }>(
      "SELECT relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relpersistence = 'u' ORDER BY 1")).map((r) => r.table);
    assert.ok(unlogged.length > 0);
    assert.equal(factOf(outcome, 'UNLOGGED tables (emptied by crash recovery)'), unlogged.join(', '));
    assert.match(factOf(outcome, 'Statistics discarded at start'), /^no /);
    assert.match(factOf(outcome, 'Server started'), /^\d{4}-\d\d-\d\dT.* ago\)$/);
  });

  it('finds the UNLOGGED table crash recovery emptied', async () => {
    await underFault('crash', async () => {
      const outcome = await runProbe(demo, crashSigns);
      const [message, ...others] = assertFailed(outcome, 'critical');
      assert.equal(others.length, 0);
      const { n } = await one<{ n: string }>('SELECT count(*) AS n FROM users');
      assert.equal(message, `dashboard_counts is empty while users has ${n} rows: an UNLOGGED table emptied by crash recovery`);
      assert.match(factOf(outcome, 'Statistics discarded at start'), /^yes, at /);
    });
  });

  it('does not fail, but says why it could not look, on a server in recovery (UNLOGGED tables cannot be read there)', async () => {
    await underFault('server-in-recovery', async () => {
      const outcome = await runProbe(demo, crashSigns);
      assertHealthy(outcome);
      assert.match(factOf(outcome, 'dashboard_counts not empty'), /^not checked: the server is in recovery/);
    });
  });
});

describe('verifier-role', () => {
  it("passes without findings as Verity's read-only role", async () => {
    const outcome = await runProbe(demo, verifierRole);
    assertHealthy(outcome);
    assert.deepEqual(outcome.findings, []);
    assert.equal(factOf(outcome, 'Verity connects as'), new URL(demo.verifierDatabaseURL).username);
    assert.match(factOf(outcome, 'default_transaction_read_only'), /on for the role itself/);
  });

  it('passes with a minor finding recommending a read-only role when Verity connects as a superuser', async () => {
    const outcome = await runProbe(demo, verifierRole, {}, demo.adminDatabaseURL);
    assertHealthy(outcome);
    const [message, ...others] = messages(outcome, ['minor']);
    assert.equal(others.length, 0);
    const superuser = new URL(demo.adminDatabaseURL).username;
    assert.match(message!, new RegExp(`^Verity connects as ${superuser}, and it is a superuser; it can write to \\d+ tables .*read-only role .*pg_monitor, pg_read_all_data`));
    assert.match(factOf(outcome, 'default_transaction_read_only'), /not set for the role itself/);
  });
});

describe('row-counts', () => {
  const criticalTables = async () => (await defaultProfile()).database.criticalTables;

  it('counts every critical table exactly under VERITY_EXACT_COUNT_MAX_ROWS, and says so', async () => {
    const outcome = await runProbe(demo, rowCounts);
    assertHealthy(outcome);
    assert.deepEqual(outcome.findings, []);
    for (const table of await criticalTables()) {
      const { n } = await one<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      assert.equal(factOf(outcome, table), `${n} rows (exact)`);
    }
  });

  it('reports the pg_class estimate, and says so, above a lowered VERITY_EXACT_COUNT_MAX_ROWS', async () => {
    const outcome = await runProbe(demo, rowCounts, { VERITY_EXACT_COUNT_MAX_ROWS: '1' });
    assertHealthy(outcome);
    assert.deepEqual(outcome.findings, []);
    for (const table of await criticalTables()) {
      const { estimate } = await one<{ estimate: number }>('SELECT reltuples::float8 AS estimate FROM pg_class WHERE oid = $1::regclass', [table]);
      assert.ok(estimate >= 1, `${table}'s estimate ${estimate} is under the lowered limit: the test would not show an estimate`);
      assert.equal(factOf(outcome, table), `about ${Math.round(estimate)} rows (estimate from pg_class)`);
    }
  });
});

// Every registered probe, not only the ones this file covers: a probe file exports one probe whose
// id is its file name and which explains itself. That every probe is tripped by some fault is the
// database fault matrix's first check (test/db-fault-matrix.test.ts).
it('each probe file exports a probe whose id is its file name, and says what it checks and why', async () => {
  for (const probe of probes) {
    const mod = await import(`../db-probes/${probe.id}.ts`);
    assert.equal(mod.default, probe, `db-probes/${probe.id}.ts exports the probe with id ${probe.id}`);
    assert.ok(probe.what.length > 40 && probe.why.length > 60, `${probe.id}: what and why should be sentences`);
  }
});
