// The sign-in API: a refused sign-in does not tell whether the email exists, a sign-in opens a
// session the database shows as active, and a sign-out ends it at once, in the API and the database.
import * as allure from 'allure-js-commons';
import type { APIResponse } from '@playwright/test';
import { labels, type Labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import { sessionRow, userIdsByEmail } from '../support/records.ts';
import { skippedStep } from '../support/steps.ts';
import { claimsOf } from '../support/jwt.ts';
import { sessionKeyWhere } from '../support/auth-contract.ts';
import { describeAnswer, isRefusal } from '../support/auth-api.ts';

const details = (story: string, more: Partial<Labels> = {}) => labels({ layer: 'api', epic: 'Auth', feature: 'Sign-in API', story, severity: 'critical', ...more });
const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Headers that differ from one response to the next by nature (time, size, request ids, rate-limit counters). */
const perResponse = /^(date|content-length|connection|keep-alive|age|expires|set-cookie|x-request-id|request-id|x-correlation-id|correlation-id|x-trace-id|traceparent|tracestate|x-amzn-.*|x-amz-cf-id|cf-ray|server-timing|x-response-time|x-runtime|.*ratelimit.*|.*rate-limit.*|retry-after)$/i;

function comparable(response: APIResponse) {
  const headers: Record<string, string> = {};
  for (const { name, value } of response.headersArray()) {
    const key = name.toLowerCase();
    if (!perResponse.test(key)) headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  // Cookies are compared by name: their values (and expiry) are per response.
  const cookies = response.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value.split('=')[0]!.trim()).sort();
  return { headers, cookies };
}

test('Unknown email and wrong password get the same answer', details('No account enumeration', { security: true }), async ({ verity, account, auth }) => {
  const refused = verity.app.auth!.refusedLoginStatus;
  const domain = account.email.split('@')[1] ?? 'example.invalid';
  const attempt = async (email: string, password: string) => {
    const { api, response } = await auth.loginResponse({ email, password });
    try {
      const body = await response.text();
      return { status: response.status(), body, ...comparable(response) };
    } finally {
      await api.dispose();
    }
  };
  const unknown = await test.step(`Sign in with an email no account has (at ${domain})`, () => attempt(`verity-no-such-user@${domain}`, 'Verity-wrong-password-0'));
  const wrong = await test.step('Sign in with a QA account\'s email and a wrong password', () => attempt(account.email, 'Verity-wrong-password-0'));
  await allure.attachment('Both answers (per-response headers left out)', json({ 'unknown email': unknown, 'wrong password': wrong }), 'application/json');
  await test.step(`Both are refused with ${refused} (app.auth.refusedLoginStatus)`, async () => {
    expect.soft(wrong.status, `wrong password: status (a refused sign-in must get ${refused}, app.auth.refusedLoginStatus)`).toBe(refused);
    expect.soft(unknown.status, 'unknown email: status').toBeGreaterThanOrEqual(400);
    expect.soft(unknown.status, 'unknown email: status').toBeLessThan(500);
  });
  await test.step('Same status', async () => {
    expect.soft(unknown.status, 'status for an unknown email vs a wrong password').toBe(wrong.status);
  });
  await test.step('Same body', async () => {
    expect.soft(unknown.body, 'body for an unknown email vs a wrong password').toBe(wrong.body);
  });
  await test.step('Same headers (date, length, request ids and other per-response headers left out)', async () => {
    expect.soft(unknown.headers, 'headers for an unknown email vs a wrong password').toEqual(wrong.headers);
    expect.soft(unknown.cookies, 'cookies set for an unknown email vs a wrong password').toEqual(wrong.cookies);
  });
});

test('Sign-in opens a session that the database shows active', details('Session in the database'), async ({ verity, mainSession, db }) => {
  const records = verity.app.records;
  test.skip(!db, 'no database connection (DATABASE_URL) for this cross-layer check');
  test.skip(!records, 'the profile names no session table (app.records)');
  const session = await test.step('Sign in as a QA user through the API', () => mainSession());
  const sessionId = await test.step(`Read the session id ${sessionKeyWhere(verity.app.auth!)}`, async () => {
    expect(session.sessionId, `no session id ${sessionKeyWhere(verity.app.auth!)} (app.auth.sessionClaim, sessionIsRefreshToken)`).toBeTruthy();
    return session.sessionId!;
  });
  await test.step(`The ${records!.sessions.table} row of that session exists, belongs to the user and is active`, async () => {
    const row = await sessionRow(db!, records!.sessions, sessionId);
    const userIds = await userIdsByEmail(db!, records!.users, session.account.email);
    await allure.attachment('Session row', json({ table: records!.sessions.table, row, user: userIds }), 'application/json');
    expect(row, `no ${records!.sessions.table} row for the session of the new access token`).toBeDefined();
    expect.soft(row!.userId, 'the session row\'s user').toBe(userIds[0]);
    expect.soft(row!.active, `the session row is active (${records!.sessions.activeWhere})`).toBe(true);
  });
});

test('Sign-out ends the session at once', details('Sign-out', { smoke: true }), async ({ verity, mainSession, auth, db }) => {
  const me = verity.app.api.me?.path;
  test.skip(!me, 'the profile names no protected endpoint to present tokens to (app.api.me)');
  const session = await test.step('Sign in as a QA user through the API', () => mainSession());
  await test.step(`Control: GET ${me} with the access token answers 200`, async () => {
    const response = await auth.getWithToken(me!, session.accessToken);
    expect(response.status(), `control: GET ${me} must accept the access token before the sign-out, or its 401 afterwards proves nothing`).toBe(200);
  });
  await test.step(`POST ${verity.app.auth!.logoutPath} succeeds`, async () => {
    const response = await auth.logout(session);
    expect(response.ok(), `POST ${verity.app.auth!.logoutPath} answered ${response.status()}`).toBe(true);
  });
  const settings = verity.app.auth!;
  const refused = verity.app.api.refusedStatuses;
  if (settings.signOutEndsAccessToken) {
    await test.step(`GET ${me} with the same access token is now refused (${refused.join(' or ')}, or an answer naming nobody)`, async () => {
      const answer = await auth.whoIs(verity.app.api.me!, session.accessToken);
      expect.soft(isRefusal(answer, refused), `GET ${me} with the access token right after sign-out answered ${describeAnswer(answer)}`).toBe(true);
    });
  } else {
    // Stateless access tokens (app.auth.signOutEndsAccessToken: false): what ends is the refresh token, and the access token's lifetime is bounded.
    await test.step(`The refresh token is refused after sign-out (${settings.refreshPath})`, async () => {
      expect(session.refreshToken, 'the sign-in gave a refresh token').toBeTruthy();
      const response = await auth.presentRefreshToken(session.refreshToken!, session);
      expect.soft(response.ok(), `${settings.refreshPath} with the refresh token right after sign-out answered ${response.status()}`).toBe(false);
    });
    await test.step('The access token, which this app does not end at sign-out, expires within the configured lifetime', async () => {
      const { exp, iat } = claimsOf(session.accessToken);
      const ttl = verity.target.accessTtlSeconds;
      expect(typeof exp, 'the access token carries exp').toBe('number');
      const left = exp! - Math.floor(Date.now() / 1000);
      await allure.logStep(`The access token stays valid for ${left} s more (app.auth.signOutEndsAccessToken: false)`);
      // Without iat, what is left of it is what can be bounded.
      const lifetime = iat === undefined ? left : exp! - iat;
      if (ttl !== undefined) expect.soft(lifetime, `the access token's lifetime (${iat === undefined ? 'exp − now' : 'exp − iat'}), at most VERITY_ACCESS_TTL_SECONDS = ${ttl}`).toBeLessThanOrEqual(ttl);
    });
  }
  const records = verity.app.records;
  if (!db || !records) {
    await skippedStep('The session row is no longer active', !db ? 'no database connection (DATABASE_URL)' : 'the profile names no session table (app.records)');
    return;
  }
  await test.step(`The ${records.sessions.table} row of that session is no longer active`, async () => {
    expect(session.sessionId, `no session id ${sessionKeyWhere(verity.app.auth!)}`).toBeTruthy();
    const row = await sessionRow(db, records.sessions, session.sessionId!);
    await allure.attachment('Session row after sign-out', json({ table: records.sessions.table, row: row ?? '(none: the sign-out deleted it)' }), 'application/json');
    // An app may delete the row at sign-out rather than mark it.
    expect.soft(row?.active ?? false, `the session row after sign-out (${records.sessions.activeWhere})`).toBe(false);
  });
});
