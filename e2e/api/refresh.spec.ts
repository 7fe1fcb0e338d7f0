// Token refresh: a refresh rotates the pair (the new access token works, the old refresh token is
// retired), a replayed refresh token is refused and ends its whole family where the profile says
// the target detects reuse, and the database shows the rotation on THAT session's token rows.
import * as allure from 'allure-js-commons';
import type { APIResponse } from '@playwright/test';
import { labels, type Labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import { tokenRowsOfSession, type TokenRow } from '../support/records.ts';
import { skippedStep } from '../support/steps.ts';
import { claimsOf } from '../support/jwt.ts';

const details = (story: string, more: Partial<Labels> = {}) => labels({ layer: 'api', epic: 'Auth', feature: 'Token refresh', story, severity: 'critical', ...more });
const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A refresh token is refused with a client error (400, 401 or 403): not accepted, and not a server failure. */
function expectRefused(response: APIResponse, what: string) {
  expect.soft([400, 401, 403].includes(response.status()), `${what}: expected a refusal (400, 401 or 403), got ${response.status()}`).toBe(true);
}

test('Refresh issues a new token pair and retires the old refresh token', details('Rotation'), async ({ verity, mainSession, auth }) => {
  const me = verity.app.api.me?.path;
  test.skip(!me, 'the profile names no protected endpoint to present tokens to (app.api.me)');
  const session = await test.step('Sign in as a QA user through the API', () => mainSession());
  const before = { access: session.accessToken, refresh: session.refreshToken };
  await test.step('The sign-in gave a refresh token', async () => {
    expect(before.refresh, `the ${verity.transport} sign-in gave no refresh token`).toBeTruthy();
  });
  await test.step(`POST ${verity.app.auth!.refreshPath} with the refresh token answers 200`, async () => {
    const response = await auth.refresh(session);
    expect(response.status(), `POST ${verity.app.auth!.refreshPath} (refresh with the current refresh token)`).toBe(200);
  });
  await test.step('The refresh gave a new access token and a new refresh token', async () => {
    // A token with no jti whose claims are the same, issued within the same second, is the same
    // token byte for byte: that is no failure to issue one.
    const sameSecondTwin = session.accessToken === before.access && claimsOf(before.access).jti === undefined;
    if (!sameSecondTwin) expect.soft(session.accessToken, 'the access token after the refresh').not.toBe(before.access);
    else await allure.logStep('The new access token equals the old one: it carries no jti and was issued within the same second with the same claims');
    expect.soft(session.refreshToken, 'a refresh token after the refresh').toBeTruthy();
    expect.soft(session.refreshToken, 'the refresh token after the refresh (rotation)').not.toBe(before.refresh);
  });
  await test.step(`GET ${me} with the new access token answers 200`, async () => {
    const response = await auth.getWithToken(me!, session.accessToken);
    expect.soft(response.status(), `GET ${me} with the new access token`).toBe(200);
  });
  // Refusals below are only meaningful if a refresh token presented this way can be accepted at all.
  await test.step('Control: the new refresh token, presented on its own outside the session, is accepted (200)', async () => {
    const response = await auth.presentRefreshToken(session.refreshToken!, session);
    expect(response.status(), `control: POST ${verity.app.auth!.refreshPath} must accept a valid refresh token presented on its own, or refusing the old one proves nothing`).toBe(200);
  });
  await test.step('The old refresh token is refused', async () => {
    expectRefused(await auth.presentRefreshToken(before.refresh!), 'the old refresh token after rotation');
  });
});

test('A reused refresh token is refused and ends its token family', details('Reuse detection', { security: true }), async ({ verity, mainSession, auth }) => {
  const me = verity.app.api.me?.path;
  test.skip(!me, 'the profile names no protected endpoint to present tokens to (app.api.me)');
  const session = await test.step('Sign in as a QA user through the API', () => mainSession());
  const first = session.refreshToken;
  await test.step('The sign-in gave a refresh token', async () => {
    expect(first, `the ${verity.transport} sign-in gave no refresh token`).toBeTruthy();
  });
  await test.step('Refresh once: the first refresh token is now revoked', async () => {
    const response = await auth.refresh(session);
    expect(response.status(), `POST ${verity.app.auth!.refreshPath} (refresh with the current refresh token)`).toBe(200);
  });
  const latest = { access: session.accessToken, refresh: session.refreshToken };
  await test.step(`Control: GET ${me} with the latest access token answers 200`, async () => {
    const response = await auth.getWithToken(me!, latest.access);
    expect(response.status(), `control: GET ${me} must accept the latest access token before the reuse, or its 401 afterwards proves nothing`).toBe(200);
  });
  await test.step('Present the revoked first refresh token again: it is refused', async () => {
    expectRefused(await auth.presentRefreshToken(first!), 'the reused (revoked) refresh token');
  });
  if (!verity.app.auth!.reuseDetection) {
    await skippedStep('The reuse revoked the whole token family', 'the profile does not declare reuse detection (app.auth.reuseDetection)');
    return;
  }
  await test.step(`The latest access token of that session now gets 401 on GET ${me}`, async () => {
    const response = await auth.getWithToken(me!, latest.access);
    expect.soft(response.status(), `GET ${me} with the latest access token after the family was revoked: an access token of an ended session must be refused`).toBe(401);
  });
  await test.step('The latest refresh token of that session is refused too', async () => {
    expectRefused(await auth.presentRefreshToken(latest.refresh!), 'the latest refresh token after the family was revoked');
  });
});

test('Refresh rotates the token rows of the same session in the database', details('Rotation in the database'), async ({ verity, mainSession, auth, db }) => {
  const tokens = verity.app.records?.tokens;
  const claim = verity.app.auth!.sessionClaim;
  test.skip(!db, 'no database connection (DATABASE_URL) for this cross-layer check');
  test.skip(!tokens, 'the profile names no refresh-token table (app.records.tokens)');
  const session = await test.step('Sign in as a QA user through the API', () => mainSession());
  const sessionId = await test.step(`Read the session id from the access token's "${claim}" claim`, async () => {
    expect(session.sessionId, `the access token carries no "${claim}" claim (app.auth.sessionClaim)`).toBeTruthy();
    return session.sessionId!;
  });
  const rowsBefore = await test.step(`Read the session's rows in ${tokens!.table}: one active refresh token`, async () => {
    const rows = await tokenRowsOfSession(db!, tokens!, sessionId);
    await allure.attachment(`${tokens!.table} rows of the session before the refresh`, json(rows.map((r) => r.shown)), 'application/json');
    expect(rows.filter((r) => !r.revoked), 'active token rows of the new session').toHaveLength(1);
    return rows;
  });
  await test.step(`POST ${verity.app.auth!.refreshPath} answers 200`, async () => {
    const response = await auth.refresh(session);
    expect(response.status(), `POST ${verity.app.auth!.refreshPath} (refresh with the current refresh token)`).toBe(200);
  });
  await test.step('The refreshed access token still names the same session', async () => {
    expect(session.sessionId, `the "${claim}" claim after the refresh`).toBe(sessionId);
  });
  await test.step(`The session has exactly one more row in ${tokens!.table}, the previously active one is revoked and only the new one is active`, async () => {
    const rowsAfter = await tokenRowsOfSession(db!, tokens!, sessionId);
    await allure.attachment(`${tokens!.table} rows of the session after the refresh`, json(rowsAfter.map((r) => r.shown)), 'application/json');
    const keys = (rows: TokenRow[]) => rows.map((r) => r.key);
    const previouslyActive = rowsBefore.find((r) => !r.revoked)!;
    expect.soft(rowsAfter, 'token rows of the session after one refresh').toHaveLength(rowsBefore.length + 1);
    expect.soft(rowsAfter.find((r) => r.key === previouslyActive.key)?.revoked, 'the previously active token row is revoked').toBe(true);
    const active = rowsAfter.filter((r) => !r.revoked);
    expect.soft(active, 'active token rows after the refresh').toHaveLength(1);
    expect.soft(keys(rowsBefore), 'the active row after the refresh is a new row').not.toContain(active[0]?.key);
  });
});
