// Token refresh as the page lives it: a refused access token is refreshed once and the request
// retried; and when the refresh itself is refused, the page ends on sign-in instead of breaking.
// A real expiry has its own file (access-token-expiry.spec.ts).
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import { expectOnPath, expectProfileThroughOneRefresh, makeServerRefuseAccessToken, watchPath } from '../support/ui-session.ts';
import { sessionRow, tokenCounts, type TokenCounts } from '../support/records.ts';

const refresh = { epic: 'Auth', feature: 'Token refresh' } as const;

// Each test starts signed in with its own API-made session, placed where the app keeps it.
test.use({ signedIn: true });
// Decided before the browser is signed in: both journeys refresh on the way to the Profile page.
test.skip(({ verity }) => !verity.app.ui.protectedRoutes.profile, 'the profile lists no profile route (app.ui.protectedRoutes.profile): these journeys refresh on the way to it');

test('A refused access token is refreshed once, the request retried, and the page carries on', labels({ layer: 'ui', ...refresh, story: '401, refresh, retry', severity: 'blocker' }), async ({ pages, page, verity, account, auth, session, db, browserErrors }) => {
  // The page's first call with the refused token is answered 401 before the refresh.
  browserErrors.expect(/status of 401/);
  const settings = verity.app.auth!;
  const records = verity.app.records;
  const { dashboard, nav, login } = pages;
  let before: TokenCounts | undefined;
  await test.step('Open the dashboard, signed in', async () => {
    await dashboard.open();
    await dashboard.expectLoaded();
    await nav.expectSignedIn(account.email);
  });
  const tokensChecked = !!(db && records?.tokens && session.sessionId);
  if (tokensChecked) {
    await test.step(`Note the session's refresh-token rows in ${records!.tokens!.table}`, async () => {
      before = await tokenCounts(db!, records!.tokens!, session.sessionId!);
      expect(before!.live, 'live refresh tokens of the session before the refresh').toBe(1);
    });
  }
  await test.step(`Make the server refuse the page's access token (a tampered copy, where the app keeps it: ${verity.transport})`, async () => {
    await makeServerRefuseAccessToken(page, verity, auth);
  });
  const refreshes = watchPath(page, settings.refreshPath);
  await expectProfileThroughOneRefresh(pages, refreshes, settings.refreshPath, account.email);
  await test.step('The page keeps working: back to the dashboard', async () => {
    await nav.go('Dashboard');
    await dashboard.expectLoaded();
    expect(refreshes.requests, `POST ${settings.refreshPath} requests the page sent`).toHaveLength(1);
  });
  if (tokensChecked) {
    await test.step(`The refresh rotated the session's refresh token in ${records!.tokens!.table}: one more revoked, one live`, async () => {
      const after = await tokenCounts(db!, records!.tokens!, session.sessionId!);
      expect(after, 'refresh-token rows of the session').toEqual({ live: 1, revoked: before!.revoked + 1 });
    });
  }
  await test.step('Sign out', async () => {
    await nav.signOut();
    await login.expectShown();
  });
});

test('When the refresh token has been revoked, the page ends on the sign-in page instead of breaking', labels({ layer: 'ui', ...refresh, story: 'Refused refresh', severity: 'critical' }), async ({ pages, page, verity, account, auth, session, db, browserErrors }) => {
  // The refused access token and the refused refresh are both answered 401.
  browserErrors.expect(/status of 401/);
  const settings = verity.app.auth!;
  const records = verity.app.records;
  const { dashboard, nav, login } = pages;
  await test.step('Open the dashboard, signed in', async () => {
    await dashboard.open();
    await dashboard.expectLoaded();
    await nav.expectSignedIn(account.email);
  });
  await test.step("Use the session's refresh token from outside the browser: the browser's copy is now spent", async () => {
    const response = await auth.refresh(session);
    expect(response.status(), `POST ${settings.refreshPath} with the session's refresh token`).toBe(200);
  });
  await test.step(`Make the server refuse the page's access token (a tampered copy, where the app keeps it: ${verity.transport})`, async () => {
    await makeServerRefuseAccessToken(page, verity, auth);
  });
  const refreshes = watchPath(page, settings.refreshPath);
  await test.step('Go to the Profile page through the navigation: the sign-in page is shown', async () => {
    await nav.go('Profile');
    await login.expectShown();
    await expectOnPath(page, verity.app.ui.loginRoute);
  });
  // Whether the page refreshes at all is the first journey's concern; here, a refresh it tries
  // must be refused (401, not an error), and tried once.
  await test.step(`Any refresh the page tried (POST ${settings.refreshPath}) was refused with 401, at most once`, async () => {
    await expect.poll(() => refreshes.responses.length, { message: 'refresh requests answered' }).toBe(refreshes.requests.length);
    expect(refreshes.requests.length, 'refresh requests the page sent').toBeLessThanOrEqual(1);
    expect(refreshes.statuses().filter((s) => s !== 401), 'refresh answers other than 401').toEqual([]);
  });
  // Only a page that presented the spent refresh token has set off reuse detection.
  if (db && records && settings.reuseDetection && session.sessionId && refreshes.requests.length) {
    await test.step(`Reuse detection: presenting the spent refresh token closed the session in ${records.sessions.table}`, async () => {
      const row = await sessionRow(db, records.sessions, session.sessionId!);
      expect(row, `${records.sessions.table} has the session's row`).toBeDefined();
      expect(row!.active, 'the session row still counts as active').toBe(false);
    });
  }
});
