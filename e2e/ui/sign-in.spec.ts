// Signing in through the sign-in page, in a real browser: bad credentials, the way back to a
// protected page, and (with a database) the session row a sign-in opens. Good credentials are
// the UI smoke test (sign-in.smoke.ts), which every test here waits for. Every test that signs in
// through the page signs out at its end.
import { decodeJwt } from 'jose';
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import type { Pages } from '../pages/index.ts';
import { expectOnPath } from '../support/ui-session.ts';
import { sessionRow, userIdByEmail } from '../support/records.ts';
import { pageCallAnswer } from '../support/steps.ts';
import { atPointer, contractOf, type TokenLocation } from '../support/auth-contract.ts';
import { registerSecrets } from '../support/secrets.ts';

const signIn = { epic: 'Auth', feature: 'Sign-in' } as const;

// An address no account should have. The wrong password is the account's own with a suffix, so
// the redactor masks it wherever Playwright records what was typed (step titles, traces).
// On the account's own domain: some apps refuse reserved domains (.invalid, .test) as malformed.
const unknownEmailBeside = (account: { email: string }) => `verity-no-such-account@${account.email.split('@')[1] ?? 'example.com'}`;
const wrongPasswordFor = (account: { password: string }) => `${account.password}-but-wrong`;

test('Wrong credentials are refused with one message and the user stays on the sign-in page', labels({ layer: 'ui', ...signIn, story: 'Bad credentials', severity: 'critical' }), async ({ pages, page, verity, account, browserErrors }) => {
  const { loginPath, refusedLoginStatus: refused } = verity.app.auth!;
  // The page's sign-in call is refused (app.auth.refusedLoginStatus): Chromium logs every refused request to the console.
  browserErrors.expect(new RegExp(`status of ${refused}`));
  const { login } = pages;
  const { loginRoute } = verity.app.ui;
  await test.step('Open the sign-in page', async () => {
    await login.open();
    await login.expectShown();
  });
  // Waiting for the answer first: the message of an earlier attempt must not pass for this one's.
  const attempt = async (credentials: { email: string; password: string }, what: string) => {
    const answer = pageCallAnswer(page, 'POST', loginPath);
    await login.login(credentials);
    expect((await answer).status(), `POST ${loginPath} with ${what} must be refused with ${refused}, the same answer whatever was wrong (a different one reveals which emails have accounts)`).toBe(refused);
    await login.expectRejected();
    await expectOnPath(page, loginRoute);
  };
  await test.step(`Sign in with the QA account's email and a wrong password: refused (${refused})`, async () => {
    await attempt({ email: account.email, password: wrongPasswordFor(account) }, 'a wrong password');
  });
  await test.step(`Sign in with an email no account has: refused the same way (${refused}, same message)`, async () => {
    await attempt({ email: unknownEmailBeside(account), password: wrongPasswordFor(account) }, 'an unknown email');
  });
  const protectedPath = Object.values(verity.app.ui.protectedRoutes)[0];
  if (protectedPath) {
    await test.step(`Visit ${protectedPath}: still sent to the sign-in page, no session was kept`, async () => {
      await page.goto(protectedPath);
      await login.expectShown();
      await expectOnPath(page, loginRoute);
    });
  }
});

test('A signed-out visit to a protected page leads to sign-in, and signing in returns to that page', labels({ layer: 'ui', ...signIn, story: 'Return to the requested page', severity: 'critical' }), async ({ pages, page, verity, account }) => {
  const { loginRoute, protectedRoutes } = verity.app.ui;
  const routes = Object.entries(protectedRoutes);
  test.skip(!routes.length, 'the profile lists no protected routes (app.ui.protectedRoutes)');
  for (const [name, path] of routes) {
    await test.step(`Visit ${path} (${name}) signed out: the sign-in page opens instead`, async () => {
      await page.goto(path);
      await pages.login.expectShown();
      await expectOnPath(page, loginRoute);
    });
  }
  // A deep link is the interesting case: the first protected route that is not the home page.
  const [name, path] = routes.find(([, p]) => p !== '/') ?? routes[0]!;
  await test.step(`Visit ${path} (${name}) signed out, then sign in`, async () => {
    await page.goto(path);
    await pages.login.expectShown();
    await pages.login.login(account);
  });
  await test.step(`Back on ${path}, showing its data, signed in as that account`, async () => {
    await expectOnPath(page, path);
    const target = pages[name as keyof Pages] as { expectLoaded?: () => Promise<void> } | undefined;
    if (target?.expectLoaded) await target.expectLoaded();
    await pages.nav.expectSignedIn(account.email);
  });
  await test.step('Sign out', async () => {
    await pages.nav.signOut();
    await pages.login.expectShown();
  });
});

