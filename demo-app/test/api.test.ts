// The demo's API against a real embedded PostgreSQL, in bearer mode.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { z } from 'zod';
import type { Demo } from '../src/index.ts';
import { adminQuery, admin, call, claimsOf, login, qa, qa2, startTestDemo } from './helpers.ts';

const timestamp = z.string().datetime({ offset: true });
const errorBody = z.object({ error: z.string(), message: z.string() }).strict();
const schemas = {
  '/api/v1/users/me': z.object({ id: z.number().int(), email: z.string().email(), full_name: z.string(), roles: z.array(z.string()), created_at: timestamp, last_login_at: timestamp.nullable() }).strict(),
  '/api/v1/dashboard': z.object({ conversations: z.number().int(), messages: z.number().int(), sms_messages: z.number().int(), refreshed_at: timestamp }).strict(),
  '/api/v1/chat/conversations': z.object({
    total: z.number().int(),
    items: z.array(z.object({ conversation_id: z.string().uuid(), title: z.string(), status: z.string(), message_count: z.number().int(), updated_at: timestamp }).strict()),
  }).strict(),
  '/api/v1/oauth/providers': z.object({ providers: z.array(z.object({ name: z.string(), display_name: z.string(), connected: z.boolean() }).strict()) }).strict(),
  '/api/v1/analytics/sms/usage': z.object({
    total: z.number().int(), inbound: z.number().int(), outbound: z.number().int(), total_cost_cents: z.number().int(),
    by_day: z.array(z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), count: z.number().int() }).strict()),
  }).strict(),
};
const conversationSchema = z.object({
  conversation_id: z.string().uuid(), title: z.string(), status: z.string(), created_at: timestamp,
  messages: z.array(z.object({ id: z.number().int(), role: z.string(), content: z.string(), created_at: timestamp }).strict()),
}).strict();

let demo: Demo;
before(async () => {
  demo = await startTestDemo();
});
after(async () => {
  await demo?.stop();
});

