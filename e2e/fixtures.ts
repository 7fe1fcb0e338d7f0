// Fixtures every spec builds on: the run's config, what global setup learnt (the run state), the
// target profile, the gate that skips journeys when the target cannot be verified, sessions made
// through the API (one per test, signed out after), a browser already signed in, read-only
// database access for cross-layer checks, and the collector of browser errors.
import { test as base, expect, type ConsoleMessage, type Response } from '@playwright/test';
import * as allure from 'allure-js-commons';
import { currentConfig, type Config } from '../src/config.ts';
import { GuardedDatabase, type ReadOnlySession } from '../src/db.ts';
import { loadProfile, type Profile } from '../src/profile.ts';
import { journeyBlocker, readRunState, type RunState } from '../src/run-state.ts';
import { qaAccounts, type Account, type Target } from '../src/target.ts';
import { pagesFor, type Pages } from './pages/index.ts';
import { signInThroughThePage, signOutInContext } from './support/page-session.ts';
import { AuthApi, type Session, type Transport } from './support/auth-api.ts';
import { contractOf, fieldOf } from './support/auth-contract.ts';

export interface Verity {
  config: Config;
  /** Undefined only when global setup did not run at all. */
  state: RunState | undefined;
  /** The target as global setup resolved it (as configured, when setup did not run). */
  target: Target;
  profile: Profile;
  app: Profile['app'];
  transport: Transport;
}

export interface BrowserErrors {
  /** Declares errors this test provokes on purpose (e.g. the 401 before a refresh). */
  expect(pattern: RegExp): void;
}

interface TestFixtures {
  journey: void;
  /** This worker's QA account: tests that change account state never share one. */
  account: Account;
  auth: AuthApi;
  /** A session made through the API for `account`, placed in the browser when `signedIn` is set. */
  session: Session;
  /** Set with test.use({ signedIn: true }) to start the page already signed in (no UI login). */
  signedIn: boolean;
  /** Makes (once) the test's session; `session` and a signed-in browser share it. */
  mainSession: () => Promise<Session>;
  browserErrors: BrowserErrors;
  expectedBrowserErrors: RegExp[];
  /** The page objects for this test's page: the profile's own classes where it supplies them (app.ui.pages). */
  pages: Pages;
}

interface WorkerFixtures {
  verity: Verity;
  /** Read-only queries through the same guarded access as the probes; undefined without a database. */
  db: { query: ReadOnlySession['query'] } | undefined;
}

/**
 * Whether a session cookie still signs someone in, asked of the me endpoint (a 200 naming an
 * account); with no me endpoint, whether the cookie is there at all.
 */
async function sessionStillLive(verity: Verity, baseURL: string, cookies: { name: string; value: string }[]): Promise<boolean> {
  const me = verity.app.api.me;
  if (!cookies.length) return false;
  if (!me) return true;
  const answer = await fetch(new URL(me.path, baseURL), { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } }).then(
    async (r) => ({ status: r.status, body: await r.json().catch(() => undefined) }),
    () => undefined,
  );
  return !answer || (answer.status === 200 && !!fieldOf(answer.body, me.emailField));
}

/** Tests whose browser context was made: their context fixture signs out what the pages hold. */
const browserOpened = new Set<string>();

/** Sessions a worker fixture opened and could not close, until a test's auth fixture reports them. */
const leftOpenByWorker: string[] = [];

