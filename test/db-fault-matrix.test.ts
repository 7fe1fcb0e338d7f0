// The database fault matrix: on the healthy demo every probe is green; each database fault of the
// demo's catalog fails exactly the probes this table names, with a message naming the cause, and
// nothing else. Runs through `npm run probe -- --json`, as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { faults, type Demo, type FaultName } from '../demo-app/src/index.ts';
import type { ProbeRun } from '../db-probes/runner.ts';
import { probes } from '../db-probes/index.ts';
import { healthyBaselineFile, startTarget, testEnvironment } from './support/target.ts';
import { runScrubbed } from './support/verify-run.ts';

/** The healthy demo's baseline with one more accepted finding, one the demo does not have. */
const staleBaselineFile = path.join(mkdtempSync(path.join(tmpdir(), 'verity-stale-baseline-')), 'baseline.json');

interface Expectation {
  /** Probes whose test must fail. */
  fails: string[];
  /** Text the failing findings (or, where nothing fails, the warnings) must contain: the cause, named. */
  names: string;
  /** Probes that pass with a minor finding. */
  warns?: string[];
  /** Probes that must be skipped, with their reason. */
  skips?: string[];
  /** Per probe: text one of its findings must contain (where a fault fails several probes, each naming its part). */
  alsoNames?: Record<string, string>;
}

/** Per database fault of the demo's catalog (the first test checks that every one has a row). */
const expectations: Record<string, Expectation> = {
  'orphaned-sessions': { fails: ['inferred-references', 'schema-drift'], names: 'user_sessions.user_id', alsoNames: { 'schema-drift': 'foreign key user_sessions_user_id_fkey on user_sessions is gone' } },
  'orphaned-messages': { fails: ['declared-relationships'], names: 'conversation_messages.conversation_id: 40 rows' },
  'blank-emails': { fails: ['data-rules'], names: 'users.email' },
  'null-role-names': { fails: ['data-rules', 'schema-drift'], names: 'roles.name', alsoNames: { 'schema-drift': 'roles.name lost NOT NULL' } },
  'expired-sessions-active': { fails: ['stale-sessions'], names: 'user_sessions' },
  'missing-table': { fails: ['schema-presence', 'schema-drift'], names: 'ltm_memory_tags', alsoNames: { 'schema-drift': 'table ltm_memory_tags is gone' } },
  'missing-users-table': { fails: ['schema-presence', 'schema-drift'], names: 'Critical table users is missing', alsoNames: { 'schema-drift': 'table users is gone' } },
  'sequence-behind': { fails: ['sequences', 'data-loss'], names: 'users.id', alsoNames: { 'data-loss': "sequence users_id_seq is at 5, behind the baseline's 1000" } },
  'invalid-index': { fails: ['invalid-indexes'], names: 'todos_title_key' },
  'dropped-foreign-key': { fails: ['inferred-references', 'schema-drift'], names: 'auth_tokens.session_id', alsoNames: { 'schema-drift': 'foreign key auth_tokens_session_id_fkey on auth_tokens is gone' } },
  // The demo's profile declares that a foreign key enforces it (so inferred-references, which leaves declared references alone, stays quiet).
  'lost-declared-foreign-key': { fails: ['declared-relationships', 'schema-drift'], names: 'the foreign key that enforced it is gone', alsoNames: { 'schema-drift': 'foreign key user_settings_user_id_fkey on user_settings is gone' } },
  'malformed-password-hashes': { fails: ['data-rules'], names: 'users.password_hash: 6 values do not match' },
  'missing-fk-index': { fails: ['unindexed-foreign-keys', 'schema-drift'], names: 'auth_tokens', alsoNames: { 'schema-drift': 'index auth_tokens_session_id_idx on auth_tokens is gone' } },
  'missing-primary-key': { fails: ['missing-primary-keys', 'schema-drift'], names: 'todos', alsoNames: { 'schema-drift': 'primary key todos_pkey on todos is gone' } },
  'stale-restore': { fails: ['freshness', 'stale-sessions', 'data-loss'], names: 'conversation_messages.created_at', alsoNames: { 'data-loss': "conversation_messages.created_at: the newest value is" } },
  'lost-grants': { fails: ['app-role-privileges', 'schema-drift'], names: 'pa_app', alsoNames: { 'schema-drift': 'DELETE, INSERT, SELECT, UPDATE on users for pa_app are gone' } },
  'duplicate-emails': { fails: ['data-rules', 'schema-drift'], names: 'users.email', alsoNames: { 'schema-drift': 'index users_email_lower_key on users is gone' } },
  'not-valid-fk-orphans': { fails: ['foreign-key-orphans', 'schema-drift'], names: 'user_roles.user_id: 12 rows', alsoNames: { 'schema-drift': 'foreign key user_roles_user_id_fkey on user_roles is no longer validated (NOT VALID)' } },
  'lost-user-roles': { fails: ['data-rules', 'data-loss'], names: 'every user has a role', alsoNames: { 'data-loss': "user_roles: 762 rows, 25% fewer than the baseline's 1021" } },
  'missing-default-settings': { fails: ['data-rules', 'data-loss'], names: 'every user has default settings', alsoNames: { 'data-loss': 'user_settings: 1133 rows, 15% fewer' } },
  // A leftover table has no primary key and no statistics either.
  'unexpected-table': { fails: ['missing-primary-keys'], names: 'users_backup_restore', warns: ['schema-presence', 'never-analyzed'] },
  'missing-extension': { fails: ['schema-presence', 'schema-drift'], names: 'amcheck', skips: ['btree-integrity'], alsoNames: { 'schema-drift': 'extension amcheck is gone' } },
  'collation-version-mismatch': { fails: ['collation-versions'], names: 'collation' },
  'statistics-lost': { fails: [], names: 'lost their planner statistics', warns: ['never-analyzed'] },
  'long-transaction': { fails: ['long-transactions'], names: 'pa-nightly-export' },
  'blocked-lock': { fails: ['blocked-locks', 'long-transactions'], names: 'pa-todo-editor' },
  'connection-saturation': { fails: ['connection-saturation'], names: 'pa-leaky-worker' },
  // Crash recovery also discards the statistics, and an UNLOGGED table's rows: lost since the baseline.
  crash: { fails: ['crash-signs', 'data-loss'], names: 'dashboard_counts', warns: ['never-analyzed'], alsoNames: { 'data-loss': "dashboard_counts: 0 rows, 100% fewer than the baseline's 1000" } },
  'server-in-recovery': { fails: ['recovery-state'], names: 'recovery' },
  'corrupt-btree-index': { fails: ['btree-integrity'], names: 'todos_pkey' },
  // The damaged table cannot be read, so its sequence and its rows go unchecked: warnings, not failures.
  'checksum-failure': { fails: ['checksum-failures'], names: 'checksum', warns: ['sequences', 'data-loss'] },
};

