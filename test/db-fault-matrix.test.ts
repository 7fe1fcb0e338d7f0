// The database fault matrix: on the healthy demo every probe is green; each database fault of the
// demo's catalog fails exactly the probes this table names, with a message naming the cause, and
// nothing else. Runs through `npm run probe -- --json`, as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { faults, type Demo, type FaultName } from '../demo-app/src/index.ts';
import type { ProbeRun } from '../db-probes/runner.ts';
import { probes } from '../db-probes/index.ts';
import { startTarget, testEnvironment } from './support/target.ts';

interface Expectation {
  /** Probes whose test must fail. */
  fails: string[];
  /** Text the failing findings must contain: the cause, named. */
  names: string;
  /** Probes that pass with a minor finding. */
  warns?: string[];
  /** Probes that must be skipped, with their reason. */
  skips?: string[];
}

/** Per database fault of the demo's catalog (the first test checks that every one has a row). */
const expectations: Record<string, Expectation> = {
  'orphaned-sessions': { fails: ['inferred-references'], names: 'user_sessions.user_id' },
  'orphaned-messages': { fails: ['declared-relationships'], names: 'conversation_messages.conversation_id: 40 rows' },
  'blank-emails': { fails: ['data-rules'], names: 'users.email' },
  'null-role-names': { fails: ['data-rules'], names: 'roles.name' },
  'expired-sessions-active': { fails: ['stale-sessions'], names: 'user_sessions' },
  'missing-table': { fails: ['schema-presence'], names: 'ltm_memory_tags' },
  'missing-users-table': { fails: ['schema-presence'], names: 'Critical table users is missing' },
  'sequence-behind': { fails: ['sequences'], names: 'users.id' },
  'invalid-index': { fails: ['invalid-indexes'], names: 'todos_title_key' },
  'dropped-foreign-key': { fails: ['inferred-references'], names: 'auth_tokens.session_id' },
  'missing-fk-index': { fails: ['unindexed-foreign-keys'], names: 'auth_tokens' },
  'missing-primary-key': { fails: ['missing-primary-keys'], names: 'todos' },
  'stale-restore': { fails: ['freshness', 'stale-sessions'], names: 'conversation_messages.created_at' },
  'lost-grants': { fails: ['app-role-privileges'], names: 'pa_app' },
  'duplicate-emails': { fails: ['data-rules'], names: 'users.email' },
  'not-valid-fk-orphans': { fails: ['foreign-key-orphans'], names: 'user_roles.user_id: 12 rows' },
  'lost-user-roles': { fails: ['data-rules'], names: 'every user has a role' },
  'missing-default-settings': { fails: ['data-rules'], names: 'every user has default settings' },
  // A leftover table has no primary key and no statistics either.
  'unexpected-table': { fails: ['missing-primary-keys'], names: 'users_backup_restore', warns: ['schema-presence', 'never-analyzed'] },
  'missing-extension': { fails: ['schema-presence'], names: 'amcheck', skips: ['btree-integrity'] },
  'collation-version-mismatch': { fails: ['collation-versions'], names: 'collation' },
  'statistics-lost': { fails: [], names: '', warns: ['never-analyzed'] },
  'long-transaction': { fails: ['long-transactions'], names: 'pa-nightly-export' },
  'blocked-lock': { fails: ['blocked-locks', 'long-transactions'], names: 'pa-todo-editor' },
  'connection-saturation': { fails: ['connection-saturation'], names: 'pa-leaky-worker' },
  // Crash recovery also discards the statistics.
  crash: { fails: ['crash-signs'], names: 'dashboard_counts', warns: ['never-analyzed'] },
  'server-in-recovery': { fails: ['recovery-state'], names: 'recovery' },
  'corrupt-btree-index': { fails: ['btree-integrity'], names: 'todos_pkey' },
  // The damaged table cannot be read, so its sequence goes unchecked: a warning, not a failure.
  'checksum-failure': { fails: ['checksum-failures'], names: 'checksum', warns: ['sequences'] },
};

