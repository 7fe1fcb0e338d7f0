// Adopting an app whose sign-in API differs from the demo's usual one (issue "Adopt a real app",
// items 1 and 4): the demo started with contract 'nested' (login needs "client": "web", tokens
// under { data }, refresh takes { token }, refusals answer 400, the user's id in a `uid` claim, no
// `sub`), a profile that says so, and what fails, naming the cause, when the profile does not.
// Every session Verity opens is closed, also when it cannot read the tokens.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, type JWK } from 'jose';
import type { Demo } from '../demo-app/src/index.ts';
import { AuthApi, describeAnswer, isRefusal } from '../e2e/support/auth-api.ts';
import { atPointer, contractOf, filled, requestOptions } from '../e2e/support/auth-contract.ts';
import { verifySignature, type KeySource } from '../e2e/support/jwt.ts';
import { defineProfile, type Profile, type ProfileInput } from '../src/profile.ts';
import { adminQuery, defaultProfile, startTarget, testAccounts } from './support/target.ts';
import { allureResults, repoRoot, verify } from './support/verify-run.ts';

type AuthInput = NonNullable<NonNullable<ProfileInput['app']>['auth']>;

/** The personal-assistant profile with only app.auth changed. */
function withAuth(base: Profile, changes: Partial<AuthInput>): Profile {
  return defineProfile({ ...base, app: { ...base.app, auth: { ...base.app.auth!, ...changes } } });
}

/** What the nested contract is, in a profile. */
const nestedAuth: Partial<AuthInput> = {
  loginRequest: { body: { email: '{email}', password: '{password}', client: 'web' } },
  refreshRequest: { body: { token: '{refreshToken}' } },
  accessToken: { from: 'json', pointer: '/data/access_token' },
  refreshToken: { from: 'json', pointer: '/data/refresh_token' },
  refusedLoginStatus: 400,
  subjectClaim: 'uid',
  algorithms: ['RS256'],
};

/** The same profile as a module, as a user would write it, for VERITY_PROFILE. */
function profileFile(changes: Partial<AuthInput>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'verity-profile-')), 'nested.profile.mts');
  const from = (p: string) => JSON.stringify(path.join(repoRoot, p));
  writeFileSync(file, `import { defineProfile } from ${from('src/profile.ts')};
import base from ${from('profiles/personal-assistant.ts')};
export default defineProfile({ ...base, app: { ...base.app, auth: { ...base.app.auth!, ...${JSON.stringify(changes)} } } });
`);
  return file;
}

const account = testAccounts[0]!;
const activeSessions = async (demo: Demo) => Number((await adminQuery<{ n: string }>(demo, 'SELECT count(*) AS n FROM user_sessions WHERE is_active'))[0]!.n);

