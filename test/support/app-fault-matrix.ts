// The application fault matrix: on the healthy demo every journey passes; each application fault
// of the demo's catalog fails exactly the checks this table names, with a message naming the
// cause, and nothing else. Runs `npm run verify`, as a user would, against the demo configured as
// a target (BASE_URL, DATABASE_URL, its log file). One test file per token transport.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { faults, type Demo, type FaultName } from '../../demo-app/src/index.ts';
import { leaksIn } from './secret-scan.ts';
import { adminQuery, startTarget, testAccounts } from './target.ts';
import { testOutcomes, verify, type TestOutcome } from './verify-run.ts';

/** The checks, by the titles the report gives them. */
const check = {
  // API: tokens
  tokenClaims: "Access token is signed by the target's key and carries the expected claims",
  tamperedPayload: 'A token whose payload was changed after signing is refused',
  strippedSignature: 'A token stripped of its signature is refused',
  algNone: 'A token declaring alg none is refused, whatever the letter case',
  keyConfusion: 'A token signed with HS256 using the public key as HMAC secret is refused (key confusion)',
  embeddedJwk: 'A token carrying its own key in an embedded jwk header is refused',
  kidPathTraversal: "A token whose kid is a file path and whose HMAC secret is that file's known content is refused (kid path traversal)",
  anotherPublishedKid: 'A token naming another key the target publishes is refused',
  foreignKey: 'A token signed by a foreign key under the real kid is refused',
  // API: sign-in, refresh, authorization, endpoints
  sameAnswer: 'Unknown email and wrong password get the same answer',
  apiSignOut: 'Sign-out ends the session at once',
  refreshRotation: 'Refresh issues a new token pair and retires the old refresh token',
  refreshReuse: 'A reused refresh token is refused and ends its token family',
  refreshRows: 'Refresh rotates the token rows of the same session in the database',
  adminRefused: 'A QA user is refused the admin-only endpoint',
  ownedResource: 'A QA user cannot read a resource another QA user owns',
  signedInGets: 'Protected GET endpoints answer a signed-in user with JSON matching the API document',
  withoutToken: 'Protected GET endpoints refuse calls without a valid token',
  appLog: 'No errors in the application log during the run',
  // UI
  signIn: 'Signing in with a QA account lands on the dashboard, signed in',
  wrongCredentials: 'Wrong credentials are refused with one message and the user stays on the sign-in page',
  redirectAndReturn: 'A signed-out visit to a protected page leads to sign-in, and signing in returns to that page',
  signInSessionRow: 'A sign-in through the page opens an active session for that user in the database',
  signOut: 'Signing out returns to the sign-in page, and protected pages then lead back to it',
  oldTokenRefused: 'After signing out, the API refuses the old access token and the session row is closed',
  refreshRetry: 'A refused access token is refreshed once, the request retried, and the page carries on',
  realExpiry: 'An access token past its lifetime is refused by the server, and the page refreshes silently',
  revokedRefresh: 'When the refresh token has been revoked, the page ends on the sign-in page instead of breaking',
  dashboard: "Dashboard shows the signed-in user's counts, as the database counts them",
  profile: "Profile shows the signed-in user's email and id",
  conversations: "Conversations lists the user's conversations, as many as the database has, and opens one with its messages",
  analytics: 'Analytics shows SMS totals that add up',
  othersConversation: "Another user's conversation is not shown",
  ownOrigin: 'Calls from the page to its API go to its own origin with its own credentials, and succeed',
  webVitals: 'Core web vitals of every signed-in page are within budget',
} as const;
type Check = (typeof check)[keyof typeof check];

const tokenNegatives: Check[] = [check.tamperedPayload, check.strippedSignature, check.algNone, check.keyConfusion, check.embeddedJwk, check.kidPathTraversal, check.anotherPublishedKid, check.foreignKey];
const signedInPages: Check[] = [check.dashboard, check.profile, check.conversations, check.analytics, check.othersConversation, check.ownOrigin, check.webVitals];
/** Every UI journey but the smoke test (check.signIn): they do not run when it fails. */
const uiJourneys: Check[] = [
  check.wrongCredentials, check.redirectAndReturn, check.signInSessionRow, check.signOut, check.oldTokenRefused,
  check.refreshRetry, check.realExpiry, check.revokedRefresh, ...signedInPages,
];

interface Expectation {
  /** Checks that must fail; every other check must pass, or be one `skips` names. */
  fails: Check[];
  /** Checks that must not run (the UI journeys, when the UI smoke test fails). */
  skips?: Check[];
  /** What each failing check's message must say: the cause, named. */
  names: RegExp;
}