export const test = base.extend<TestFixtures, WorkerFixtures>({
  verity: [
    async ({}, use, workerInfo) => {
      const config = currentConfig();
      const state = readRunState(config.runtimeFile);
      const target = state?.target ?? config.target;
      const profile = await loadProfile(config.profile, config.envDir);
      const declared = profile.app.auth?.transport ?? 'from-target';
      let transport: Transport = declared === 'from-target' ? target.authMode ?? 'bearer' : declared;
      // A configured target records no auth mode (only the embedded demo does): its own sign-in shows it.
      const accounts = qaAccounts(target);
      if (declared === 'from-target' && !target.authMode && target.baseURL && profile.app.auth && accounts.length && ['api', 'ui', 'ui-smoke'].includes(workerInfo.project.name) && !journeyBlocker(state)) {
        const probe = new AuthApi(target.baseURL, profile.app.auth, 'bearer');
        transport = (await transportShownBySignIn(probe, accounts[workerInfo.parallelIndex % accounts.length]!)) ?? 'bearer';
        leftOpenByWorker.push(...probe.unclosed.map((where) => `${where} (the sign-in that told the token transport)`));
      }
      await use({ config, state, target, profile, app: profile.app, transport });
    },
    { scope: 'worker' },
  ],

  db: [
    async ({ verity }, use) => {
      const url = verity.state?.target.databaseURL;
      if (!url) return use(undefined);
      const database = new GuardedDatabase(url, verity.config.database);
      await use({ query: (sql, params) => database.readOnly((s) => s.query(sql, params)) });
      await database.end();
    },
    { scope: 'worker' },
  ],

  baseURL: async ({ verity }, use) => {
    await use(verity.state?.target.baseURL);
  },

  /**
   * Every API and UI test is a journey: it is skipped, with the cause, when the target cannot be
   * verified (setup failed, unhealthy, or a gate probe failed). Tests tagged @precondition are
   * the ones that report those causes, so they always run.
   */
  journey: [
    async ({ verity }, use, testInfo) => {
      if (['api', 'ui', 'ui-smoke'].includes(testInfo.project.name) && !testInfo.tags.includes('@precondition')) {
        const blocker = journeyBlocker(verity.state);
        testInfo.skip(!!blocker, blocker);
        const browser = verity.state?.browser;
        if (['ui', 'ui-smoke'].includes(testInfo.project.name) && browser && 'missing' in browser) testInfo.skip(true, `Verity could not start a browser: ${browser.missing}`);
        if (!verity.app.auth) testInfo.skip(true, 'the profile describes no sign-in (app.auth)');
      }
      await use();
    },
    { auto: true },
  ],

  account: async ({ verity }, use, testInfo) => {
    const accounts = qaAccounts(verity.target);
    testInfo.skip(!accounts.length, 'no QA account is configured (VERITY_ACCOUNTS)');
    await use(accounts[testInfo.parallelIndex % accounts.length]!);
  },

  auth: async ({ verity }, use, testInfo) => {
    const auth = new AuthApi(verity.state!.target.baseURL!, verity.app.auth!, verity.transport);
    await use(auth);
    // Verity signs out of every session it opened, so nothing piles up on a long-lived database;
    // one it could not sign out (nor one whose tokens it could not read) is said, as a warning.
    await auth.closeAll();
    // The worker's own sign-ins (before any test) are told by the first test that can.
    const unclosed = [...leftOpenByWorker.splice(0), ...auth.unclosed];
    if (unclosed.length) {
      const description = `Verity left ${unclosed.length} session(s) open on the target: ${unclosed.join('; ')}`;
      testInfo.annotations.push({ type: 'warning', description });
      await allure.attachment('Sessions left open', description, 'text/plain');
      console.warn(`[verity] ${testInfo.title}: ${description}`);
    }
  },

  signedIn: [false, { option: true }],

  pages: async ({ page, verity }, use) => {
    await use(pagesFor(verity.profile, page));
  },

  mainSession: async ({ auth, account }, use) => {
    let made: Promise<Session> | undefined;
    await use(() => (made ??= auth.login(account)));
  },

  session: async ({ mainSession }, use) => {
    await use(await mainSession());
  },

  storageState: async ({ signedIn, verity, baseURL, mainSession, playwright, launchOptions, account }, use, testInfo) => {
    if (!signedIn) return use(undefined);
    // The browser context may be made before the journey gate has run: check it here too.
    const blocker = journeyBlocker(verity.state);
    testInfo.skip(!!blocker, blocker);
    if (verity.app.auth!.browserCookie) {
      // A session-cookie app's pages hold a session of their own kind: made through its sign-in page.
      // Its own browser: the `browser` fixture would make every API call's request context launch one.
      const browser = await playwright.chromium.launch(launchOptions);
      const state = await signInThroughThePage(browser, baseURL!, verity.profile, account).finally(() => browser.close());
      // The test's context signs it out at its end (the context fixture), with the cookie as the page last had it.
      await use(state);
      // A test skipped before its browser opened never used the session: it is signed out here.
      if (!browserOpened.has(testInfo.testId) && await sessionStillLive(verity, baseURL!, state.cookies.filter((c) => c.name === verity.app.auth!.browserCookie))) {
        const again = await playwright.chromium.launch(launchOptions);
        try {
          const context = await again.newContext({ baseURL, storageState: state });
          const held = async () => (await context.cookies()).filter((c) => c.name === verity.app.auth!.browserCookie);
          await signOutInContext(context, verity.profile, async () => sessionStillLive(verity, baseURL!, await held())).catch(() => undefined);
        } finally {
          await again.close();
        }
      }
      return;
    }
    // The browser starts with the test's own session, made through the API and placed where the
    // app keeps it: no UI login, and never a session shared with another test.
    const session = await mainSession();
    const mapping = verity.app.auth!.browserStorage[verity.transport];
    const localStorage = Object.entries(mapping).map(([name, what]) => ({
      name,
      value: what === 'access' ? session.accessToken : what === 'refresh' ? session.refreshToken ?? '' : what,
    }));
    const cookies = verity.transport === 'cookie' ? (await session.api.storageState()).cookies : [];
    await use({ cookies, origins: [{ origin: new URL(baseURL!).origin, localStorage }] });
  },

  expectedBrowserErrors: async ({}, use) => {
    await use([]);
  },

  browserErrors: async ({ expectedBrowserErrors }, use) => {
    await use({ expect: (pattern) => expectedBrowserErrors.push(pattern) });
  },

  // Every page a test opens is watched: console errors, page errors, 5xx responses and JSON calls
  // answered with something else are attached, and the ones the test did not declare fail it.
  // What the profile declares the app does on purpose (app.ui.expectedConsole, expectedFailedRequests)
  // is allowed, and shown in the report as a step naming the pattern and the reason.
  // A session-cookie app's pages hold sessions only the pages can end: whatever session the test's
  // browser still holds at its end (a journey that stopped before signing out, a page left signed
  // in) is signed out the app's own way, so none is left behind.
  context: async ({ context, verity, baseURL }, use, testInfo) => {
    browserOpened.add(testInfo.testId);
    await use(context);
    const cookie = verity.app.auth?.browserCookie;
    if (!cookie || !baseURL) return;
    // Loading the app to sign out is slow: first ask whether the session is still live.
    const held = async () => (await context.cookies()).filter((c) => c.name === cookie);
    if (await sessionStillLive(verity, baseURL, await held())) {
      // Until the session is gone: a page closed while its sign-out call is in flight would leave it open.
      await signOutInContext(context, verity.profile, async () => sessionStillLive(verity, baseURL, await held())).catch(() => undefined);
    }
  },

  page: async ({ page, expectedBrowserErrors, verity }, use) => {
    const seen: string[] = [];
    const allowances: Record<string, Allowance> = {};
    const { expectedConsole, expectedFailedRequests } = verity.app.ui;
    const allow = (line: string, declared: Profile['app']['ui']['expectedConsole'], field: string, ...subjects: string[]) => {
      const match = declared.find((a) => subjects.some((s) => toRegExp(a.pattern).test(s)));
      if (match) allowances[line] = { field, pattern: String(match.pattern), reason: match.reason };
      seen.push(line);
    };
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error') return;
      const where = message.location().url;
      // A resource that failed to load is named in the console only by its location; nor is a script that failed to load or run: its location names the file.
      const line = where ? `console: ${message.text()} (${where})` : `console: ${message.text()}`;
      allow(line, expectedConsole, 'expectedConsole', message.text(), where);
    });
    page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      const call = `${response.request().method()} ${response.url()}`;
      if (response.status() >= 500) allow(`HTTP ${response.status()}: ${call}`, expectedFailedRequests, 'expectedFailedRequests', call);
      else if (answersJsonCallWithSomethingElse(response)) {
        allow(`not JSON: ${call} answered ${response.status()} ${response.headers()['content-type'] ?? 'with no content type'} to a call that accepts only JSON`, expectedFailedRequests, 'expectedFailedRequests', call);
      }
    });
    await use(page);
    if (seen.length) await allure.attachment('Browser errors', seen.join('\n'), 'text/plain');
    for (const [line, a] of Object.entries(allowances)) {
      await allure.logStep(`Allowed by the profile (app.ui.${a.field}, pattern ${a.pattern}): ${line}. Reason: ${a.reason}`);
    }
    const unexpected = seen.filter((line) => !allowances[line] && !expectedBrowserErrors.some((p) => p.test(line)));
    expect(unexpected, 'console errors, page errors, 5xx responses or non-JSON answers the test did not expect').toEqual([]);
  },
});

