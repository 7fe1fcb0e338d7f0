// The integrity, index and collation probes against the real demo: green when it is healthy; each
// fault of the catalog fails the probe that owns it, with a message naming the table, column or
// index, and leaves every other probe of this file green. Expected counts come from the superuser's
// own queries on the broken database, never from the probe.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Demo, FaultName } from '../demo-app/src/index.ts';
import { defineProbe, type Probe } from '../db-probes/probe.ts';
import { runProbes, type ProbeOutcome } from '../db-probes/runner.ts';
import btreeIntegrity from '../db-probes/btree-integrity.ts';
import collationVersions from '../db-probes/collation-versions.ts';
import dataRules from '../db-probes/data-rules.ts';
import invalidIndexes from '../db-probes/invalid-indexes.ts';
import missingPrimaryKeys from '../db-probes/missing-primary-keys.ts';
import neverAnalyzed from '../db-probes/never-analyzed.ts';
import sequences from '../db-probes/sequences.ts';
import unindexedForeignKeys from '../db-probes/unindexed-foreign-keys.ts';
import type { Profile } from '../src/profile.ts';
import { adminQuery, defaultProfile, messages, runProbe, startTarget, testConfig, underFault as underFaultOf } from './support/target.ts';

const probes: Probe[] = [dataRules, sequences, invalidIndexes, missingPrimaryKeys, unindexedForeignKeys, neverAnalyzed, btreeIntegrity, collationVersions];

let demo: Demo;
before(async () => {
  demo = await startTarget();
});
after(async () => {
  await demo?.stop();
});

/** SQL as the superuser: how the tests learn what the probes should report. */
const admin = <T extends object = Record<string, any>>(sql: string, params: unknown[] = []) => adminQuery<T>(demo, sql, params);
const adminCount = async (sql: string) => Number((await admin<{ n: string }>(sql))[0]!.n);

/** Breaks the demo, runs the check, and always restores the seeded database. */
const underFault = <T>(fault: FaultName, work: () => Promise<T>) => underFaultOf(demo, fault, work);

const all = (o: ProbeOutcome) => messages(o, ['critical', 'major', 'minor', 'info']);
const failedSteps = (o: ProbeOutcome) => o.steps.filter((s) => s.status === 'failed').map((s) => s.name);
const only = (o: ProbeOutcome, severity: string) => o.findings.filter((f) => f.severity === severity);

/** Every probe of this file but the ones named passes with no finding at all. */
async function othersGreen(...except: Probe[]): Promise<void> {
  for (const probe of probes.filter((p) => !except.includes(p))) {
    const outcome = await runProbe(demo, probe);
    assert.equal(outcome.status, 'passed', `${probe.id}: ${all(outcome).join('; ') || outcome.skipReason}`);
    assert.deepEqual(all(outcome), [], `${probe.id} stays silent`);
  }
}

/** Runs one probe with a changed profile (the demo's, with database fields replaced). */
async function runWithProfile(probe: Probe, database: Partial<Profile['database']>): Promise<ProbeOutcome> {
  const base = await defaultProfile();
  const profile: Profile = { ...base, database: { ...base.database, ...database } };
  const run = await runProbes({ databaseURL: demo.verifierDatabaseURL, config: testConfig(), profile, probes: [probe] });
  return run.outcomes[0]!;
}

describe('healthy demo', () => {
  it('every probe passes with no finding, having checked something', async () => {
    for (const probe of probes) {
      const outcome = await runProbe(demo, probe);
      assert.equal(outcome.status, 'passed', `${probe.id}: ${all(outcome).join('; ') || outcome.skipReason}`);
      assert.deepEqual(all(outcome), [], probe.id);
      assert.ok(outcome.steps.length > 0 && outcome.steps.every((s) => s.status === 'passed'), `${probe.id} ran its steps`);
      assert.equal(outcome.id, probe.id);
      assert.ok(probe.what.length > 40 && probe.why.length > 40, `${probe.id} explains itself`);
    }
  });

  it('btree-integrity checks every valid B-tree index, one step each', async () => {
    const expected = await admin<{ name: string }>(`
      SELECT ic.relname AS name FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      JOIN pg_namespace n ON n.oid = ic.relnamespace
      WHERE am.amname = 'btree' AND n.nspname = 'public' AND i.indisvalid`);
    const outcome = await runProbe(demo, btreeIntegrity);
    assert.equal(outcome.steps.length, expected.length);
    for (const { name } of expected) assert.ok(outcome.steps.some((s) => s.name.endsWith(`: ${name}`)), name);
  });

  it('sequences checks every identity column', async () => {
    const identities = await adminCount(`SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'public' AND is_identity = 'YES'`);
    assert.ok(identities > 0);
    assert.equal((await runProbe(demo, sequences)).steps.length, identities);
  });
});

