// The frontend is served, renders its sign-in page in a real browser, and lets a user in.
import { labels } from '../allure-labels.ts';
import { test } from '../fixtures.ts';
import { pagesFor } from '../pages/index.ts';

test('Sign-in page renders and signs a QA user in', labels({ epic: 'UI', feature: 'Sign-in', severity: 'critical' }), async ({ page, verity, account }) => {
  const { login, dashboard, nav } = pagesFor(verity.profile, page);
  await test.step('Open the sign-in page', async () => {
    await login.open();
  });
  await test.step('See the email and password fields and the sign-in button', async () => {
    await login.expectShown();
  });
  await test.step('Sign in with a QA account', async () => {
    await login.login(account);
  });
  await test.step('Land on the dashboard, signed in', async () => {
    await dashboard.expectLoaded();
    await nav.expectSignedIn(account.email);
  });
  // Verity signs out of every session it opens, so nothing piles up on a long-lived database.
  await test.step('Sign out', async () => {
    await nav.signOut();
    await login.expectShown();
  });
});