describe('the auth contract, without the demo', () => {
  it('defaults to today\'s calls, token places and presentation', async () => {
    const auth = (await defaultProfile()).app.auth!;
    const bearer = contractOf(auth, 'bearer');
    assert.deepEqual(bearer.login, { method: 'POST', path: '/api/v1/auth/login', body: { email: '{email}', password: '{password}' }, bodyFormat: 'json' }, 'the default login');
    assert.deepEqual(bearer.refresh.body, { refresh_token: '{refreshToken}' }, 'the default bearer refresh body');
    assert.equal(bearer.logout.body, undefined, 'the default logout has no body');
    assert.deepEqual(bearer.accessToken, { from: 'json', pointer: '/access_token' }, 'bearer: the access token at the top level');
    assert.deepEqual(bearer.present, { as: 'header', name: 'authorization', prefix: 'Bearer ' }, 'bearer: Authorization: Bearer');
    const cookie = contractOf(auth, 'cookie');
    assert.deepEqual(cookie.accessToken, { from: 'cookie', name: 'pa_access' }, 'cookie: the access cookie');
    assert.deepEqual(cookie.refresh.body, {}, 'cookie: the refresh posts an empty body');
    assert.equal(auth.refusedLoginStatus, 401, 'a refused sign-in gets 401 by default');
    assert.equal(auth.subjectClaim, 'sub', 'the subject is sub by default');
  });

  it('fills templates (extra fixed fields kept, a missing whole placeholder left out) and encodes forms', () => {
    assert.deepEqual(filled({ email: '{email}', password: '{password}', remember: true, meta: { who: 'u:{email}' }, token: '{refreshToken}' }, { email: 'a@b', password: 'p w' }),
      { email: 'a@b', password: 'p w', remember: true, meta: { who: 'u:a@b' } }, 'the filled template');
    const form = requestOptions({ method: 'PUT', path: '/x', body: { user: '{email}', n: 1 }, bodyFormat: 'form' }, { email: 'a@b' });
    assert.deepEqual(form, { method: 'PUT', headers: {}, form: { user: 'a@b', n: '1' } }, 'a form-encoded call');
  });

  it('presents the access token the profile\'s way', async () => {
    const base = await defaultProfile();
    const present = (presentAccessToken: AuthInput['presentAccessToken'], transport: 'bearer' | 'cookie' = 'bearer') =>
      new AuthApi('http://127.0.0.1:9', withAuth(base, { presentAccessToken }).app.auth!, transport).presenting('t0k');
    assert.deepEqual(present(undefined), { authorization: 'Bearer t0k' }, 'the default: Authorization: Bearer');
    assert.deepEqual(present({ as: 'header', name: 'X-Auth-Token', prefix: '' }), { 'x-auth-token': 't0k' }, 'another header, no prefix');
    assert.deepEqual(present({ as: 'header', name: 'authorization', prefix: 'Token ' }), { authorization: 'Token t0k' }, 'another prefix');
    assert.deepEqual(present({ as: 'cookie', name: 'sid' }), { cookie: 'sid=t0k' }, 'a cookie');
    assert.deepEqual(present(undefined, 'cookie'), { cookie: 'pa_access=t0k' }, 'the default in cookie transport: the access cookie');
  });

  it("tells who is signed in from the me endpoint's body, not its status alone: a 200 naming nobody is a guest's answer, a refusal", async () => {
    // A real HTTP server with the convention of apps that answer guests 200: { user: null }.
    const server = createServer((req, res) => {
      const signedIn = req.headers.authorization === 'Bearer good-token';
      res.writeHead(req.headers.authorization === 'Bearer expired' ? 401 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ user: signedIn ? { id: 7, email: 'qa1@example.test' } : null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const auth = new AuthApi(base, (await defaultProfile()).app.auth!, 'bearer');
      const me = { path: '/me', idField: '/user/id', emailField: '/user/email' };
      const signedIn = await auth.whoIs(me, 'good-token');
      assert.deepEqual(signedIn, { status: 200, who: 'qa1@example.test' }, 'the account the body names');
      assert.equal(isRefusal(signedIn, [401]), false, 'a 200 naming the account is no refusal');
      const guest = await auth.whoIs(me, 'forged-token');
      assert.deepEqual(guest, { status: 200, who: undefined }, 'a guest answer names nobody');
      assert.equal(isRefusal(guest, [401]), true, 'a 200 naming nobody is a refusal');
      assert.equal(describeAnswer(guest), '200 naming nobody', 'and says so');
      assert.equal(isRefusal(await auth.whoIs(me, 'expired'), [401]), true, 'a refused status is a refusal');
    } finally {
      server.close();
    }
  });

  it('reads JSON pointers as RFC 6901 says', () => {
    const doc = { data: { 'a/b': { '~k': ['x', 'y'] } } };
    assert.deepEqual(atPointer(doc, '/data/a~1b/~0k/1'), { found: true, value: 'y' }, 'escaped names and an array index');
    assert.deepEqual(atPointer(doc, '/data/missing/x'), { found: false, stoppedAt: '/data' }, 'where the path stopped');
    assert.deepEqual(atPointer(doc, '/nope'), { found: false, stoppedAt: '(the top level)' }, 'a missing top-level member');
  });
});

describe('a demo whose sign-in API is nested (contract: nested)', () => {
  let demo: Demo;
  let nested: Profile;
  let standard: Profile;
  let userId: string;
  before(async () => {
    demo = await startTarget({ contract: 'nested' });
    standard = await defaultProfile();
    nested = withAuth(standard, nestedAuth);
    userId = String((await adminQuery<{ id: string }>(demo, 'SELECT id FROM users WHERE lower(email) = lower($1)', [account.email]))[0]!.id);
  });
  after(async () => {
    await demo?.stop();
  });

  it('with a profile describing it: sign-in, the token checks, refresh and logout pass', async () => {
    const auth = new AuthApi(demo.baseURL, nested.app.auth!, 'bearer');
    const me = nested.app.api.me!.path;
    try {
      const session = await auth.login(account);
      const claims = decodeJwt(session.accessToken);
      assert.equal(claims.sub, undefined, 'the nested demo\'s token has no sub');
      assert.equal(session.userId, userId, 'the subject read from the profile\'s claim (uid) is the user\'s id');
      assert.ok(session.sessionId, 'the session claim is read');
      assert.equal((await auth.getWithToken(me, session.accessToken)).status(), 200, 'the access token is accepted');

      const jwks = await (await fetch(new URL(nested.app.auth!.jwksPath!, demo.baseURL))).json() as { keys: JWK[] };
      const source: KeySource = { kind: 'jwks', where: 'the demo\'s JWKS', keys: jwks.keys };
      const verified = await verifySignature(session.accessToken, source, nested.app.auth!.algorithms);
      assert.equal(verified.ok, true, `signature: ${verified.detail}`);
      const otherAlg = await verifySignature(session.accessToken, source, ['ES256']);
      assert.match(otherAlg.detail, /alg RS256 is not one the profile expects \(ES256\)/, 'an algorithm the profile does not expect fails, naming it');

      const { api, response } = await auth.loginResponse({ email: account.email, password: 'Verity-wrong-password-0' });
      assert.equal(response.status(), nested.app.auth!.refusedLoginStatus, 'a refused sign-in gets the profile\'s status (400)');
      await api.dispose();

      const before = { access: session.accessToken, refresh: session.refreshToken! };
      assert.equal((await auth.refresh(session)).status(), 200, 'refresh with { token }');
      assert.notEqual(session.refreshToken, before.refresh, 'the refresh token rotated (read at /data/refresh_token)');
      assert.notEqual(session.accessToken, before.access, 'a new access token');
      assert.equal((await auth.getWithToken(me, session.accessToken)).status(), 200, 'the refreshed access token is accepted');

      assert.equal((await auth.logout(session)).status(), 204, 'logout');
      assert.equal((await auth.getWithToken(me, session.accessToken)).status(), 401, 'the access token is refused after logout');
      assert.equal((await auth.presentRefreshToken(session.refreshToken!)).status(), 401, 'the refresh token (presented as { token }) is refused after logout');
    } finally {
      assert.deepEqual(await auth.closeAll(), [], 'nothing left open');
    }
  });

  it('with the default profile, the sign-in fails naming the status; with the login fixed, naming where it looked', async () => {
    const auth = new AuthApi(demo.baseURL, standard.app.auth!, 'bearer');
    await assert.rejects(auth.login(account), /login of qa1@example\.test answered 400: .*client_required/, 'the login without the client field');
    const loginOnly = withAuth(standard, { loginRequest: nestedAuth.loginRequest });
    const halfway = new AuthApi(demo.baseURL, loginOnly.app.auth!, 'bearer');
    await assert.rejects(halfway.login(account), /gave no access token at \/access_token in the JSON body \(the POST \/api\/v1\/auth\/login answer: the body holds \{ data \}\)/, 'tokens looked for at the top level');
    assert.deepEqual(halfway.unclosed, [], 'the session that sign-in opened was signed out all the same');
  });

  it('a wrong access-token pointer fails saying where it looked, and leaves no active session behind', async () => {
    const before = await activeSessions(demo);
    const wrong = withAuth(standard, { ...nestedAuth, accessToken: { from: 'json', pointer: '/data/accessToken' } });
    const auth = new AuthApi(demo.baseURL, wrong.app.auth!, 'bearer');
    await assert.rejects(auth.login(account), /no access token at \/data\/accessToken in the JSON body .*at \/data \{ token_type, expires_in, access_token, refresh_token \}/, 'the message names the pointer and what /data holds');
    await auth.closeAll();
    assert.deepEqual(auth.unclosed, [], 'nothing recorded as left open');
    assert.equal(await activeSessions(demo), before, 'no active user_sessions row added by the misconfigured sign-in');
  });

  it('a session that cannot be signed out is recorded, naming what was tried', async () => {
    const before = await activeSessions(demo);
    const broken = withAuth(standard, { ...nestedAuth, accessToken: { from: 'json', pointer: '/data/accessToken' }, logoutPath: '/api/v1/auth/no-such-logout' });
    const auth = new AuthApi(demo.baseURL, broken.app.auth!, 'bearer');
    await assert.rejects(auth.login(account), /no access token at \/data\/accessToken/, 'the sign-in fails');
    assert.equal(auth.unclosed.length, 1, 'one session recorded as left open');
    assert.match(auth.unclosed[0]!, /qa1@example\.test: POST \/api\/v1\/auth\/no-such-logout answered 404 to each of the 1 token\(s\) the sign-in answer gave/, 'what was tried');
    assert.equal(await activeSessions(demo), before + 1, 'control: that session is indeed still active');
  });

  it('a run whose access-token location is misconfigured leaves no session open; one whose sessions cannot be closed says how many were left, and where, as a warning', async () => {
    const signInOnly = ['--project=api', 'api/login.spec.ts', '--grep', 'Sign-in opens'];
    const before = await activeSessions(demo);
    const wrong = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_PROFILE: profileFile({ ...nestedAuth, accessToken: { from: 'json', pointer: '/data/accessToken' } }) }, { args: signInOnly });
    assert.equal(wrong.status, 1, `the sign-in check fails:\n${wrong.stdout.slice(-2000)}`);
    assert.match(wrong.stdout, /no access token at \/data\/accessToken/, 'naming where it looked');
    assert.doesNotMatch(wrong.stdout, /sessions left open/, 'no session reported left open');
    assert.equal(await activeSessions(demo), before, 'no active user_sessions row added by the run');

    const unclosable = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_PROFILE: profileFile({ ...nestedAuth, accessToken: { from: 'json', pointer: '/data/accessToken' }, logoutPath: '/api/v1/auth/no-such-logout' }) }, { args: signInOnly });
    // Two: the sign-in that told the token transport, and the journey's own.
    assert.match(unclosable.stdout, /sessions left open: Verity left 2 session\(s\) open on the target: a sign-in: POST \/api\/v1\/auth\/no-such-logout answered 404 .*\(the sign-in that told the token transport\); qa\d@example\.test: POST \/api\/v1\/auth\/no-such-logout answered 404/, `the summary's warnings say how many and where:\n${unclosable.stdout.slice(-2500)}`);
    assert.equal(await activeSessions(demo), before + 2, 'control: those sessions are indeed still active');
  });

  it('the sign-in, refresh and token journeys (npm run verify -- --project=api) pass against it with that profile, and leave no session open', async () => {
    const before = await activeSessions(demo);
    const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_PROFILE: profileFile(nestedAuth), VERITY_APP_LOG_FILE: demo.appLogFile }, { args: ['--project=api', 'api/login.spec.ts', 'api/refresh.spec.ts', 'api/tokens.spec.ts', '--grep', 'Unknown email|Sign-in opens|Sign-out ends|[Rr]efresh|Access token is signed'] });
    const results = allureResults(run.runDir!);
    const failed = results.filter((r) => !['passed', 'skipped'].includes(r.status)).map((r) => `${r.name}: ${r.statusDetails?.message?.split('\n')[0]}`);
    assert.deepEqual(failed, [], 'no journey failed');
    const passed = results.filter((r) => r.status === 'passed').map((r) => r.name);
    for (const name of ['Unknown email and wrong password get the same answer', "Access token is signed by the target's key and carries the expected claims", 'Refresh issues a new token pair and retires the old refresh token', 'Sign-out ends the session at once', 'Refresh rotates the token rows of the same session in the database']) {
      assert.ok(passed.includes(name), `passed: ${name}`);
    }
    assert.equal(run.status, 0, run.stdout.slice(-3000));
    assert.equal(await activeSessions(demo), before, 'every session the journeys opened was signed out');
  });

  it("the pages sign in, refresh and sign out under that contract: the UI journeys (@auth) are green with that profile, and leave no session open", async () => {
    const before = await activeSessions(demo);
    const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_PROFILE: profileFile(nestedAuth) }, { args: ['--project=ui-smoke', '--project=ui', '--grep', '@auth|Signing in with a QA account'] });
    const results = allureResults(run.runDir!);
    const failed = results.filter((r) => !['passed', 'skipped'].includes(r.status)).map((r) => `${r.name}: ${r.statusDetails?.message?.split('\n')[0]}`);
    assert.deepEqual(failed, [], 'no journey failed');
    const passed = results.filter((r) => r.status === 'passed').map((r) => r.name);
    for (const name of ['Signing in with a QA account lands on the dashboard, signed in', 'A refused access token is refreshed once, the request retried, and the page carries on', 'After signing out, the API refuses the old access token and the session row is closed']) {
      assert.ok(passed.includes(name), `passed: ${name}\n${passed.join('\n')}`);
    }
    assert.equal(run.status, 0, run.stdout.slice(-3000));
    assert.equal(await activeSessions(demo), before, 'every session the journeys opened was signed out');
  });

  it('with that profile, faults in the nested contract are caught: a sign-in telling unknown e-mails apart, and a sign-out that keeps the access token', async () => {
    await demo.applyFault('login-reveals-email');
    await demo.applyFault('logout-keeps-token');
    try {
      const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_PROFILE: profileFile(nestedAuth) }, { args: ['--project=api', 'api/login.spec.ts', 'api/refresh.spec.ts', '--grep', 'Unknown email|Sign-in opens|Sign-out ends|[Rr]efresh'] });
      const failed = allureResults(run.runDir!).filter((r) => !['passed', 'skipped'].includes(r.status));
      const expected = ['Unknown email and wrong password get the same answer', 'Sign-out ends the session at once', 'A reused refresh token is refused and ends its token family'];
      assert.deepEqual(failed.map((r) => r.name).sort(), [...expected].sort(), 'exactly these checks fail');
      const messageOf = (name: string) => failed.find((r) => r.name === name)?.statusDetails?.message ?? '';
      assert.match(messageOf(expected[0]!), /unknown email/i, 'naming the unknown e-mail answered differently');
      assert.match(messageOf(expected[1]!), /after sign-out|after signing out|ended session/i, 'naming the token kept after sign-out');
      assert.equal(run.status, 1, run.stdout.slice(-2000));
    } finally {
      await demo.reset();
    }
  });

  it('stateless access tokens (signOutEndsAccessToken: false): the sign-out check proves the refresh token refused, and fails naming a lifetime past the configured one', async () => {
    // Tokens that live longer than the team configured: what a stateless app's sign-out then leaves usable.
    // (Directus's healthy run is this branch passing.)
    const run = await verify(
      // API alone: no database, so no probes before it.
      { BASE_URL: demo.baseURL, VERITY_PROFILE: profileFile({ ...nestedAuth, signOutEndsAccessToken: false }), VERITY_ACCESS_TTL_SECONDS: '600' },
      { args: ['--project=api', 'api/login.spec.ts', '--grep', 'Sign-out ends'] },
    );
    const signOut = allureResults(run.runDir!).find((r) => r.name === 'Sign-out ends the session at once');
    assert.equal(signOut?.status, 'failed', `fails with a lifetime past the configured one:\n${run.stdout.slice(-2000)}`);
    const steps = (signOut?.steps ?? []) as { name: string; status: string }[];
    assert.equal(steps.find((s) => s.name.startsWith('The refresh token is refused after sign-out'))?.status, 'passed', `the refresh token is checked ended: ${JSON.stringify(steps.map((s) => [s.name, s.status]))}`);
    assert.match(signOut?.statusDetails?.message ?? '', /the access token's lifetime \(exp − iat\), at most VERITY_ACCESS_TTL_SECONDS = 600/, 'naming the lifetime and the setting');
  });
});