describe('public endpoints', () => {
  it('/health reports the app version and a reachable database', async () => {
    const health = await call(demo, '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    assert.equal(health.body.database.reachable, true);
    assert.equal(typeof health.body.database.latency_ms, 'number');
    assert.match(health.body.version, /^\d+\.\d+\.\d+$/);
  });

  it('/api/v1/info names the app and its auth mode', async () => {
    const info = await call(demo, '/api/v1/info');
    assert.deepEqual(info.body, { name: 'Personal Assistant', version: info.body.version, auth_mode: 'bearer' });
  });

  it('/openapi.json describes every endpoint with its security and response schemas', async () => {
    const doc = await call(demo, '/openapi.json');
    assert.equal(doc.status, 200);
    const paths = doc.body.paths;
    for (const p of ['/api/v1/users/me', '/api/v1/chat/conversations', '/api/v1/chat/conversations/{conversation_id}', '/api/v1/oauth/providers', '/api/v1/analytics/sms/usage', '/api/v1/admin/users', '/api/v1/dashboard']) {
      assert.ok(paths[p]?.get, `${p} is documented`);
      assert.deepEqual(paths[p].get.security, [{ bearerAuth: [] }], `${p} declares bearer security`);
      assert.ok(paths[p].get.responses['200'].content['application/json'].schema, `${p} has a 200 schema`);
      assert.ok(paths[p].get.responses['401'], `${p} documents 401`);
    }
    for (const p of ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout']) assert.ok(paths[p]?.post, `${p} is documented`);
    assert.equal(paths['/health'].get.security, undefined);
  });

  it('/docs serves interactive documentation', async () => {
    const docs = await call(demo, '/docs/', { headers: { accept: 'text/html' } });
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger-ui/i);
  });

  it('unknown /api paths answer JSON 404; page routes get the SPA', async () => {
    const missing = await call(demo, '/api/v1/nothing-here', { headers: { accept: 'text/html' } });
    assert.equal(missing.status, 404);
    assert.ok(errorBody.safeParse(missing.body).success);
    const page = await call(demo, '/conversations', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.text, /<div id="root">/);
  });

  it('pages and API answers carry the security headers', async () => {
    for (const path of ['/', '/api/v1/info']) {
      const answer = await call(demo, path, { headers: { accept: 'text/html' } });
      assert.match(answer.headers.get('content-security-policy') ?? '', /default-src 'self'/, path);
      assert.match(answer.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(answer.headers.get('x-frame-options'), 'DENY', path);
      assert.ok(answer.headers.get('referrer-policy'), path);
    }
  });
});

describe('login', () => {
  it('gives an RS256 access token verifiable with the JWKS, with the expected claims', async () => {
    const tokens = await login(demo, qa);
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, 900);
    const jwks = createRemoteJWKSet(new URL(demo.baseURL + '/.well-known/jwks.json'));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: 'personal-assistant', audience: 'personal-assistant-web' });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.ok(protectedHeader.kid);
    assert.equal(payload.exp! - payload.iat!, 900);
    assert.ok(payload.jti);
    const [user] = await adminQuery(demo, 'SELECT id::text FROM users WHERE email = $1', [qa.email]);
    assert.equal(payload.sub, user.id);
    const [session] = await adminQuery(demo, 'SELECT user_id::text, is_active, expires_at > now() AS current FROM user_sessions WHERE id = $1', [payload.sid]);
    assert.deepEqual(session, { user_id: user.id, is_active: true, current: true });
  });

  it('publishes two keys: the one that signs, and the next one ahead of a rotation, named by its kid alone', async () => {
    const { access_token } = await login(demo, qa);
    const { keys } = (await call(demo, '/.well-known/jwks.json')).body as { keys: { kid: string; kty: string; alg: string; use: string }[] };
    assert.deepEqual(keys.map((k) => [k.kty, k.alg, k.use]), [['RSA', 'RS256', 'sig'], ['RSA', 'RS256', 'sig']]);
    const [header, payload, signature] = access_token.split('.') as [string, string, string];
    const signingKid = JSON.parse(Buffer.from(header, 'base64url').toString()).kid;
    assert.equal(keys[0]!.kid, signingKid);
    assert.notEqual(keys[1]!.kid, signingKid);
    assert.equal((await call(demo, '/api/v1/users/me', { token: access_token })).status, 200);
    // A header naming the next key's kid is not the header that was signed: refused.
    const nextKidHeader = Buffer.from(JSON.stringify({ alg: 'RS256', kid: keys[1]!.kid, typ: 'JWT' })).toString('base64url');
    assert.equal((await call(demo, '/api/v1/users/me', { token: `${nextKidHeader}.${payload}.${signature}` })).status, 401);
  });

  it('accepts the email in any letter case', async () => {
    await login(demo, { ...qa, email: qa.email.toUpperCase() });
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const wrong = await call(demo, '/api/v1/auth/login', { method: 'POST', json: { email: qa.email, password: 'not-the-password' } });
    const unknown = await call(demo, '/api/v1/auth/login', { method: 'POST', json: { email: 'nobody@example.test', password: 'not-the-password' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, wrong.status);
    assert.equal(unknown.text, wrong.text);
    const comparable = (h: Headers) => [...h.entries()].filter(([k]) => !['date', 'content-length'].includes(k));
    assert.deepEqual(comparable(unknown.headers), comparable(wrong.headers));
  });

  it('rejects a malformed body with 422', async () => {
    const answer = await call(demo, '/api/v1/auth/login', { method: 'POST', json: { email: qa.email } });
    assert.equal(answer.status, 422);
    assert.ok(errorBody.safeParse(answer.body).success);
  });
});

describe('protected endpoints', () => {
  for (const [path, schema] of Object.entries(schemas)) {
    it(`${path}: 200 with a body matching its schema, 401 without or with a bad token`, async () => {
      const { access_token } = await login(demo);
      const ok = await call(demo, path, { token: access_token });
      assert.equal(ok.status, 200, ok.text);
      assert.match(ok.headers.get('content-type') ?? '', /application\/json/);
      const parsed = schema.safeParse(ok.body);
      assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
      const none = await call(demo, path);
      assert.equal(none.status, 401);
      assert.ok(errorBody.safeParse(none.body).success);
      const tampered = access_token.slice(0, -4) + (access_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      assert.equal((await call(demo, path, { token: tampered })).status, 401);
    });
  }

  it('/users/me returns the caller, with their roles', async () => {
    const { access_token } = await login(demo, admin);
    const me = await call(demo, '/api/v1/users/me', { token: access_token });
    assert.equal(me.body.email, admin.email);
    assert.deepEqual(me.body.roles, ['admin', 'user']);
  });

  it("the conversation list matches the database, and each conversation opens with its messages", async () => {
    const { access_token } = await login(demo);
    const list = await call(demo, '/api/v1/chat/conversations', { token: access_token });
    const [db] = await adminQuery(demo, 'SELECT count(*)::int AS n FROM conversation_states c JOIN users u ON u.id = c.user_id WHERE u.email = $1', [qa.email]);
    assert.equal(list.body.total, db.n);
    assert.ok(db.n > 0);
    const first = list.body.items[0];
    const one = await call(demo, `/api/v1/chat/conversations/${first.conversation_id}`, { token: access_token });
    assert.equal(one.status, 200);
    assert.ok(conversationSchema.safeParse(one.body).success);
    assert.equal(one.body.messages.length, first.message_count);
  });

  it("another user's conversation is not found", async () => {
    const mine = await login(demo, qa);
    const theirs = await login(demo, qa2);
    const list = await call(demo, '/api/v1/chat/conversations', { token: theirs.access_token });
    const other = await call(demo, `/api/v1/chat/conversations/${list.body.items[0].conversation_id}`, { token: mine.access_token });
    assert.equal(other.status, 404);
    assert.ok(errorBody.safeParse(other.body).success);
  });

  it('the admin endpoint refuses a user (403) and serves the admin (200)', async () => {
    const user = await login(demo, qa);
    const boss = await login(demo, admin);
    assert.equal((await call(demo, '/api/v1/admin/users', { token: user.access_token })).status, 403);
    const answer = await call(demo, '/api/v1/admin/users', { token: boss.access_token });
    assert.equal(answer.status, 200);
    assert.ok(answer.body.total >= 1000);
  });

  it('the dashboard is served from the UNLOGGED cache and rebuilt when the row is missing', async () => {
    const { access_token } = await login(demo);
    const before = await call(demo, '/api/v1/dashboard', { token: access_token });
    await adminQuery(demo, 'DELETE FROM dashboard_counts WHERE user_id = (SELECT id FROM users WHERE email = $1)', [qa.email]);
    const after = await call(demo, '/api/v1/dashboard', { token: access_token });
    assert.equal(after.status, 200);
    assert.equal(after.body.conversations, before.body.conversations);
    const [row] = await adminQuery(demo, "SELECT relpersistence FROM pg_class WHERE relname = 'dashboard_counts'");
    assert.equal(row.relpersistence, 'u');
  });
});

describe('refresh and logout', () => {
  it('refresh rotates: the new pair works, the used refresh token is refused', async () => {
    const first = await login(demo);
    const second = await call(demo, '/api/v1/auth/refresh', { method: 'POST', json: { refresh_token: first.refresh_token } });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    assert.equal(claimsOf(second.body.access_token).sid, claimsOf(first.access_token).sid);
    assert.equal((await call(demo, '/api/v1/users/me', { token: second.body.access_token })).status, 200);
    const [stored] = await adminQuery(demo, 'SELECT count(*)::int AS n FROM auth_tokens WHERE token_hash = $1', [first.refresh_token]);
    assert.equal(stored.n, 0, 'refresh tokens are stored hashed, never as issued');
  });

  it('reusing a revoked refresh token revokes the whole family and ends the session', async () => {
    const first = await login(demo);
    const second = await call(demo, '/api/v1/auth/refresh', { method: 'POST', json: { refresh_token: first.refresh_token } });
    const replay = await call(demo, '/api/v1/auth/refresh', { method: 'POST', json: { refresh_token: first.refresh_token } });
    assert.equal(replay.status, 401);
    const afterReplay = await call(demo, '/api/v1/auth/refresh', { method: 'POST', json: { refresh_token: second.body.refresh_token } });
    assert.equal(afterReplay.status, 401, 'the newest member of the family is revoked too');
    assert.equal((await call(demo, '/api/v1/users/me', { token: second.body.access_token })).status, 401);
    const sid = claimsOf(first.access_token).sid;
    const rows = await adminQuery(demo, 'SELECT revoked_at IS NOT NULL AS revoked FROM auth_tokens WHERE session_id = $1', [sid]);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.revoked));
  });

  it('logout ends the session at once: the access token and the refresh token stop working', async () => {
    const tokens = await login(demo);
    const out = await call(demo, '/api/v1/auth/logout', { method: 'POST', token: tokens.access_token });
    assert.equal(out.status, 204);
    assert.equal((await call(demo, '/api/v1/users/me', { token: tokens.access_token })).status, 401);
    assert.equal((await call(demo, '/api/v1/auth/refresh', { method: 'POST', json: { refresh_token: tokens.refresh_token } })).status, 401);
    const [session] = await adminQuery(demo, 'SELECT is_active FROM user_sessions WHERE id = $1', [claimsOf(tokens.access_token).sid]);
    assert.equal(session.is_active, false);
  });

  it('an expired access token is refused, and the sweeper closes expired sessions', async () => {
    const short = await startTestDemo({ accessTtlSeconds: 1, sweepIntervalMs: 200 });
    try {
      const tokens = await login(short);
      // Poll until the server refuses the token: bounded by the TTL plus a margin, no sleeps.
      const deadline = Date.now() + 5000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) status = (await call(short, '/api/v1/users/me', { token: tokens.access_token })).status;
      assert.equal(status, 401);
      const sid = claimsOf(tokens.access_token).sid;
      await adminQuery(short, "UPDATE user_sessions SET expires_at = now() - interval '1 minute' WHERE id = $1", [sid]);
      let active = true;
      while (active && Date.now() < deadline + 5000) [{ is_active: active }] = await adminQuery(short, 'SELECT is_active FROM user_sessions WHERE id = $1', [sid]);
      assert.equal(active, false);
    } finally {
      await short.stop();
    }
  });
});