describe('data-rules', () => {
  const users = "SELECT count(*) AS n FROM users";

  it('blank-emails: users.email rows empty or whitespace (tabs too), critical', () =>
    underFault('blank-emails', async () => {
      const blank = await adminCount(`${users} WHERE email IS NULL OR email ~ '^[[:space:]]*$'`);
      assert.ok(blank > 0);
      const outcome = await runProbe(demo, dataRules);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['users.email is not blank']);
      const [finding] = only(outcome, 'critical');
      assert.equal(finding?.message, `users.email: ${blank} rows are NULL, empty or blank`);
      assert.equal(finding?.count, blank);
      assert.equal(messages(outcome).length, 1);
      await othersGreen(dataRules);
    }));

  it('null-role-names: roles.name NULL, critical', () =>
    underFault('null-role-names', async () => {
      const nulls = await adminCount('SELECT count(*) AS n FROM roles WHERE name IS NULL');
      assert.ok(nulls > 0);
      const outcome = await runProbe(demo, dataRules);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['roles.name is not blank']);
      assert.deepEqual(messages(outcome), [`roles.name: ${nulls} rows are NULL, empty or blank`]);
      assert.equal(only(outcome, 'critical').length, 1);
      await othersGreen(dataRules);
    }));

  it('duplicate-emails: users.email duplicated ignoring case, values and rows counted', () =>
    underFault('duplicate-emails', async () => {
      const [dup] = await admin<{ values: string; rows: string }>(`
        SELECT count(DISTINCT lower(a.email)) AS values, count(DISTINCT a.id) AS rows
        FROM users a JOIN users b ON lower(a.email) = lower(b.email) AND a.id <> b.id`);
      assert.ok(Number(dup!.values) > 0);
      const outcome = await runProbe(demo, dataRules);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['users.email is unique ignoring case']);
      const [finding] = only(outcome, 'critical');
      assert.match(finding!.message, /^users\.email: /);
      assert.ok(finding!.message.includes(`${dup!.values} value`) && finding!.message.includes(`across ${dup!.rows} rows`), finding!.message);
      assert.equal(finding!.count, Number(dup!.rows));
      await othersGreen(dataRules);
    }));

  it('lost-user-roles: users without a user_roles row', () =>
    underFault('lost-user-roles', async () => {
      const roleless = await adminCount('SELECT count(*) AS n FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE r.user_id IS NULL');
      assert.ok(roleless > 0);
      const outcome = await runProbe(demo, dataRules);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['every user has a role']);
      assert.deepEqual(messages(outcome), [`users.id: ${roleless} rows have no user_roles.user_id row (every user has a role)`]);
      await othersGreen(dataRules);
    }));

  it("missing-default-settings: users without a 'default_preferences' row (childWhere applied)", () =>
    underFault('missing-default-settings', async () => {
      const missing = await adminCount(`SELECT count(*) AS n FROM users u
        LEFT JOIN user_settings s ON s.user_id = u.id AND s.settings_key = 'default_preferences' WHERE s.id IS NULL`);
      const anySettings = await adminCount('SELECT count(*) AS n FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_settings s WHERE s.user_id = u.id)');
      // Without childWhere the other settings rows would hide the damage.
      assert.ok(missing > anySettings, `${missing} users lack defaults, ${anySettings} lack any settings`);
      const outcome = await runProbe(demo, dataRules);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['every user has default settings']);
      const [message] = messages(outcome);
      assert.ok(message?.startsWith(`users.id: ${missing} rows have no user_settings.user_id row where c.settings_key = 'default_preferences'`), message);
      await othersGreen(dataRules);
    }));

  it('scans a table once for all its notBlank columns, one step per rule', async () => {
    const base = await defaultProfile();
    const notBlank = [{ table: 'users', column: 'email' }, { table: 'users', column: 'password_hash' }, { table: 'roles', column: 'name' }];
    const outcome = await runWithProfile(dataRules, { rules: { ...base.database.rules, notBlank } });
    assert.equal(outcome.status, 'passed');
    assert.deepEqual(outcome.steps.slice(0, 3).map((s) => s.name), notBlank.map((r) => `${r.table}.${r.column} is not blank`));
    const scans = outcome.steps.flatMap((s) => s.queries).filter((q) => /count\(\*\) FILTER/.test(q));
    assert.equal(scans.filter((q) => q.includes('"public"."users"')).length, 1);
    assert.ok(scans.some((q) => q.includes('"email"') && q.includes('"password_hash"')));
  });

  it('a not-blank rule with a condition counts only the rows it holds for; a pattern rule counts the values that do not match', async () => {
    const rules = {
      notBlank: [{ table: 'users', column: 'full_name', where: 'is_active' }],
      matches: [{ table: 'users', column: 'email', pattern: '^[^@ ]+@[^@ ]+$', where: 'is_active' }],
      uniqueIgnoringCase: [],
      everyParentHasChild: [],
    };
    assert.equal((await runWithProfile(dataRules, { rules })).status, 'passed', 'the healthy demo keeps both rules');
    try {
      // Two inactive users and one active lose their names; one active and one inactive get a malformed email.
      const inactive = await admin<{ id: string }>("SELECT id FROM users WHERE NOT is_active AND email LIKE '%@pa.example' ORDER BY id LIMIT 2");
      const active = await admin<{ id: string }>("SELECT id FROM users WHERE is_active AND email LIKE '%@pa.example' ORDER BY id LIMIT 2");
      assert.equal(inactive.length, 2, 'the seed has inactive users');
      await admin("UPDATE users SET full_name = ' ' WHERE id = ANY($1::bigint[])", [[...inactive.map((u) => u.id), active[0]!.id]]);
      await admin("UPDATE users SET email = 'no-at-sign-' || id WHERE id = ANY($1::bigint[])", [[active[1]!.id, inactive[0]!.id]]);
      const outcome = await runWithProfile(dataRules, { rules });
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(messages(outcome).sort(), [
        'users.email: 1 value does not match ^[^@ ]+@[^@ ]+$ where is_active',
        'users.full_name: 1 row is NULL, empty or blank where is_active',
      ]);
      assert.deepEqual(outcome.steps.map((s) => [s.name, s.status]), [
        ['users.full_name is not blank where is_active', 'failed'],
        ['users.email matches ^[^@ ]+@[^@ ]+$ where is_active', 'failed'],
      ]);
    } finally {
      await demo.reset();
    }
  });

  it('a rule on a missing column is a major finding; on a missing table, only a note (schema-presence owns it)', async () => {
    const outcome = await runWithProfile(dataRules, {
      rules: { notBlank: [{ table: 'users', column: 'nickname' }, { table: 'no_such_table', column: 'name' }], matches: [], uniqueIgnoringCase: [], everyParentHasChild: [] },
    });
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(messages(outcome), ['users.nickname: cannot check the rule: table users has no column nickname']);
    assert.ok(only(outcome, 'info').some((f) => f.message.startsWith('no_such_table.name: not checked')));
  });
});