/** Per application fault of the demo's catalog (the first test checks that every one has a row). */
export const expectations: Record<string, Expectation> = {
  'foreign-signing-key': { fails: [check.tokenClaims], names: /signature|JWKS/i },
  // Every forged token carries genuine claims, so a server that checks no signature takes them
  // all; the refresh journeys make the server refuse the page's token by changing its signature.
  'signature-unchecked': {
    fails: [...tokenNegatives, check.refreshRetry, check.revokedRefresh],
    names: /must get 401/,
  },
  'kid-read-as-path': { fails: [check.kidPathTraversal, check.anotherPublishedKid], names: /kid .* must get 401/ },
  'refresh-500': {
    fails: [check.refreshRotation, check.refreshReuse, check.refreshRows, check.refreshRetry, check.realExpiry, check.revokedRefresh, check.appLog],
    names: /refresh/i,
  },
  // The token negatives present their tokens to /users/me: with it broken, their control fails.
  'users-me-500': {
    fails: [check.signedInGets, check.apiSignOut, check.refreshRotation, check.refreshReuse, ...tokenNegatives, check.signIn, check.appLog],
    skips: uiJourneys,
    names: /users\/me/,
  },
  'endpoint-without-auth': { fails: [check.withoutToken], names: /oauth\/providers/ },
  'admin-open': { fails: [check.adminRefused], names: /admin\/users/ },
  'conversation-idor': { fails: [check.ownedResource, check.othersConversation], names: /chat\/conversations/ },
  'slow-endpoint': { fails: [check.signedInGets], names: /chat\/conversations.*budget|budget.*chat\/conversations/is },
  'spa-refresh-broken': { fails: [check.refreshRetry, check.realExpiry], names: /refresh/i },
  'spa-cross-origin-api': { fails: [check.signIn], skips: uiJourneys, names: /Content Security Policy|CORS|origin/i },
  'json-endpoint-html': { fails: [check.signedInGets, check.analytics, check.webVitals], names: /sms\/usage/ },
  'login-reveals-email': { fails: [check.sameAnswer, check.wrongCredentials], names: /unknown email/ },
  'logout-keeps-token': { fails: [check.apiSignOut, check.refreshReuse, check.oldTokenRefused], names: /after sign-out|after signing out|ended session/i },
  'app-log-errors': { fails: [check.appLog], names: /log lines at error level/ },
};

/**
 * Faults run alone (VERITY_FAULT_MATRIX=isolated, `npm run test:fault-matrix`) or, in `npm test`,
 * together where their expected failures are disjoint: every check failing must then be one
 * its own fault's row names, and say that fault's cause.
 */
export const isolated = process.env.VERITY_FAULT_MATRIX === 'isolated';

/** What a fault changes: the checks it fails and the ones it keeps from running. */
const touched = (name: FaultName): Check[] => [...expectations[name]!.fails, ...(expectations[name]!.skips ?? [])];

/** Greedy: each fault joins the first group none of whose faults touches any of the checks it touches. */
function faultGroups(names: FaultName[]): FaultName[][] {
  const groups: { faults: FaultName[]; touched: Set<Check> }[] = [];
  for (const name of names) {
    const checks = touched(name);
    const group = isolated ? undefined : groups.find((g) => checks.every((c) => !g.touched.has(c)));
    if (group) {
      group.faults.push(name);
      for (const c of checks) group.touched.add(c);
    } else {
      groups.push({ faults: [name], touched: new Set(checks) });
    }
  }
  return groups.map((g) => g.faults);
}

const openSessions = async (demo: Demo) => Number((await adminQuery<{ n: string }>(demo, 'SELECT count(*) AS n FROM user_sessions WHERE is_active AND expires_at > now()'))[0]!.n);

/** The demo as every run sees it: a short access-token lifetime, so the expiry journey runs. */
const accessTtlSeconds = 15;
// In tests, the API budget is over 10× a healthy call and the slow endpoint 3× the budget, yet
// well inside the UI's 10 s waits: the API's latency check, not a UI timeout, names the cause.
const apiBudgetMs = 1000;
const slowEndpointSeconds = 3;

/** The matrix for one token transport: a healthy run, then each fault group's run. */
export interface MatrixOptions {
  /** A healthy run first (always, in isolated mode). */
  healthy?: boolean;
}