describe('database connection lost', () => {
  it('a connection lost mid-transaction fails that request alone: the app answers the next one', async () => {
    // A lock holds the sign-in inside its transaction; ending that backend is what a crash or a
    // restart does to it. The process hosting the app must not die of the lost connection.
    // A demo of its own: the shared one's log must stay free of errors.
    const demo = await startTestDemo();
    const holder = new pg.Client({ connectionString: demo.adminDatabaseURL });
    try {
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE user_sessions IN ACCESS EXCLUSIVE MODE');
      const blocked = login(demo).then(() => 'signed in', (err: Error) => err.message);
      // Polled outside the holder's transaction, which would see one snapshot of pg_stat_activity.
      let waiting: { pid: number }[] = [];
      const deadline = Date.now() + 10_000;
      while (waiting.length === 0 && Date.now() < deadline) {
        waiting = await adminQuery(demo, "SELECT pid FROM pg_stat_activity WHERE application_name = 'pa-app' AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO user_sessions%'");
      }
      assert.equal(waiting.length, 1, `the sign-in waits on the lock (${await Promise.race([blocked, 'pending'])})`);
      await adminQuery(demo, 'SELECT pg_terminate_backend($1)', [waiting[0]!.pid]);
      assert.match(await blocked, /login of .* failed: 5\d\d/);
      await holder.query('ROLLBACK');
      assert.ok((await login(demo)).access_token, 'the app signs in the next caller');
    } finally {
      await holder.end().catch(() => undefined);
      await demo.stop();
    }
  });
});