describe('sequences', () => {
  it("sequence-behind: users.id, naming last_value and max(id)", () =>
    underFault('sequence-behind', async () => {
      const [state] = await admin<{ last: string; max: string }>(
        "SELECT (SELECT last_value FROM users_id_seq)::text AS last, (SELECT max(id) FROM users)::text AS max");
      const outcome = await runProbe(demo, sequences);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['users.id (users_id_seq)']);
      const [finding] = only(outcome, 'critical');
      assert.match(finding!.message, /^users\.id: /);
      assert.ok(finding!.message.includes(`last_value ${state!.last}`) && finding!.message.includes(`max(id) ${state!.max}`), finding!.message);
      await othersGreen(sequences);
    }));

  it('a never-used sequence (last_value NULL) behind its column is caught', async () => {
    try {
      await admin(`CREATE TABLE verity_test_imported (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);
                   INSERT INTO verity_test_imported (id) VALUES (1), (2), (3);`);
      const outcome = await runProbe(demo, sequences);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['verity_test_imported.id (verity_test_imported_id_seq)']);
      assert.match(messages(outcome)[0]!, /^verity_test_imported\.id: .*last_value 1 with is_called false, so nextval\(\) returns 1; max\(id\) 3/);
    } finally {
      await demo.reset();
    }
  });

  // setval(…, false) and ALTER SEQUENCE … RESTART leave is_called false, where pg_sequences shows
  // last_value NULL although the sequence resumes at a value of its own, not at its start.
  describe('a sequence moved with is_called false', () => {
    interface UsersSequence {
      /** Schema-qualified, as pg_get_serial_sequence() gives it. */
      sequence: string;
      name: string;
      last: string;
      called: boolean;
      max: bigint;
    }

    /** users.id's sequence, found through the catalog, and its state before a test moves it. */
    async function usersSequence(): Promise<UsersSequence> {
      const [found] = await admin<{ sequence: string; name: string; max: string }>(`
        SELECT pg_get_serial_sequence('users', 'id') AS sequence, s.relname AS name, (SELECT max(id) FROM users)::text AS max
        FROM pg_class s WHERE s.oid = pg_get_serial_sequence('users', 'id')::regclass`);
      const [state] = await admin<{ last: string; called: boolean }>(`SELECT last_value::text AS last, is_called AS called FROM ${found!.sequence}`);
      return { sequence: found!.sequence, name: found!.name, max: BigInt(found!.max), ...state! };
    }

    /** Moves users.id's sequence, runs the check, and always puts the sequence back exactly. */
    async function withUsersSequenceMoved(move: (seq: UsersSequence) => string, check: (seq: UsersSequence) => Promise<void>): Promise<void> {
      const seq = await usersSequence();
      try {
        await admin(move(seq));
        const [moved] = await admin<{ called: boolean }>(`SELECT is_called AS called FROM ${seq.sequence}`);
        assert.equal(moved!.called, false, 'the move left is_called false');
        await check(seq);
      } finally {
        await admin('SELECT setval($1::regclass, $2::bigint, $3::boolean)', [seq.sequence, seq.last, seq.called]);
      }
    }

    const green = async () => {
      const outcome = await runProbe(demo, sequences);
      assert.equal(outcome.status, 'passed', all(outcome).join('; '));
      assert.deepEqual(all(outcome), []);
    };

    it('setval(seq, max(id) + 1, false): nextval() returns max(id) + 1, green', () =>
      withUsersSequenceMoved((seq) => `SELECT setval('${seq.sequence}', ${seq.max + 1n}, false)`, green));

    it('ALTER SEQUENCE … RESTART WITH max(id) + 1: green', () =>
      withUsersSequenceMoved((seq) => `ALTER SEQUENCE ${seq.sequence} RESTART WITH ${seq.max + 1n}`, green));

    it('setval(seq, max(id), false): nextval() returns max(id), a duplicate: critical, naming users.id', () =>
      withUsersSequenceMoved((seq) => `SELECT setval('${seq.sequence}', ${seq.max}, false)`, async (seq) => {
        const outcome = await runProbe(demo, sequences);
        assert.equal(outcome.status, 'failed');
        assert.deepEqual(failedSteps(outcome), [`users.id (${seq.name})`]);
        const found = messages(outcome);
        assert.equal(found.length, 1, found.join('; '));
        assert.equal(only(outcome, 'critical').length, 1);
        assert.ok(found[0]!.startsWith(`users.id: sequence ${seq.name} is behind the column (last_value ${seq.max} with is_called false, so nextval() returns ${seq.max}; max(id) ${seq.max})`), found[0]);
      }));
  });
});