export { expect };

interface Allowance {
  field: string;
  pattern: string;
  reason: string;
}

/** A profile's pattern: a RegExp, or a regular expression's source. */
function toRegExp(pattern: string | RegExp): RegExp {
  return typeof pattern === 'string' ? new RegExp(pattern) : pattern;
}

/**
 * A fetch or XHR call the page made asking for JSON alone (its Accept names application/json and
 * no wildcard) that got another content type: a broken endpoint the page may hide behind a
 * blank widget.
 */
function answersJsonCallWithSomethingElse(response: Response): boolean {
  const request = response.request();
  if (!['fetch', 'xhr'].includes(request.resourceType())) return false;
  const accept = request.headers()['accept'] ?? '';
  if (!/application\/json/i.test(accept) || accept.includes('*/*')) return false;
  if ([204, 304].includes(response.status()) || (response.status() >= 300 && response.status() < 400)) return false;
  return !/[/+]json\b/i.test(response.headers()['content-type'] ?? '');
}

/**
 * How a target's tokens travel, as one sign-in shows it: the access token in the JSON body
 * (bearer) or an access cookie set (cookie). The session is signed out at once. Undefined when
 * the sign-in is refused: the journeys then report the refusal themselves.
 */
async function transportShownBySignIn(auth: AuthApi, account: Account): Promise<Transport | undefined> {
  const { api, response } = await auth.loginResponse(account).catch(() => ({ api: undefined, response: undefined }));
  if (!api || !response) return undefined;
  try {
    if (!response.ok()) return undefined;
    const body = await response.json().catch(() => undefined);
    const bodyToken = await auth.tokenAt(contractOf(auth.settings, 'bearer').accessToken, { response, json: body }, api);
    const cookieLocation = contractOf(auth.settings, 'cookie').accessToken;
    const cookieToken = await auth.tokenAt(cookieLocation, { response, json: body }, api);
    const transport: Transport | undefined = bodyToken ? 'bearer' : cookieToken ? 'cookie' : undefined;
    await auth.signOutAnswer(api, response).catch(() => undefined);
    return transport;
  } finally {
    await api.dispose();
  }
}