interface SettingsCase extends Expectation {
  name: string;
  settings: Record<string, string>;
  /** Verity connects as the demo's superuser instead of its read-only role. */
  asSuperuser?: true;
}

/**
 * Checks no catalog fault trips: where no fault can be made on a test machine, the threshold is
 * lowered below the healthy value; Verity's own role is tripped by connecting as the superuser.
 */
const settingsCases: SettingsCase[] = [
  { name: 'transaction-ID age above a lowered VERITY_XID_AGE_MAX', settings: { VERITY_XID_AGE_MAX: '1' }, fails: ['xid-age'], names: 'age' },
  { name: 'round-trip latency above a lowered VERITY_DB_LATENCY_BUDGET_MS', settings: { VERITY_DB_LATENCY_BUDGET_MS: '0.001' }, fails: ['connectivity'], names: 'latency' },
  { name: 'Verity connecting as a superuser', settings: {}, asSuperuser: true, fails: [], warns: ['verifier-role'], names: 'it is a superuser' },
  // Written in before(): the healthy baseline, plus an accepted finding that is no longer found.
  { name: 'a baseline accepting a finding that is gone', settings: { VERITY_BASELINE: staleBaselineFile }, fails: [], warns: ['accepted-findings'], names: 'is no longer found: prune with npm run baseline -- --update' },
];

/** Probes that report facts and never fail, so no fault can trip them; their facts are tested beside them. */
const factsOnly: Record<string, string> = {
  'server-facts': 'facts only (test/probes-activity-and-sessions.test.ts checks them)',
  'row-counts': 'facts only (test/probes-activity-and-sessions.test.ts checks the counts)',
};

/** The probes that compare with a baseline: skipped without one. */
const baselineProbes = probes.filter((p) => p.group === 'Baseline').map((p) => p.id).sort();

// Holders have only just started when the probes run: count any age as long.
const matrixSettings = { VERITY_LONG_TRANSACTION_SECONDS: '0.3', VERITY_LOCK_WAIT_SECONDS: '0.3' };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function probeRun(demo: Demo, settings: Record<string, string> = {}, databaseURL = demo.verifierDatabaseURL): { run: ProbeRun; status: number | null; stderr: string } {
  const result = spawnSync('npm', ['run', '--silent', 'probe', '--', '--json'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...testEnvironment({ DATABASE_URL: databaseURL, ...matrixSettings, ...settings }) },
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
    warningText: run.outcomes.flatMap((o) => o.findings.filter((f) => f.severity === 'minor').map((f) => f.message)).join('\n'),
  };
}

let demo: Demo;
before(async () => {
  demo = await startTarget();
  const healthy = JSON.parse(readFileSync(healthyBaselineFile, 'utf8'));
  const gone = { probe: 'data-rules', severity: 'major', message: 'users.email: 3 rows are empty or blank', table: 'users', column: 'email', count: 3, reason: 'an old import' };
  writeFileSync(staleBaselineFile, JSON.stringify({ ...healthy, accepted: [gone] }));
});
after(async () => {
  await demo?.stop();
});