describe('index probes', () => {
  it('invalid-index: todos_title_key on todos', () =>
    underFault('invalid-index', async () => {
      const outcome = await runProbe(demo, invalidIndexes);
      assert.equal(outcome.status, 'failed');
      const found = messages(outcome);
      assert.equal(found.length, 1);
      assert.match(found[0]!, /^Index todos_title_key on todos is INVALID/);
      // btree-integrity leaves the incomplete index alone, and stays green.
      const btree = await runProbe(demo, btreeIntegrity);
      assert.ok(!btree.steps.some((s) => s.name.endsWith('todos_title_key')));
      await othersGreen(invalidIndexes);
    }));

  it('missing-primary-key: todos', () =>
    underFault('missing-primary-key', async () => {
      const outcome = await runProbe(demo, missingPrimaryKeys);
      assert.equal(outcome.status, 'failed');
      assert.equal(messages(outcome).length, 1);
      assert.match(messages(outcome)[0]!, /^Table todos has no primary key/);
      await othersGreen(missingPrimaryKeys);
    }));

  it('missing-fk-index: auth_tokens.session_id', () =>
    underFault('missing-fk-index', async () => {
      const outcome = await runProbe(demo, unindexedForeignKeys);
      assert.equal(outcome.status, 'failed');
      assert.equal(messages(outcome).length, 1);
      assert.match(messages(outcome)[0]!, /^auth_tokens\.session_id: foreign key auth_tokens_session_id_fkey → user_sessions\.id has no index/);
      await othersGreen(unindexedForeignKeys);

      // An index whose leading column is another one, or a partial one, does not serve the key.
      await admin('CREATE INDEX verity_test_family_session ON auth_tokens (family_id, session_id)');
      await admin('CREATE INDEX verity_test_partial ON auth_tokens (session_id) WHERE revoked_at IS NULL');
      assert.equal((await runProbe(demo, unindexedForeignKeys)).status, 'failed');
      await admin('CREATE INDEX verity_test_session_family ON auth_tokens (session_id, family_id)');
      const fixed = await runProbe(demo, unindexedForeignKeys);
      assert.equal(fixed.status, 'passed', messages(fixed).join('; '));
    }));

  it('statistics-lost: passes with two minor findings, no ANALYZE on record and the planner statistics gone, counting every table', () =>
    underFault('statistics-lost', async () => {
      const tables = await adminCount("SELECT count(*) AS n FROM pg_stat_user_tables WHERE schemaname = 'public'");
      const analyzedWithRows = await adminCount("SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples > 0");
      assert.ok(analyzedWithRows > 10, 'the seeded tables were analyzed');
      const outcome = await runProbe(demo, neverAnalyzed);
      assert.equal(outcome.status, 'passed');
      assert.deepEqual(messages(outcome), []);
      const [never, lost, ...others] = only(outcome, 'minor');
      assert.equal(others.length, 0);
      assert.equal(never!.count, tables);
      assert.match(never!.message, new RegExp(`^${tables} of ${tables} tables have never been analyzed .*: users, roles, permissions`));
      assert.equal(lost!.count, analyzedWithRows);
      assert.match(lost!.message, new RegExp(`^${analyzedWithRows} of ${analyzedWithRows} analyzed tables have lost their planner statistics \\(pg_stats has none for them\\)`));
      await othersGreen(neverAnalyzed);
    }));

  it('never-analyzed names a table created after the last ANALYZE', async () => {
    try {
      await admin('CREATE TABLE verity_test_leftover AS SELECT id FROM users LIMIT 3');
      const outcome = await runProbe(demo, neverAnalyzed);
      assert.equal(outcome.status, 'passed');
      assert.deepEqual(only(outcome, 'minor').map((f) => [f.table, f.count]), [['verity_test_leftover', 1]]);
      assert.match(only(outcome, 'minor')[0]!.message, /^1 of \d+ tables has never been analyzed .*: verity_test_leftover; run ANALYZE$/);
    } finally {
      await demo.reset();
    }
  });
});