test('A sign-in through the page opens an active session for that user in the database', labels({ layer: 'ui', ...signIn, story: 'Session recorded in the database', severity: 'critical' }), async ({ pages, page, verity, account, db }) => {
  const records = verity.app.records;
  test.skip(!db, 'no database: the session row cannot be checked (DATABASE_URL)');
  test.skip(!records, 'the profile describes no records (app.records)');
  const auth = verity.app.auth!;
  const { login, dashboard, nav } = pages;
  let accessToken: string | undefined;
  await test.step('Open the sign-in page', async () => {
    await login.open();
    await login.expectShown();
  });
  await test.step('Sign in with the QA account, watching the sign-in answer', async () => {
    const answer = pageCallAnswer(page, 'POST', auth.loginPath);
    await login.login(account);
    const response = await answer;
    expect(response.status(), `the sign-in answer (POST ${auth.loginPath})`).toBe(200);
    // Where the profile's contract says the access token is (app.auth.accessToken).
    // The pages may keep the session in a cookie that is itself the JWT (app.auth.browserCookie).
    const location: TokenLocation = auth.browserCookie ? { from: 'cookie', name: auth.browserCookie } : contractOf(auth, verity.transport).accessToken;
    if (location.from === 'json') {
      const found = atPointer(await response.json(), location.pointer);
      accessToken = found.found ? String(found.value) : undefined;
    } else if (location.from === 'header') {
      accessToken = response.headers()[location.name.toLowerCase()]?.replace(/^Bearer\s+/i, '');
    }
    await dashboard.expectLoaded();
    if (location.from === 'cookie') {
      accessToken = (await page.context().cookies()).find((c) => c.name === location.name)?.value;
    }
    expect(accessToken, `the sign-in gave the browser an access token (${verity.transport} transport)`).toBeTruthy();
  });
  const claims = decodeJwt(accessToken!);
  const sessionId = claims[auth.sessionClaim] === undefined ? undefined : String(claims[auth.sessionClaim]);
  // A session id may itself be a secret (an app that keys its session rows by their token).
  await registerSecrets(sessionId);
  await test.step(`The access token names its session (claim ${auth.sessionClaim})`, async () => {
    expect(sessionId, `the access token carries the ${auth.sessionClaim} claim`).toBeTruthy();
  });
  await test.step(`The session row in ${records!.sessions.table} belongs to ${account.email} and is active`, async () => {
    const userId = await userIdByEmail(db!, records!.users, account.email);
    expect(userId, `${records!.users.table} has a row for ${account.email}`).toBeDefined();
    const session = await sessionRow(db!, records!.sessions, sessionId!);
    expect(session, `${records!.sessions.table} has the row the token names`).toBeDefined();
    expect(session!.userId, 'the session belongs to the user who signed in').toBe(userId);
    expect(session!.active, 'the session is active').toBe(true);
    const subject = claims[auth.subjectClaim];
    expect(subject === undefined ? undefined : String(subject), `the token's subject (claim ${auth.subjectClaim}) is that user`).toBe(auth.subjectHolds === 'email' ? account.email : userId);
  });
  await test.step('Sign out, once the page shows who is signed in', async () => {
    // Its calls answered first: one still in flight when the session ends is refused (a 401 the test did not expect).
    await nav.expectSignedIn(account.email);
    await nav.signOut();
    await login.expectShown();
  });
});