describe('database fault matrix (npm run probe)', () => {
  it('every database fault of the catalog has a row, and every row names real probes', () => {
    const databaseFaults = faults.filter((f) => f.layer === 'database').map((f) => f.name).sort();
    assert.deepEqual(Object.keys(expectations).sort(), databaseFaults);
    const ids = new Set(probes.map((p) => p.id));
    for (const e of [...Object.values(expectations), ...settingsCases]) {
      for (const id of [...e.fails, ...(e.warns ?? []), ...(e.skips ?? [])]) assert.ok(ids.has(id), `unknown probe ${id}`);
      assert.ok(e.names.trim().length >= 3, `every row names its cause: "${e.names}"`);
    }
  });

  it('every probe file is registered, and every probe is tripped by a row of this matrix', () => {
    const files = readdirSync(path.join(repoRoot, 'db-probes')).filter((f) => f.endsWith('.ts') && !['index.ts', 'probe.ts', 'runner.ts'].includes(f));
    assert.deepEqual(files.map((f) => f.replace(/\.ts$/, '')).sort(), probes.map((p) => p.id).sort(), 'db-probes/ files and db-probes/index.ts');
    const tripped = new Set([...Object.values(expectations), ...settingsCases].flatMap((e) => [...e.fails, ...(e.warns ?? [])]));
    const untripped = probes.map((p) => p.id).filter((id) => !tripped.has(id) && !factsOnly[id]);
    assert.deepEqual(untripped, [], 'probes no fault or lowered threshold trips');
  });

  it('healthy demo, DATABASE_URL the only setting: every probe green, no warnings, exit 0; those comparing with a baseline skipped, saying how to record one', async () => {
    const { stdout, stderr, status } = await runScrubbed('probe', { env: { DATABASE_URL: demo.verifierDatabaseURL }, args: ['--json'] });
    assert.ok(stdout, `probe printed nothing: ${stderr}`);
    const run: ProbeRun = JSON.parse(stdout);
    const v = verdicts(run);
    assert.deepEqual({ fails: v.fails, warns: v.warns, skips: v.skips }, { fails: [], warns: [], skips: baselineProbes }, v.failingText);
    for (const id of baselineProbes) assert.match(run.outcomes.find((o) => o.id === id)!.skipReason ?? '', /no baseline: record .* npm run baseline/, `${id} says how to record a baseline`);
    assert.equal(run.outcomes.length, probes.length, 'every probe has an outcome');
    assert.equal(status, 0, 'exit 0');
  });

  it('healthy demo with its baseline (VERITY_BASELINE): every probe green, none skipped, no warnings, exit 0', () => {
    expectVerdicts(probeRun(demo), { fails: [], names: '' });
  });

  for (const [fault, expected] of Object.entries(expectations) as [FaultName, Expectation][]) {
    it(`${fault} → ${describeExpectation(expected)}`, async () => {
      try {
        await demo.applyFault(fault);
        expectVerdicts(probeRun(demo), expected);
      } finally {
        await demo.reset();
      }
    });
  }

  for (const c of settingsCases) {
    it(`${c.name} → ${describeExpectation(c)}`, () => {
      expectVerdicts(probeRun(demo, c.settings, c.asSuperuser ? demo.adminDatabaseURL : demo.verifierDatabaseURL), c);
    });
  }
});

function describeExpectation(e: Expectation): string {
  return e.fails.length ? `fails ${e.fails.join(', ')}` : `warns ${e.warns?.join(', ')}`;
}

/** Exactly the expected probes fail, warn and skip; the cause is named; the exit code follows. */
function expectVerdicts({ run, status }: { run: ProbeRun; status: number | null }, expected: Expectation): void {
  const v = verdicts(run);
  assert.deepEqual(
    { fails: v.fails, warns: v.warns, skips: v.skips },
    { fails: [...expected.fails].sort(), warns: [...(expected.warns ?? [])].sort(), skips: [...(expected.skips ?? [])].sort() },
    v.failingText,
  );
  const named = expected.fails.length ? v.failingText : v.warningText;
  assert.ok(named.includes(expected.names), `the ${expected.fails.length ? 'failing findings' : 'warnings'} name "${expected.names}":\n${named}`);
  for (const [id, text] of Object.entries(expected.alsoNames ?? {})) {
    assert.ok(run.outcomes.find((o) => o.id === id)!.findings.some((f) => f.message.includes(text)), `${id} names "${text}"`);
  }
  for (const id of expected.skips ?? []) assert.ok(run.outcomes.find((o) => o.id === id)!.skipReason, `${id} says why it skipped`);
  assert.equal(status, expected.fails.length ? 1 : 0);
}