describe('btree-integrity', () => {
  it('corrupt-btree-index: a critical finding naming todos_pkey and amcheck\'s words; every other index still checked', () =>
    underFault('corrupt-btree-index', async () => {
      const outcome = await runProbe(demo, btreeIntegrity);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['todos: todos_pkey']);
      assert.equal(outcome.steps.filter((s) => s.status === 'broken').length, 0, 'no step broke');
      assert.ok(outcome.steps.filter((s) => s.status === 'passed').length > 1);
      const found = messages(outcome);
      assert.equal(found.length, 1, found.join('; '));
      assert.match(found[0]!, /^Index todos_pkey on todos is corrupt: .*todos_pkey/);
      assert.equal(only(outcome, 'critical').length, 1);
      await othersGreen(btreeIntegrity);
    }));

  it('missing-extension: skipped, saying why', () =>
    underFault('missing-extension', async () => {
      const outcome = await runProbe(demo, btreeIntegrity);
      assert.equal(outcome.status, 'skipped');
      assert.match(outcome.skipReason ?? '', /amcheck extension is not installed/);
      assert.deepEqual(outcome.findings, []);
      await othersGreen(btreeIntegrity);
    }));

  it("skipped when Verity's role may not execute bt_index_check", async () => {
    try {
      await admin('REVOKE EXECUTE ON FUNCTION bt_index_check(regclass, boolean) FROM verity_ro');
      const outcome = await runProbe(demo, btreeIntegrity);
      assert.equal(outcome.status, 'skipped');
      assert.match(outcome.skipReason ?? '', /may not execute .*bt_index_check\(regclass, boolean\)/);
    } finally {
      await demo.reset();
    }
  });
});

