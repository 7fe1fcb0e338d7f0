// Adopting Verity for a database nobody here designed, as README's walk-through does it:
// `npm run profile:init` drafts a profile, `npm run baseline` records the known-good state, and a
// healthy `npm run probe` exits 0. Then each damage of the set exits 1, failing exactly the probes
// this file's tables name, with messages naming the damage. On two databases unlike the demo: one
// with conventions of its own (uuid and composite keys, two schemas, mixed-case names, a
// partitioned table, references not named *_id), and the schema of a real published application
// (better-auth, from the npm registry at a pinned version, its own migrations and its own API).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Demo } from '../demo-app/src/index.ts';
import type { Baseline } from '../src/baseline.ts';
import type { ProbeRun } from '../src/findings.ts';
import { loadProfile, type Profile } from '../src/profile.ts';
import { adoptionFaults, createPublishedApp, createUnlikeTheDemo, type AdoptionDatabase, type AdoptionFault } from './support/adoption-databases.ts';
import { emptyEnvDir, startTarget } from './support/target.ts';
import { repoRoot } from './support/verify-run.ts';

interface Expectation {
  /** Probes that must fail. */
  fails: string[];
  /** Per failing probe: text one of its findings must hold, naming the damage. */
  names: Record<string, string>;
  /** Probes that pass with a minor finding. */
  warns?: string[];
}

interface Adoption {
  title: string;
  build(demo: Demo): Promise<AdoptionDatabase>;
  /** What the drafted profile must hold for this database (not an empty shell). */
  drafted(profile: Profile): void;
  expectations: Record<AdoptionFault, Expectation>;
}

const adoptions: Adoption[] = [
  {
    title: 'a database with conventions unlike the demo\'s (ledger)',
    build: (demo) => createUnlikeTheDemo(demo),
    drafted(profile) {
      const db = profile.database;
      assert.deepEqual([...db.schemas].sort(), ['Core', 'billing'], 'both schemas');
      for (const table of ['accounts', 'teams', 'logins', 'AuditLog', 'invoices', 'usage_events']) assert.ok(db.expectedTables.includes(table), `table ${table} drafted`);
      assert.ok(!db.expectedTables.includes('usage_events_current'), 'partitions are listed under their parent');
      assert.ok(db.sessions.some((s) => s.table === 'logins' && s.expiresColumn === 'expires_on' && /NOT s\.revoked/.test(s.activeWhere)), `its session table: ${JSON.stringify(db.sessions)}`);
      assert.ok(db.relationships.some((r) => r.from.table === 'invoices' && r.from.column === 'payer' && r.to.table === 'accounts' && r.to.column === 'id'), `its key-less reference invoices.payer → accounts.id: ${JSON.stringify(db.relationships)}`);
      assert.ok(db.rules.notBlank.some((r) => r.table === 'accounts' && r.column === 'email'), 'its e-mail rule (not blank)');
      assert.ok(db.rules.uniqueIgnoringCase.some((r) => r.table === 'accounts' && r.column === 'email'), 'its e-mail rule (unique ignoring case)');
      assert.ok(db.rules.matches.some((r) => r.table === 'accounts' && r.column === 'api_key' && r.pattern.startsWith('^ak_')), `its format pattern: ${JSON.stringify(db.rules.matches)}`);
      assert.equal(db.applicationRole?.name, 'ledger_app', 'its application role');
    },
    expectations: {
      'dropped-not-null': { fails: ['schema-drift'], names: { 'schema-drift': 'Core.accounts.email lost NOT NULL' } },
      // The key's unindexed-foreign-key warning, accepted in the baseline, goes with it: listed for pruning.
      'dropped-foreign-key': { fails: ['schema-drift'], names: { 'schema-drift': 'foreign key teams_owner_fkey on Core.teams is gone' }, warns: ['accepted-findings'] },
      'lost-unique': { fails: ['schema-drift'], names: { 'schema-drift': 'unique constraint accounts_email_key on Core.accounts is gone' } },
      'column-type-changed': { fails: ['schema-drift'], names: { 'schema-drift': 'billing.invoices.total changed type from numeric(12,2) to text' } },
      'lost-grant': { fails: ['schema-drift', 'app-role-privileges'], names: { 'schema-drift': 'INSERT on Core.logins for ledger_app is gone', 'app-role-privileges': 'logins' } },
      'rows-deleted': { fails: ['data-loss'], names: { 'data-loss': 'billing.invoice_lines:' } },
      'older-restore': { fails: ['data-loss'], names: { 'data-loss': "Core.logins.created_on: the newest value is" } },
      'dangling-reference': { fails: ['foreign-key-orphans'], names: { 'foreign-key-orphans': 'tasks' } },
      'format-broken': { fails: ['data-rules'], names: { 'data-rules': 'accounts.api_key: 1 value' } },
    },
  },
  {
    title: 'the schema of a real published application (better-auth 1.7.25, its own migrations)',
    build: (demo) => createPublishedApp(demo),
    drafted(profile) {
      const db = profile.database;
      for (const table of ['user', 'session', 'account', 'verification']) assert.ok(db.expectedTables.includes(table), `table ${table} drafted`);
      assert.ok(db.criticalTables.includes('user') && db.criticalTables.includes('session'), `critical: ${db.criticalTables.join(', ')}`);
      assert.ok(db.sessions.some((s) => s.table === 'session' && s.expiresColumn === 'expiresAt'), `its session table: ${JSON.stringify(db.sessions)}`);
      assert.ok(db.relationships.some((r) => r.from.table === 'verification' && r.from.column === 'value' && r.to.table === 'user'), `its key-less reference verification.value → user.id: ${JSON.stringify(db.relationships)}`);
      assert.ok(db.rules.notBlank.some((r) => r.table === 'user' && r.column === 'email'), 'its e-mail rule (not blank)');
      assert.ok(db.rules.uniqueIgnoringCase.some((r) => r.table === 'user' && r.column === 'email'), 'its e-mail rule (unique ignoring case)');
      assert.ok(db.rules.matches.some((r) => r.table === 'account' && r.column === 'password'), `its format pattern (the scrypt hash): ${JSON.stringify(db.rules.matches)}`);
      assert.equal(db.applicationRole?.name, 'better_auth_app', 'its application role');
    },
    expectations: {
      'dropped-not-null': { fails: ['schema-drift'], names: { 'schema-drift': 'user.email lost NOT NULL' } },
      'dropped-foreign-key': { fails: ['schema-drift'], names: { 'schema-drift': 'foreign key session_userId_fkey on session is gone' } },
      'lost-unique': { fails: ['schema-drift'], names: { 'schema-drift': 'unique constraint user_email_key on user is gone' } },
      'column-type-changed': { fails: ['schema-drift', 'stale-sessions'], names: { 'schema-drift': 'session.expiresAt changed type from timestamp' } },
      'lost-grant': { fails: ['schema-drift', 'app-role-privileges'], names: { 'schema-drift': 'INSERT on session for better_auth_app is gone', 'app-role-privileges': 'session' } },
      'rows-deleted': { fails: ['data-loss'], names: { 'data-loss': 'account:' } },
      'older-restore': { fails: ['data-loss'], names: { 'data-loss': 'session.createdAt: the newest value is' } },
      'dangling-reference': { fails: ['foreign-key-orphans'], names: { 'foreign-key-orphans': 'session' } },
      'format-broken': { fails: ['data-rules'], names: { 'data-rules': 'account.password: 1 value' } },
    },
  },
];

