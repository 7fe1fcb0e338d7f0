// The UI smoke test: the sign-in page signs a QA account in and the dashboard shows its data.
// Every other UI journey depends on it (the ui-smoke project in playwright.config.ts): when the
// app cannot even sign a user in through its pages, the journeys do not run, and this one failure
// names the cause instead of every journey timing out on it.
import { labels } from '../allure-labels.ts';
import { test } from '../fixtures.ts';
import { expectOnPath } from '../support/ui-session.ts';

const signIn = { epic: 'Auth', feature: 'Sign-in' } as const;

test('Signing in with a QA account lands on the dashboard, signed in', labels({ layer: 'ui', smoke: true, ...signIn, story: 'Good credentials', severity: 'blocker' }), async ({ pages, page, verity, account }) => {
  const { login, dashboard, nav } = pages;
  const { loginRoute, protectedRoutes } = verity.app.ui;
  await test.step('Open the sign-in page', async () => {
    await login.open();
    await login.expectShown();
  });
  await test.step('Sign in with the QA account', async () => {
    await login.login(account);
  });
  await test.step('Land on the dashboard (or the page the profile says the app lands on), signed in as that account', async () => {
    await dashboard.expectLoaded();
    if (protectedRoutes.dashboard) await expectOnPath(page, protectedRoutes.dashboard);
    await nav.expectSignedIn(account.email);
  });
  await test.step('Sign out: the sign-in page is shown again', async () => {
    await nav.signOut();
    await login.expectShown();
    await expectOnPath(page, loginRoute);
  });
});