describe('collation-versions', () => {
  it('collation-version-mismatch: the database, both versions named', () =>
    underFault('collation-version-mismatch', async () => {
      const [db] = await admin<{ name: string; recorded: string; actual: string }>(
        'SELECT datname AS name, datcollversion AS recorded, pg_database_collation_actual_version(oid) AS actual FROM pg_database WHERE datname = current_database()');
      assert.notEqual(db!.recorded, db!.actual);
      const outcome = await runProbe(demo, collationVersions);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['Database collation version']);
      const found = messages(outcome);
      assert.equal(found.length, 1);
      assert.ok(found[0]!.startsWith(`Database ${db!.name}: collation version ${db!.recorded} was recorded, but the server's library now provides ${db!.actual}`), found[0]);
      await othersGreen(collationVersions);
    }));

  it('a collation used by a column whose recorded version differs is named with its users', async () => {
    try {
      await admin(`CREATE COLLATION verity_test_de (provider = icu, locale = 'de');
                   CREATE TABLE verity_test_names (name text COLLATE verity_test_de);`);
      assert.equal((await runProbe(demo, collationVersions)).status, 'passed', 'a freshly created collation matches its library');
      await admin(`UPDATE pg_collation SET collversion = '0.0' WHERE collname = 'verity_test_de'`);
      const outcome = await runProbe(demo, collationVersions);
      assert.equal(outcome.status, 'failed');
      assert.deepEqual(failedSteps(outcome), ['Collations used by tables and indexes']);
      const [actual] = await admin<{ v: string }>(`SELECT pg_collation_actual_version(oid) AS v FROM pg_collation WHERE collname = 'verity_test_de'`);
      const message = messages(outcome)[0] ?? '';
      assert.ok(message.startsWith(`Collation verity_test_de: version 0.0 was recorded, but the library now provides ${actual!.v} (used by `), message);
      assert.ok(message.includes('verity_test_names.name'), message);
    } finally {
      await demo.reset();
    }
  });
});

describe('runner: a step that handles an SQL error itself', () => {
  it('keeps its own findings, gets no "check itself failed", and later steps run', async () => {
    const probe = defineProbe({
      id: 'caught-error', title: 'caught error', group: 'Indexes', severity: 'critical', what: '', why: '',
      async run(ctx) {
        await ctx.step('catches', async () => {
          try {
            await ctx.query('SELECT 1 / 0');
          } catch (err) {
            ctx.finding({ severity: 'critical', message: `caught ${(err as { code?: string }).code}` });
          }
        });
        await ctx.step('uncaught', async () => {
          await ctx.query('SELECT 1 / 0');
        });
        await ctx.step('after', async () => {
          const [row] = await ctx.query<{ n: number }>('SELECT 2 AS n');
          ctx.fact('after', row!.n);
        });
      },
    });
    const run = await runProbes({ databaseURL: demo.verifierDatabaseURL, config: testConfig(), profile: await defaultProfile(), probes: [probe] });
    const outcome = run.outcomes[0]!;
    assert.deepEqual(outcome.steps.map((s) => [s.name, s.status]), [['catches', 'failed'], ['uncaught', 'broken'], ['after', 'passed']]);
    assert.deepEqual(outcome.findings.map((f) => [f.severity, f.message]), [
      ['critical', 'caught 22012'],
      ['major', 'uncaught: the check itself failed: division by zero'],
    ]);
    assert.deepEqual(outcome.facts, [{ name: 'after', value: '2' }]);
  });
});
