// Signing out through the page ends the session everywhere: the page returns to sign-in and
// forgets the session, protected pages send the user back to sign-in, the API refuses the old
// access token, and (with a database) the session row is no longer active.
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import { expectOnPath, pageAccessToken, sessionIdOf } from '../support/ui-session.ts';
import { sessionRow } from '../support/records.ts';
import { pageCallAnswer } from '../support/steps.ts';
import { registerSecrets } from '../support/secrets.ts';
import { describeAnswer, isRefusal } from '../support/auth-api.ts';

const signOut = { epic: 'Auth', feature: 'Sign-out' } as const;

// Each test starts signed in with its own API-made session, placed where the app keeps it.
test.use({ signedIn: true });

test('Signing out returns to the sign-in page, and protected pages then lead back to it', labels({ layer: 'ui', ...signOut, story: 'Protected pages closed after sign-out', severity: 'critical' }), async ({ pages, page, verity, account }) => {
  const { login, dashboard, nav } = pages;
  const { loginRoute, protectedRoutes } = verity.app.ui;
  await test.step('Open the dashboard, signed in', async () => {
    await dashboard.open();
    await dashboard.expectLoaded();
    await nav.expectSignedIn(account.email);
  });
  await test.step('Sign out: the sign-in page is shown', async () => {
    await nav.signOut();
    await login.expectShown();
    await expectOnPath(page, loginRoute);
  });
  for (const [name, path] of Object.entries(protectedRoutes)) {
    await test.step(`Visit ${path} (${name}): the sign-in page opens instead`, async () => {
      await page.goto(path);
      await login.expectShown();
      await expectOnPath(page, loginRoute);
    });
  }
});

test('After signing out, the API refuses the old access token and the session row is closed', labels({ layer: 'ui', ...signOut, story: 'Session ended on the server', severity: 'blocker' }), async ({ pages, page, verity, account, auth, db }) => {
  const me = verity.app.api.me;
  test.skip(!me, 'the profile names no "current user" endpoint (app.api.me)');
  const settings = verity.app.auth!;
  const records = verity.app.records;
  const { login, dashboard, nav } = pages;
  let accessToken: string | undefined;
  await test.step('Open the dashboard, signed in', async () => {
    await dashboard.open();
    await dashboard.expectLoaded();
    await nav.expectSignedIn(account.email);
    accessToken = await pageAccessToken(page, verity);
    expect(accessToken, `the page holds an access token (${verity.transport} transport)`).toBeTruthy();
  });
  await test.step(`Before signing out, the API accepts the page's access token (GET ${me!.path} answers 200)`, async () => {
    expect((await auth.getWithToken(me!.path, accessToken)).status(), `control: GET ${me!.path} with the page's access token before signing out`).toBe(200);
  });
  await test.step('Sign out through the page: the sign-out call succeeds and the sign-in page is shown', async () => {
    // The token the page holds now: it may have refreshed since it loaded, and the old one may stay valid for a grace period.
    accessToken = await pageAccessToken(page, verity);
    const answer = pageCallAnswer(page, 'POST', settings.logoutPath);
    await nav.signOut();
    const response = await answer;
    expect(response.ok(), `POST ${settings.logoutPath} answered ${response.status()}`).toBe(true);
    await login.expectShown();
  });
  await test.step(`The API refuses the old access token (GET ${me!.path} answers ${verity.app.api.refusedStatuses.join(' or ')})`, async () => {
    const refused = verity.app.api.refusedStatuses;
    const grace = settings.rotationGraceSeconds;
    if (!grace) {
      const answer = await auth.whoIs(me!, accessToken);
      expect(isRefusal(answer, refused), `GET ${me!.path} with the old access token after signing out answered ${describeAnswer(answer)}`).toBe(true);
    } else {
      // The page may have refreshed on its way out; the token it held before then lives out the app's grace period (app.auth.rotationGraceSeconds).
      await expect.poll(async () => isRefusal(await auth.whoIs(me!, accessToken), refused), {
        message: `GET ${me!.path} with the old access token is refused within the ${grace} s rotation grace period after signing out`,
        timeout: (grace + 5) * 1000,
        intervals: [500, 1000],
      }).toBe(true);
    }
  });
  if (db && records) {
    await test.step(`The session row in ${records.sessions.table} is no longer active`, async () => {
      const sessionId = sessionIdOf(accessToken, settings.sessionClaim);
      await registerSecrets(sessionId);
      expect(sessionId, `the access token carries the ${settings.sessionClaim} claim`).toBeTruthy();
      const session = await sessionRow(db, records.sessions, sessionId!);
      // An app may delete the row at sign-out rather than mark it.
      expect(session?.active ?? false, 'the session row still counts as active').toBe(false);
    });
  } else {
    await test.step('No database or no records in the profile: the session row is not checked', async () => {});
  }
});