let demo: Demo;
before(async () => {
  demo = await startTarget();
});
after(async () => {
  await demo?.stop();
});

/** One of Verity's commands as a user runs it: no developer .env, only what is given. */
function command(script: string, args: string[], env: Record<string, string>) {
  const result = spawnSync('npm', ['run', '--silent', script, '--', ...args], {
    cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, VERITY_ENV_DIR: emptyEnvDir, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('adopting the demo\'s database, as if Verity had never seen it (its own profile set aside)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'verity-adopt-demo-'));
  const profileFile = path.join(folder, 'profile.ts');
  const baselineFile = path.join(folder, 'baseline.json');

  it('profile:init, then baseline, then a healthy probe: exit 0 at each step, nothing failed or skipped', async () => {
    const env = { DATABASE_URL: demo.verifierDatabaseURL, VERITY_PROFILE: profileFile };
    const init = command('profile:init', ['--out', profileFile], { DATABASE_URL: demo.verifierDatabaseURL });
    assert.equal(init.status, 0, init.stdout + init.stderr);
    const drafted = (await loadProfile(profileFile, folder)).database;
    assert.ok(drafted.sessions.some((s) => s.table === 'user_sessions') && drafted.rules.matches.some((r) => r.column === 'password_hash'), 'its session table and hash format drafted');
    const recorded = command('baseline', ['--out', baselineFile], env);
    assert.equal(recorded.status, 0, recorded.stdout + recorded.stderr);
    const probe = command('probe', ['--json'], { ...env, VERITY_BASELINE: baselineFile });
    const run: ProbeRun = JSON.parse(probe.stdout);
    assert.deepEqual(run.outcomes.filter((o) => o.status === 'failed' || o.status === 'broken' || o.status === 'skipped').map((o) => `${o.id}: ${o.status}`), [], 'nothing failed, unobserved or skipped');
    assert.equal(probe.status, 0, 'exit 0');
  });
});

for (const adoption of adoptions) {
  describe(`adopting ${adoption.title}`, { timeout: 10 * 60_000 }, () => {
    let db: AdoptionDatabase;
    const folder = mkdtempSync(path.join(tmpdir(), 'verity-adopt-'));
    const profileFile = path.join(folder, 'profile.ts');
    const baselineFile = path.join(folder, 'baseline.json');
    let env: Record<string, string>;
    before(async () => {
      db = await adoption.build(demo);
      env = { DATABASE_URL: db.verifierURL, VERITY_PROFILE: profileFile };
    });
    after(async () => {
      await db?.drop();
    });

    const probe = () => {
      const run = command('probe', ['--json'], { ...env, VERITY_BASELINE: baselineFile });
      assert.ok(run.stdout, `probe printed nothing: ${run.stderr}`);
      return { run: JSON.parse(run.stdout) as ProbeRun, status: run.status };
    };

    it('profile:init drafts a profile holding the entries this database calls for', async () => {
      const init = command('profile:init', ['--out', profileFile], { DATABASE_URL: db.verifierURL });
      assert.equal(init.status, 0, init.stdout + init.stderr);
      adoption.drafted(await loadProfile(profileFile, folder));
    });

    it('baseline records the schema, the data and today\'s findings, each left for a reason', () => {
      const recorded = command('baseline', ['--out', baselineFile], env);
      assert.equal(recorded.status, 0, recorded.stdout + recorded.stderr);
      const baseline: Baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
      assert.ok(Object.keys(baseline.schema.relations).length >= 4 && Object.keys(baseline.data.tables).length >= 4, 'tables recorded');
      assert.ok(baseline.accepted.every((e) => e.reason === ''), 'reasons are for a person to write');
      assert.doesNotMatch(readFileSync(baselineFile, 'utf8'), new RegExp(new URL(db.verifierURL).password), 'no password in the baseline');
      // The review README asks for: a reason for each accepted finding (here, all design choices of this schema).
      baseline.accepted = baseline.accepted.map((e) => ({ ...e, reason: 'a design choice of this schema, reviewed on adoption' }));
      writeFileSync(baselineFile, JSON.stringify(baseline, null, 2));
    });

    it('a healthy probe exits 0: nothing fails, the accepted findings shown as accepted', () => {
      const { run, status } = probe();
      const failed = run.outcomes.filter((o) => o.status !== 'passed' && o.status !== 'skipped');
      assert.deepEqual(failed.map((o) => `${o.id}: ${o.findings.map((f) => f.message).concat(o.unobserved).join('; ')}`), [], 'nothing fails or goes unobserved');
      assert.deepEqual(run.outcomes.filter((o) => o.status === 'skipped').map((o) => o.id), [], 'nothing skipped');
      assert.equal(status, 0, 'exit 0');
    });

    for (const fault of adoptionFaults) {
      const expected = adoption.expectations[fault];
      it(`${fault} → fails ${expected.fails.join(', ')}`, async () => {
        await db.apply(fault);
        try {
          const { run, status } = probe();
          const blocking = (o: ProbeRun['outcomes'][number]) => o.findings.filter((f) => !f.accepted && (f.severity === 'critical' || f.severity === 'major')).map((f) => f.message);
          const failing = run.outcomes.flatMap((o) => blocking(o).map((m) => `${o.id}: ${m}`)).join('\n');
          assert.deepEqual(
            {
              fails: run.outcomes.filter((o) => o.status === 'failed').map((o) => o.id).sort(),
              warns: run.outcomes.filter((o) => o.status === 'passed' && o.findings.some((f) => f.severity === 'minor' && !f.accepted)).map((o) => o.id).sort(),
            },
            { fails: [...expected.fails].sort(), warns: [...(expected.warns ?? [])].sort() },
            `${db.faults[fault].damages}\n${failing}`,
          );
          for (const [id, text] of Object.entries(expected.names)) {
            const outcome = run.outcomes.find((o) => o.id === id)!;
            assert.ok(blocking(outcome).some((m) => m.includes(text)), `${id} names "${text}":\n${blocking(outcome).join('\n')}`);
          }
          assert.equal(status, 1, 'exit 1');
        } finally {
          await db.reset();
        }
      });
    }
  });
}

describe('a baseline\'s life: a table\'s own tolerance, a deliberate change recorded with --update', () => {
  let db: AdoptionDatabase;
  const folder = mkdtempSync(path.join(tmpdir(), 'verity-adopt-life-'));
  const profileFile = path.join(folder, 'profile.ts');
  const baselineFile = path.join(folder, 'baseline.json');
  let env: Record<string, string>;
  before(async () => {
    db = await createUnlikeTheDemo(demo, 'ledger_life');
    env = { DATABASE_URL: db.verifierURL, VERITY_PROFILE: profileFile };
    assert.equal(command('profile:init', ['--out', profileFile], { DATABASE_URL: db.verifierURL }).status, 0, 'drafted');
    assert.equal(command('baseline', ['--out', baselineFile], env).status, 0, 'recorded');
    const baseline: Baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
    assert.ok(baseline.accepted.length > 0, 'the ledger has design choices to accept (an unindexed key, a table without a primary key)');
    baseline.accepted = baseline.accepted.map((e, i) => ({ ...e, reason: `reviewed: design choice ${i}` }));
    writeFileSync(baselineFile, JSON.stringify(baseline, null, 2));
  });
  after(async () => {
    await db?.drop();
  });

  it('VERITY_BASELINE naming a missing file, or one that is no baseline: exit 2, one line naming the setting, nothing run', () => {
    const broken = path.join(folder, 'broken.json');
    writeFileSync(broken, JSON.stringify({ verity: 'baseline/1', schema: {} }));
    for (const [file, says] of [[path.join(folder, 'missing.json'), /does not exist \(record one with npm run baseline -- --out /], [broken, /is not a Verity baseline: recordedAt: /]] as const) {
      const run = command('probe', [], { ...env, VERITY_BASELINE: file });
      assert.equal(run.status, 2, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`^  VERITY_BASELINE: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${says.source}`, 'm'), run.stderr);
      assert.equal(run.stdout, '', 'nothing ran');
    }
  });

  it('--out on an existing baseline is refused, naming --update', () => {
    const again = command('baseline', ['--out', baselineFile], env);
    assert.equal(again.status, 2, again.stdout);
    assert.match(again.stderr, /exists: record it again with --update/, again.stderr);
  });

  it('rows deleted within the tolerance the profile gives that table: data-loss passes; beyond it, fails', async () => {
    const tolerant = path.join(folder, 'tolerant.ts');
    writeFileSync(tolerant, [
      "import drafted from './profile.ts';",
      `import { defineProfile } from '${path.relative(folder, path.join(repoRoot, 'src', 'profile.ts')).split(path.sep).join('/')}';`,
      "export default defineProfile({ ...drafted, database: { ...drafted.database, dataLoss: { tolerance: 0.05, tables: { invoice_lines: 0.2 } } } });",
    ].join('\n'));
    await db.apply('rows-deleted');
    try {
      const within = command('probe', ['--json'], { ...env, VERITY_PROFILE: tolerant, VERITY_BASELINE: baselineFile });
      assert.equal(JSON.parse(within.stdout).outcomes.find((o: { id: string }) => o.id === 'data-loss').status, 'passed', 'a 10% loss is within invoice_lines\' 20%');
      assert.equal(within.status, 0, within.stdout);
      const beyond = command('probe', ['--json'], { ...env, VERITY_BASELINE: baselineFile });
      assert.equal(beyond.status, 1, 'beyond the default 5%');
    } finally {
      await db.reset();
    }
  });

  it('after a deliberate change, --update records it: the reasons kept, the entry it made obsolete pruned, the probe green again', async () => {
    const before: Baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
    // A migration that drops the teams.owner foreign key on purpose: its unindexed-key warning goes with it.
    await db.apply('dropped-foreign-key');
    try {
      assert.equal(command('probe', ['--json'], { ...env, VERITY_BASELINE: baselineFile }).status, 1, 'the change is drift until recorded');
      const updated = command('baseline', ['--update', baselineFile], env);
      assert.equal(updated.status, 0, updated.stdout + updated.stderr);
      assert.match(updated.stdout, /1 accepted finding\(s\) pruned \(no longer found\), 0 new/, updated.stdout);
      const after: Baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
      assert.equal(after.accepted.length, before.accepted.length - 1, 'one entry pruned');
      assert.ok(after.accepted.every((e) => e.reason.startsWith('reviewed: design choice')), 'every remaining reason kept');
      assert.ok(!Object.keys(after.schema.constraints).some((k) => k.endsWith('.teams_owner_fkey')), 'the dropped key is no longer expected');
      const green = command('probe', ['--json'], { ...env, VERITY_BASELINE: baselineFile });
      assert.equal(green.status, 0, green.stdout);
    } finally {
      await db.reset();
    }
  });
});
