// Every fault in the catalog applies, shows its symptom, and resets to the exact seeded state.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, exportSPKI, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';
import pg from 'pg';
import { faults, type Demo, type FaultName } from '../src/index.ts';
import { adminQuery, call, claimsOf, login, qa, qa2, startTestDemo } from './helpers.ts';

const encodeSegment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An HS256 token; node:crypto, unlike jose, signs with any secret, the empty one included. */
const hs256 = (header: object, claims: object, secret: string) => {
  const input = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

const one = async (demo: Demo, sql: string, params: unknown[] = []) => (await adminQuery(demo, sql, params))[0];
const count = async (demo: Demo, sql: string) => Number((await one(demo, sql)).n);
const exists = async (demo: Demo, relation: string) => (await one(demo, 'SELECT to_regclass($1) IS NOT NULL AS e', [relation])).e as boolean;

/** How each fault shows itself, observed from outside: SQL as the superuser, or HTTP. */
const symptoms: Record<FaultName, (demo: Demo) => Promise<void>> = {
  'orphaned-sessions': async (d) => {
    assert.equal(await count(d, 'SELECT count(*) AS n FROM user_sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)'), 25);
  },
  'orphaned-messages': async (d) => {
    assert.equal(await count(d, 'SELECT count(*) AS n FROM conversation_messages m WHERE NOT EXISTS (SELECT 1 FROM conversation_states c WHERE c.conversation_id = m.conversation_id)'), 40);
  },
  'blank-emails': async (d) => {
    assert.equal(await count(d, "SELECT count(*) AS n FROM users WHERE btrim(email, E' \\t') = ''"), 3);
  },
  'null-role-names': async (d) => {
    assert.equal(await count(d, 'SELECT count(*) AS n FROM roles WHERE name IS NULL'), 2);
  },
  'expired-sessions-active': async (d) => {
    const found = await count(d, 'SELECT count(*) AS n FROM user_sessions WHERE is_active AND expires_at < now()');
    assert.ok(found > 100, `${found} rows, expected > 100`);
  },
  'missing-table': async (d) => {
    assert.equal(await exists(d, 'ltm_memory_tags'), false);
  },
  'missing-users-table': async (d) => {
    assert.equal(await exists(d, 'users'), false);
    assert.equal((await call(d, '/api/v1/auth/login', { method: 'POST', json: { email: qa.email, password: qa.password } })).status, 500);
  },
  'sequence-behind': async (d) => {
    const row = await one(d, "SELECT (SELECT last_value FROM users_id_seq) < (SELECT max(id) FROM users) AS behind");
    assert.equal(row.behind, true);
  },
  'invalid-index': async (d) => {
    assert.equal((await one(d, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'todos_title_key'::regclass")).indisvalid, false);
  },
  'dropped-foreign-key': async (d) => {
    assert.equal(await count(d, "SELECT count(*) AS n FROM pg_constraint WHERE conname = 'auth_tokens_session_id_fkey'"), 0);
  },
  'lost-declared-foreign-key': async (d) => {
    assert.equal(await count(d, "SELECT count(*) AS n FROM pg_constraint WHERE conname = 'user_settings_user_id_fkey'"), 0);
  },
  'malformed-password-hashes': async (d) => {
    assert.equal(await count(d, "SELECT count(*) AS n FROM users WHERE password_hash !~ '^scrypt\\$'"), 6);
  },
  'missing-fk-index': async (d) => {
    assert.equal(await exists(d, 'auth_tokens_session_id_idx'), false);
  },
  'missing-primary-key': async (d) => {
    assert.equal(await count(d, "SELECT count(*) AS n FROM pg_constraint WHERE conrelid = 'todos'::regclass AND contype = 'p'"), 0);
  },
  'stale-restore': async (d) => {
    const row = await one(d, "SELECT max(created_at) < now() - interval '29 days' AS stale FROM conversation_messages");
    assert.equal(row.stale, true);
  },
  'lost-grants': async (d) => {
    assert.equal((await one(d, "SELECT has_table_privilege('pa_app', 'users', 'SELECT') AS p")).p, false);
    assert.equal((await call(d, '/api/v1/auth/login', { method: 'POST', json: { email: qa.email, password: qa.password } })).status, 500);
  },
  'duplicate-emails': async (d) => {
    assert.equal(await count(d, 'SELECT count(*) AS n FROM (SELECT lower(email) FROM users GROUP BY 1 HAVING count(*) > 1) dup'), 1);
  },
  'not-valid-fk-orphans': async (d) => {
    assert.equal((await one(d, "SELECT convalidated FROM pg_constraint WHERE conname = 'user_roles_user_id_fkey'")).convalidated, false);
    assert.equal(await count(d, 'SELECT count(*) AS n FROM user_roles ur WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = ur.user_id)'), 12);
  },
  'lost-user-roles': async (d) => {
    const found = await count(d, 'SELECT count(*) AS n FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id)');
    assert.ok(found > 100, `${found} rows, expected > 100`);
  },
  'missing-default-settings': async (d) => {
    const found = await count(d, "SELECT count(*) AS n FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_settings s WHERE s.user_id = u.id AND s.settings_key = 'default_preferences')");
    assert.ok(found > 100, `${found} rows, expected > 100`);
  },
  'unexpected-table': async (d) => {
    assert.equal(await exists(d, 'users_backup_restore'), true);
  },
  'missing-extension': async (d) => {
    assert.equal(await count(d, "SELECT count(*) AS n FROM pg_extension WHERE extname = 'amcheck'"), 0);
  },
  'collation-version-mismatch': async (d) => {
    const row = await one(d, 'SELECT datcollversion IS DISTINCT FROM pg_database_collation_actual_version(oid) AS mismatch FROM pg_database WHERE datname = current_database()');
    assert.equal(row.mismatch, true);
  },
  'statistics-lost': async (d) => {
    assert.equal(await count(d, 'SELECT count(*) AS n FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL'), 0);
    assert.equal(await count(d, "SELECT count(*) AS n FROM pg_stats WHERE schemaname = 'public'"), 0, 'the planner statistics themselves are gone');
  },
  'app-down': async (d) => {
    // A new connection, not one kept alive from an earlier call: nothing listens any more.
    const refused = await new Promise<string | undefined>((resolve) => {
      const socket = connect(Number(new URL(d.baseURL).port), '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(undefined)));
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    });
    assert.equal(refused, 'ECONNREFUSED');
  },
  'database-down': async (d) => {
    const answer = await call(d, '/health');
    assert.equal(answer.status, 503);
    assert.equal(answer.body.database.reachable, false);
  },
  'long-transaction': async (d) => {
    assert.equal(await count(d, "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'pa-nightly-export' AND state = 'idle in transaction'"), 1);
  },
  'blocked-lock': async (d) => {
    assert.equal(await count(d, 'SELECT count(*) AS n FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0'), 1);
  },
  'connection-saturation': async (d) => {
    const row = await one(d, "SELECT count(*)::float / current_setting('max_connections')::int AS used FROM pg_stat_activity WHERE backend_type = 'client backend'");
    assert.ok(row.used >= 0.7, `connections used: ${row.used}`);
  },
  crash: async (d) => {
    assert.equal(await count(d, 'SELECT count(*) AS n FROM dashboard_counts'), 0);
    const found = await count(d, 'SELECT count(*) AS n FROM users');
    assert.ok(found > 0, `${found} rows, expected > 0`);
  },
  'server-in-recovery': async (d) => {
    assert.equal((await one(d, 'SELECT pg_is_in_recovery() AS r')).r, true);
  },
  'corrupt-btree-index': async (d) => {
    await assert.rejects(adminQuery(d, "SELECT bt_index_check('todos_pkey')"), /item order invariant violated|corrupt/i);
    // The damaged page still passes its checksum: only amcheck notices.
    assert.equal(await count(d, 'SELECT count(*) AS n FROM todos'), await count(d, 'SELECT reltuples::bigint AS n FROM pg_class WHERE relname = \'todos\''));
  },
  'checksum-failure': async (d) => {
    const found = await count(d, 'SELECT checksum_failures AS n FROM pg_stat_database WHERE datname = current_database()');
    assert.ok(found > 0, `${found} rows, expected > 0`);
    await assert.rejects(adminQuery(d, 'SELECT count(*) FROM grocery_deals'), /invalid page in block 0/);
  },
  'foreign-signing-key': async (d) => {
    const { access_token } = await login(d);
    assert.equal((await call(d, '/api/v1/users/me', { token: access_token })).status, 200);
    const jwks = createRemoteJWKSet(new URL(d.baseURL + '/.well-known/jwks.json'));
    await assert.rejects(jwtVerify(access_token, jwks));
  },
  'signature-unchecked': async (d) => {
    const { access_token } = await login(d);
    const [header, , signature] = access_token.split('.');
    const changedPayload = encodeSegment({ ...claimsOf(access_token), changed_after_signing: true });
    assert.equal((await call(d, '/api/v1/users/me', { token: `${header}.${changedPayload}.${signature}` })).status, 200);
  },
  'kid-read-as-path': async (d) => {
    const { access_token } = await login(d);
    const claims = claimsOf(access_token);
    const pathKid = '../../../../../../dev/null';
    assert.equal((await call(d, '/api/v1/users/me', { token: hs256({ alg: 'HS256', typ: 'JWT', kid: pathKid }, claims, '') })).status, 200, `kid ${pathKid}, empty secret`);
    const { keys } = (await call(d, '/.well-known/jwks.json')).body as { keys: JWK[] };
    const next = keys.find((k) => k.kid !== decodeProtectedHeader(access_token).kid)!;
    const nextPem = `${await exportSPKI((await importJWK(next, 'RS256')) as CryptoKey)}\n`;
    assert.equal((await call(d, '/api/v1/users/me', { token: hs256({ alg: 'HS256', typ: 'JWT', kid: next.kid }, claims, nextPem) })).status, 200, "the next key's kid, its PEM as secret");
  },
  'refresh-500': async (d) => {
    const { refresh_token } = await login(d);
    assert.equal((await call(d, '/api/v1/auth/refresh', { method: 'POST', json: { refresh_token } })).status, 500);
  },
  'users-me-500': async (d) => {
    const { access_token } = await login(d);
    const answer = await call(d, '/api/v1/users/me', { token: access_token });
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.body, { error: 'internal_error', message: 'Internal server error' }, 'no stack trace reaches the client');
  },
  'endpoint-without-auth': async (d) => {
    assert.equal((await call(d, '/api/v1/oauth/providers')).status, 200);
  },
  'admin-open': async (d) => {
    const { access_token } = await login(d);
    assert.equal((await call(d, '/api/v1/admin/users', { token: access_token })).status, 200);
  },
  'conversation-idor': async (d) => {
    const mine = await login(d, qa);
    const theirs = await login(d, qa2);
    const list = await call(d, '/api/v1/chat/conversations', { token: theirs.access_token });
    assert.equal((await call(d, `/api/v1/chat/conversations/${list.body.items[0].conversation_id}`, { token: mine.access_token })).status, 200);
  },
  'slow-endpoint': async (d) => {
    const { access_token } = await login(d);
    const started = performance.now();
    assert.equal((await call(d, '/api/v1/chat/conversations', { token: access_token })).status, 200);
    assert.ok(performance.now() - started >= 1000, 'the slow endpoint stalls for at least slowEndpointSeconds');
  },
  'spa-refresh-broken': async (d) => {
    assert.equal((await call(d, '/app-config.json')).body.refresh_on_401, false);
  },
  'spa-cross-origin-api': async (d) => {
    const config = (await call(d, '/app-config.json')).body;
    assert.notEqual(new URL(config.api_base).origin, new URL(d.baseURL).origin);
    const preflight = await fetch(config.api_base + '/api/v1/users/me', { method: 'OPTIONS', headers: { origin: d.baseURL, 'access-control-request-method': 'GET' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null, 'CORS does not allow the page origin');
  },
  'json-endpoint-html': async (d) => {
    const { access_token } = await login(d);
    const answer = await call(d, '/api/v1/analytics/sms/usage', { token: access_token });
    assert.match(answer.headers.get('content-type') ?? '', /text\/html/);
  },
  'login-reveals-email': async (d) => {
    const wrong = await call(d, '/api/v1/auth/login', { method: 'POST', json: { email: qa.email, password: 'wrong' } });
    const unknown = await call(d, '/api/v1/auth/login', { method: 'POST', json: { email: 'nobody@example.test', password: 'wrong' } });
    assert.notEqual(unknown.status, wrong.status);
  },
  'logout-keeps-token': async (d) => {
    const { access_token } = await login(d);
    assert.equal((await call(d, '/api/v1/auth/logout', { method: 'POST', token: access_token })).status, 204);
    assert.equal((await call(d, '/api/v1/users/me', { token: access_token })).status, 200);
  },
  'app-log-errors': async (d) => {
    const before = readFileSync(d.appLogFile, 'utf8').length;
    await call(d, '/api/v1/info');
    // The log is written asynchronously: poll for the line, within a bound.
    const deadline = Date.now() + 5000;
    let errorLines = 0;
    while (errorLines === 0 && Date.now() < deadline) {
      const written = readFileSync(d.appLogFile, 'utf8').slice(before).split('\n').filter((l) => l.endsWith('}'));
      errorLines = written.map((l) => JSON.parse(l)).filter((l) => l.level >= 50).length;
      if (!errorLines) await delay(25);
    }
    assert.ok(errorLines > 0, 'the app logged lines at error level');
  },
};

/**
 * Everything a fault could leave behind: schema, constraints and their validity, indexes,
 * grants, extensions, sequences, recovery state, collation version, and every table's rows.
 */
async function fingerprint(demo: Demo): Promise<Record<string, unknown>> {
  const client = new pg.Client({ connectionString: demo.adminDatabaseURL });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows;
    const catalog = {
      columns: await q(`SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, c.relpersistence, c.relacl::text
                        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2`),
      constraints: await q(`SELECT conrelid::regclass::text AS rel, conname, contype, convalidated, pg_get_constraintdef(oid) AS def
                            FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`),
      indexes: await q(`SELECT indexrelid::regclass::text AS idx, indisvalid, indisready FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                        WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1`),
      extensions: await q('SELECT extname, extversion FROM pg_extension ORDER BY 1'),
      sequences: await q("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"),
      server: await q(`SELECT pg_is_in_recovery() AS recovery, datcollversion FROM pg_database WHERE datname = current_database()`),
      roles: await q(`SELECT rolname, rolsuper, rolcanlogin FROM pg_roles WHERE rolname IN ('pa_app', 'verity_ro') ORDER BY 1`),
    };
    const tables = (await q("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1")).map((r) => r.relname as string);
    const rows: Record<string, unknown> = {};
    for (const table of tables) {
      const [row] = await q(`SELECT count(*)::int AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS h FROM "${table}" t`);
      rows[table] = row;
    }
    return { ...catalog, rows };
  } finally {
    await client.end();
  }
}

let demo: Demo;
let seeded: Record<string, unknown>;

before(async () => {
  demo = await startTestDemo({ slowEndpointSeconds: 1 });
  seeded = await fingerprint(demo);
});
after(async () => {
  await demo?.stop();
});

describe('fault catalog', () => {
  it('lists each fault once, with a layer, a kind and a one-line symptom', () => {
    const names = faults.map((f) => f.name);
    assert.equal(new Set(names).size, names.length);
    for (const fault of faults) {
      assert.match(fault.name, /^[a-z0-9-]+$/);
      assert.ok(['database', 'application', 'infrastructure'].includes(fault.layer));
      assert.ok(['sql', 'files', 'holder', 'crash', 'app', 'process'].includes(fault.kind));
      assert.ok(fault.symptom.length > 10 && !fault.symptom.includes('\n'), `${fault.name}: a one-line symptom`);
    }
  });

  it('the healthy demo shows none of the symptoms', async () => {
    for (const [name, symptom] of Object.entries(symptoms)) {
      const t0 = Date.now();
      await assert.rejects(symptom(demo), `${name}'s symptom must not show on the healthy demo`);
      console.error('TIMING', name, Date.now() - t0);
    }
  });

  for (const fault of faults) {
    it(`${fault.name}: applies, shows its symptom, and resets to the seeded state`, async () => {
      try {
        await demo.applyFault(fault.name);
        assert.deepEqual(demo.activeFaults(), [fault.name]);
        await symptoms[fault.name](demo);
      } finally {
        await demo.reset();
      }
      assert.deepEqual(demo.activeFaults(), []);
      assert.deepEqual(await fingerprint(demo), seeded);
      assert.equal((await call(demo, '/health')).status, 200);
      await login(demo);
    });
  }
});