describe('logs', () => {
  it('writes a structured JSON line for each request and its answer, without tokens or passwords', async () => {
    const tokens = await login(demo);
    await call(demo, '/api/v1/users/me', { token: tokens.access_token });
    const entries = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, any>);
    /** The request's own id, once both its incoming line and its completed line are written. */
    const answered = (lines: string[], method: string, url: string) => {
      const request = entries(lines).find((e) => e.req?.method === method && e.req?.url === url);
      return request && entries(lines).find((e) => e.reqId === request.reqId && e.res?.statusCode === 200) ? request.reqId : undefined;
    };
    // pino writes asynchronously: poll until both requests' lines are in the file.
    const deadline = Date.now() + 5000;
    let lines: string[] = [];
    while (!(answered(lines, 'POST', '/api/v1/auth/login') && answered(lines, 'GET', '/api/v1/users/me')) && Date.now() < deadline) {
      lines = readFileSync(demo.appLogFile, 'utf8').split('\n').filter((l) => l.trim());
      await delay(25);
    }
    assert.ok(answered(lines, 'POST', '/api/v1/auth/login'), 'the sign-in is logged, with its 200 answer');
    assert.ok(answered(lines, 'GET', '/api/v1/users/me'), 'the call with the access token is logged, with its 200 answer');
    const log = lines.join('\n');
    assert.ok(!log.includes(tokens.access_token), 'the access token is not logged');
    assert.ok(!log.includes(tokens.refresh_token), 'the refresh token is not logged');
    assert.ok(!log.includes(qa.password), 'the password is not logged');
    assert.deepEqual(entries(lines).filter((e) => e.level >= 50).map((e) => e.msg), [], 'no error-level lines on a healthy demo');
  });
});
