// Cookie mode: tokens travel only in HttpOnly SameSite cookies, never in bodies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Demo } from '../src/index.ts';
import { adminQuery, call, claimsOf, qa, startTestDemo } from './helpers.ts';

let demo: Demo;
before(async () => {
  demo = await startTestDemo({ authMode: 'cookie' });
});
after(async () => {
  await demo?.stop();
});

/** The name=value pairs a browser would send back, from a response's Set-Cookie headers. */
function cookiesFrom(headers: Headers): Map<string, { value: string; attributes: string }> {
  const jar = new Map<string, { value: string; attributes: string }>();
  for (const line of headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';');
    const [name, value] = pair!.split('=');
    jar.set(name!.trim(), { value: value ?? '', attributes: attributes.join(';') });
  }
  return jar;
}

async function cookieLogin() {
  const answer = await call(demo, '/api/v1/auth/login', { method: 'POST', json: { email: qa.email, password: qa.password } });
  assert.equal(answer.status, 200, answer.text);
  return { answer, jar: cookiesFrom(answer.headers) };
}

describe('cookie mode', () => {
  it('login sets HttpOnly SameSite=Strict cookies and puts no token in the body', async () => {
    const { answer, jar } = await cookieLogin();
    assert.deepEqual(answer.body, { token_type: 'cookie', expires_in: 900 });
    const access = jar.get('pa_access');
    const refresh = jar.get('pa_refresh');
    assert.ok(access?.value && refresh?.value);
    for (const cookie of [access, refresh]) {
      assert.match(cookie.attributes, /HttpOnly/i);
      assert.match(cookie.attributes, /SameSite=Strict/i);
      assert.doesNotMatch(cookie.attributes, /Secure/i, 'plain HTTP on loopback: no Secure flag');
    }
    assert.match(refresh.attributes, /Path=\/api\/v1\/auth/);
    const info = await call(demo, '/api/v1/info');
    assert.equal(info.body.auth_mode, 'cookie');
  });

  it('the access cookie authenticates; a bearer header does not', async () => {
    const { jar } = await cookieLogin();
    const me = await call(demo, '/api/v1/users/me', { headers: { cookie: `pa_access=${jar.get('pa_access')!.value}` } });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, qa.email);
    assert.equal((await call(demo, '/api/v1/users/me', { token: jar.get('pa_access')!.value })).status, 401);
    assert.equal((await call(demo, '/api/v1/users/me')).status, 401);
  });

  it('refresh is a cookie-authenticated POST that rotates both cookies', async () => {
    const { jar } = await cookieLogin();
    const refreshed = await call(demo, '/api/v1/auth/refresh', { method: 'POST', json: {}, headers: { cookie: `pa_refresh=${jar.get('pa_refresh')!.value}` } });
    assert.equal(refreshed.status, 200);
    assert.deepEqual(refreshed.body, { token_type: 'cookie', expires_in: 900 });
    const next = cookiesFrom(refreshed.headers);
    assert.notEqual(next.get('pa_refresh')!.value, jar.get('pa_refresh')!.value);
    assert.equal((await call(demo, '/api/v1/users/me', { headers: { cookie: `pa_access=${next.get('pa_access')!.value}` } })).status, 200);
    const replay = await call(demo, '/api/v1/auth/refresh', { method: 'POST', json: {}, headers: { cookie: `pa_refresh=${jar.get('pa_refresh')!.value}` } });
    assert.equal(replay.status, 401);
  });

  it('logout clears the cookies and ends the session', async () => {
    const { jar } = await cookieLogin();
    const cookie = `pa_access=${jar.get('pa_access')!.value}`;
    const out = await call(demo, '/api/v1/auth/logout', { method: 'POST', headers: { cookie } });
    assert.equal(out.status, 204);
    const cleared = cookiesFrom(out.headers);
    assert.equal(cleared.get('pa_access')?.value, '');
    assert.match(cleared.get('pa_access')!.attributes, /Expires=Thu, 01 Jan 1970/);
    assert.equal((await call(demo, '/api/v1/users/me', { headers: { cookie } })).status, 401);
    const [session] = await adminQuery(demo, 'SELECT is_active FROM user_sessions WHERE id = $1', [claimsOf(jar.get('pa_access')!.value).sid]);
    assert.equal(session.is_active, false);
  });

  it('the OpenAPI document declares cookie security', async () => {
    const doc = await call(demo, '/openapi.json');
    assert.deepEqual(doc.body.paths['/api/v1/users/me'].get.security, [{ cookieAuth: [] }]);
  });
});
