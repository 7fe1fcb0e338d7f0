// Real expiry: an access token past its lifetime is refused by the server, and the page carries
// on through a silent refresh. The journey waits out the token's lifetime, so it has a file of its
// own, named to be handed to a worker first: the other tests run beside the wait, not after it.
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import { expectProfileThroughOneRefresh, pageAccessToken, watchPath } from '../support/ui-session.ts';

const refresh = { epic: 'Auth', feature: 'Token refresh' } as const;
/** The longest access-token lifetime the expiry journey waits out. */
const longestTtlWaited = 120;

// It starts signed in with its own API-made session, placed where the app keeps it.
test.use({ signedIn: true });
// Decided before the browser signs in (the test's own skips below say which, when they apply).
test.skip(({ verity }) => !verity.target.accessTtlSeconds || verity.target.accessTtlSeconds > longestTtlWaited, `the access-token lifetime is unknown (VERITY_ACCESS_TTL_SECONDS) or longer than this journey waits (${longestTtlWaited} s)`);

test('An access token past its lifetime is refused by the server, and the page refreshes silently', labels({ layer: 'ui', ...refresh, story: 'Real expiry', severity: 'critical' }), async ({ pages, page, verity, account, auth, browserErrors }) => {
  const ttl = verity.target.accessTtlSeconds;
  test.skip(!ttl, 'the access-token lifetime is unknown: set VERITY_ACCESS_TTL_SECONDS for a configured target');
  test.skip(ttl! > longestTtlWaited, `the access-token lifetime (${ttl} s) is longer than this journey waits (${longestTtlWaited} s)`);
  const me = verity.app.api.me;
  test.skip(!me, 'the profile names no "current user" endpoint (app.api.me)');
  test.setTimeout((ttl! + 60) * 1000);
  // The page's first call after expiry is answered 401 before the refresh.
  browserErrors.expect(/status of 401/);
  const settings = verity.app.auth!;
  const { dashboard, nav, login } = pages;
  let original: string | undefined;
  await test.step('Open the dashboard, signed in', async () => {
    await dashboard.open();
    await dashboard.expectLoaded();
    await nav.expectSignedIn(account.email);
    original = await pageAccessToken(page, verity);
    expect(original, `the page holds an access token (${verity.transport} transport)`).toBeTruthy();
  });
  await test.step(`The API accepts the page's access token now (GET ${me!.path} answers 200)`, async () => {
    expect((await auth.getWithToken(me!.path, original)).status(), `control: GET ${me!.path} with the page's access token`).toBe(200);
  });
  await test.step(`Within its lifetime (${ttl} s) and a margin, the API starts refusing that token (401)`, async () => {
    await expect
      .poll(async () => (await auth.getWithToken(me!.path, original)).status(), {
        message: `GET ${me!.path} with the page's original access token`,
        timeout: (ttl! + 20) * 1000,
        intervals: [1000],
      })
      .toBe(401);
  });
  const refreshes = watchPath(page, settings.refreshPath);
  await expectProfileThroughOneRefresh(pages, refreshes, settings.refreshPath, account.email);
  await test.step('Sign out', async () => {
    await nav.signOut();
    await login.expectShown();
  });
});