/** Checks no fault can cause on a test machine: the threshold is lowered below the healthy value. */
const thresholdCases: { name: string; settings: Record<string, string>; fails: string[]; names: string }[] = [
  { name: 'transaction-ID age above a lowered VERITY_XID_AGE_MAX', settings: { VERITY_XID_AGE_MAX: '1' }, fails: ['xid-age'], names: 'age' },
  { name: 'round-trip latency above a lowered VERITY_DB_LATENCY_BUDGET_MS', settings: { VERITY_DB_LATENCY_BUDGET_MS: '0.001' }, fails: ['connectivity'], names: 'latency' },
];

// Holders have only just started when the probes run: count any age as long.
const matrixSettings = { VERITY_LONG_TRANSACTION_SECONDS: '0.3', VERITY_LOCK_WAIT_SECONDS: '0.3' };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function probeRun(demo: Demo, settings: Record<string, string> = {}): { run: ProbeRun; status: number | null; stderr: string } {
  const result = spawnSync('npm', ['run', '--silent', 'probe', '--', '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...testEnvironment({ DATABASE_URL: demo.verifierDatabaseURL, ...matrixSettings, ...settings }) },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { run: JSON.parse(result.stdout), status: result.status, stderr: result.stderr };
}

function verdicts(run: ProbeRun) {
  const blocking = (s: string) => s === 'critical' || s === 'major';
  return {
    fails: run.outcomes.filter((o) => o.status === 'failed').map((o) => o.id).sort(),
    warns: run.outcomes.filter((o) => o.status === 'passed' && o.findings.some((f) => f.severity === 'minor')).map((o) => o.id).sort(),
    skips: run.outcomes.filter((o) => o.status === 'skipped').map((o) => o.id).sort(),
    failingText: run.outcomes.flatMap((o) => o.findings.filter((f) => blocking(f.severity)).map((f) => f.message)).join('\n'),
  };
}

let demo: Demo;
before(async () => {
  demo = await startTarget();
});
after(async () => {
  await demo?.stop();
});

describe('database fault matrix (npm run probe)', () => {
  it('every database fault of the catalog has a row, and every row names real probes', () => {
    const databaseFaults = faults.filter((f) => f.layer === 'database').map((f) => f.name).sort();
    assert.deepEqual(Object.keys(expectations).sort(), databaseFaults);
    const ids = new Set(probes.map((p) => p.id));
    for (const e of [...Object.values(expectations), ...thresholdCases]) {
      for (const id of [...e.fails, ...('warns' in e ? e.warns ?? [] : []), ...('skips' in e ? e.skips ?? [] : [])]) assert.ok(ids.has(id), `unknown probe ${id}`);
    }
  });

  it('healthy demo: every probe green, no warnings, exit 0', () => {
    const { run, status } = probeRun(demo);
    const v = verdicts(run);
    assert.deepEqual({ fails: v.fails, warns: v.warns, skips: v.skips }, { fails: [], warns: [], skips: [] }, v.failingText);
    assert.equal(status, 0);
  });

  for (const [fault, expected] of Object.entries(expectations) as [FaultName, Expectation][]) {
    it(`${fault} → fails ${expected.fails.join(', ') || 'nothing'}`, async () => {
      try {
        await demo.applyFault(fault);
        const { run, status } = probeRun(demo);
        const v = verdicts(run);
        assert.deepEqual(
          { fails: v.fails, warns: v.warns, skips: v.skips },
          { fails: [...expected.fails].sort(), warns: [...(expected.warns ?? [])].sort(), skips: [...(expected.skips ?? [])].sort() },
          v.failingText,
        );
        assert.ok(v.failingText.includes(expected.names), `the findings name "${expected.names}":\n${v.failingText}`);
        for (const id of expected.skips ?? []) assert.ok(run.outcomes.find((o) => o.id === id)!.skipReason, `${id} says why it skipped`);
        assert.equal(status, expected.fails.length ? 1 : 0);
      } finally {
        await demo.reset();
      }
    });
  }

  for (const c of thresholdCases) {
    it(`${c.name} → fails ${c.fails.join(', ') || 'nothing'}`, () => {
      const { run, status } = probeRun(demo, c.settings);
      const v = verdicts(run);
      assert.deepEqual(v.fails, c.fails, v.failingText);
      assert.ok(v.failingText.includes(c.names));
      assert.equal(status, c.fails.length ? 1 : 0);
    });
  }
});