export function describeFaultMatrix(authMode: 'bearer' | 'cookie', faultNames: FaultName[], options: MatrixOptions = {}): void {
  describe(`application fault matrix, ${authMode} tokens (npm run verify)`, () => {
    let demo: Demo;
    before(async () => {
      demo = await startTarget({ authMode, accessTtlSeconds, slowEndpointSeconds });
    });
    after(async () => {
      await demo?.stop();
    });

    async function verifyDemo(trace: 'on' | 'off' = 'off') {
      const run = await verify({
        BASE_URL: demo.baseURL,
        DATABASE_URL: demo.verifierDatabaseURL,
        VERITY_ACCESS_TTL_SECONDS: String(accessTtlSeconds),
        VERITY_APP_LOG_FILE: demo.appLogFile,
        VERITY_API_BUDGET_MS: String(apiBudgetMs),
        VERITY_TRACE: trace,
      });
      assert.ok(run.runDir, `a report was written:\n${run.stdout}${run.stderr}`);
      return { ...run, outcomes: testOutcomes(run.runDir) };
    }

    const failed = (outcomes: TestOutcome[]) => outcomes.filter((o) => o.status === 'failed');
    const explain = (outcomes: TestOutcome[]) => failed(outcomes).map((o) => `[${o.project}] ${o.title}\n    ${o.message.split('\n').slice(0, 8).join('\n    ')}`).join('\n');

    if (authMode === 'bearer') {
      it('every application fault of the catalog has a row', () => {
        const applicationFaults = faults.filter((f) => f.layer === 'application').map((f) => f.name).sort();
        assert.deepEqual(Object.keys(expectations).sort(), applicationFaults);
      });
    }

    function expectAllGreen(run: Awaited<ReturnType<typeof verifyDemo>>) {
      assert.deepEqual(failed(run.outcomes), [], explain(run.outcomes));
      const skipped = run.outcomes.filter((o) => o.status === 'skipped').map((o) => `[${o.project}] ${o.title}`);
      assert.deepEqual(skipped, [], 'nothing skipped');
      for (const title of Object.values(check)) assert.ok(run.outcomes.some((o) => o.title === title), `the run has the check "${title}"`);
      assert.equal(run.status, 0, run.stdout);
    }

    if (options.healthy || isolated) {
      it(`healthy demo: every check passes, the expiry journey and the log check included, exit 0; traces on, no password or issued ${authMode === 'cookie' ? 'cookie' : 'token'} in reports/, no session left open`, async () => {
        const openBefore = await openSessions(demo);
        const run = await verifyDemo('on');
        expectAllGreen(run);
        // Verity signs out every session it opens: the target keeps no more open sessions than it had.
        assert.equal(await openSessions(demo), openBefore, 'active user_sessions rows after the run, as many as before it');
        // Every token this demo issued, found by the hash it keeps of each refresh token (in the cookie transport, the cookies' values).
        const issued = await adminQuery<{ token_hash: string }>(demo, 'SELECT token_hash FROM auth_tokens');
        const secrets = [
          ...testAccounts.map((a) => ({ what: `${a.email}'s password`, value: a.password })),
          { what: 'the database password', value: decodeURIComponent(new URL(demo.verifierDatabaseURL).password) },
        ];
        assert.deepEqual(leaksIn(run.runDir!, secrets, new Set(issued.map((t) => t.token_hash))), []);
      });
    }

    for (const group of faultGroups(faultNames)) {
      const expected = group.flatMap((f) => expectations[f]!.fails.map((check) => ({ check, fault: f })));
      const skips = group.flatMap((f) => expectations[f]!.skips ?? []).length;
      it(`${group.join(' + ')} → fails ${expected.length} check${expected.length === 1 ? '' : 's'}${skips ? `, ${skips} do not run` : ''}`, async () => {
        try {
          for (const fault of group) await demo.applyFault(fault);
          const run = await verifyDemo();
          const failing = failed(run.outcomes);
          assert.deepEqual(failing.map((o) => o.title).sort(), expected.map((e) => e.check).sort(), explain(run.outcomes));
          const skipped = run.outcomes.filter((o) => o.status === 'skipped').map((o) => o.title).sort();
          assert.deepEqual(skipped, group.flatMap((f) => expectations[f]!.skips ?? []).sort(), 'the checks that did not run');
          const unnamed = expected.filter(({ check, fault }) => !expectations[fault]!.names.test(failing.find((o) => o.title === check)!.message));
          assert.deepEqual(
            unnamed.map(({ check, fault }) => `${fault}: ${check}`),
            [],
            `each failure names its fault's cause:\n${explain(failing.filter((o) => unnamed.some((u) => u.check === o.title)))}`,
          );
          assert.equal(run.status, 1, run.stdout);
          // The summary names what failed, so a release manager need not open the report to see it.
          assert.match(run.stdout, /Failed checks:/);
          if (expected.length <= 12) for (const { check } of expected) assert.ok(run.stdout.includes(check), `the summary lists "${check}"`);
          else assert.match(run.stdout, new RegExp(`and ${expected.length - 12} more in the report`));
          if (skipped.length) assert.match(run.stdout, /UI journeys not run: the UI smoke test/);
        } finally {
          await demo.reset();
        }
      });
    }
  });
}
