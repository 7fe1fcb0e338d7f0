// The signed-in pages, opened with the test's own session (no UI sign-in): each shows the
// signed-in user's own data, agreeing with the database where the profile says how to count it;
// another user's conversation stays hidden; and the page calls its API on its own origin with
// its own credentials. A full-page screenshot of each page is attached.
import type { Page, TestInfo } from '@playwright/test';
import { labels } from '../allure-labels.ts';
import { fieldOf } from '../support/auth-contract.ts';
import { expect, test } from '../fixtures.ts';
import { itemPath } from '../support/openapi.ts';
import { pageCallAnswer } from '../support/steps.ts';
import { storageKeyFor } from '../support/ui-session.ts';
import { pageCounts, userIdByEmail } from '../support/records.ts';

const pagesFeature = { epic: 'UI', feature: 'Signed-in pages' } as const;

// Each test starts signed in with its own API-made session, placed where the app keeps it.
test.use({ signedIn: true });

async function attachScreenshot(page: Page, testInfo: TestInfo, name: string) {
  await testInfo.attach(`${name} (full page)`, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
}

// Decided before the browser signs in: a skipped page costs no sign-in.
test.describe(() => {
  test.skip(({ verity }) => !verity.app.ui.protectedRoutes.dashboard, 'the profile lists no dashboard route (app.ui.protectedRoutes.dashboard)');
  test('Dashboard shows the signed-in user\'s counts, as the database counts them', labels({ layer: 'ui', ...pagesFeature, story: 'Dashboard', severity: 'critical' }), async ({ pages, page, verity, account, db }, testInfo) => {
    const path = verity.app.ui.protectedRoutes.dashboard;
    test.skip(!path, 'the profile lists no dashboard route (app.ui.protectedRoutes.dashboard)');
    const { dashboard, nav } = pages;
    const records = verity.app.records;
    await test.step(`Open the dashboard (${path}), signed in`, async () => {
      await page.goto(path!);
      await dashboard.expectLoaded();
      await nav.expectSignedIn(account.email);
      await attachScreenshot(page, testInfo, 'Dashboard');
    });
    const shown: Record<string, number> = await dashboard.shownCounts();
    await test.step('Every count shown is a whole number', async () => {
      for (const [name, value] of Object.entries(shown)) expect.soft(Number.isInteger(value) && value >= 0, `${name}: ${value}`).toBe(true);
    });
    const expected = records?.counts.filter((c) => c.page === 'dashboard') ?? [];
    if (!db || !expected.length) {
      await test.step('No database, or no dashboard counts in the profile (app.records.counts): not compared with the database', async () => {});
      return;
    }
    const userId = await userIdByEmail(db, records!.users, account.email);
    expect(userId, `${records!.users.table} has a row for ${account.email}`).toBeDefined();
    for (const { name, value } of await pageCounts(db, records!.counts, 'dashboard', userId!)) {
      await test.step(`The dashboard's "${name}" count equals the database's`, async () => {
        expect(shown, `the dashboard shows a count named ${name}`).toHaveProperty(name);
        expect.soft(shown[name], `dashboard ${name}: page vs database`).toBe(value);
      });
    }
  });
});

// Decided before the browser signs in: a skipped page costs no sign-in.
test.describe(() => {
  test.skip(({ verity }) => !verity.app.ui.protectedRoutes.profile, 'the profile lists no profile route (app.ui.protectedRoutes.profile)');
  test('Profile shows the signed-in user\'s email and id', labels({ layer: 'ui', ...pagesFeature, story: 'Profile', severity: 'critical' }), async ({ pages, page, verity, account, session, db }, testInfo) => {
    const path = verity.app.ui.protectedRoutes.profile;
    test.skip(!path, 'the profile lists no profile route (app.ui.protectedRoutes.profile)');
    const { profile, nav } = pages;
    const records = verity.app.records;
    await test.step(`Open the profile page (${path}), signed in`, async () => {
      await page.goto(path!);
      await profile.expectLoaded();
      await nav.expectSignedIn(account.email);
      await attachScreenshot(page, testInfo, 'Profile');
    });
    const shown = await profile.shownUser();
    await test.step('The email shown is the signed-in account\'s', async () => {
      expect(shown.email).toBe(account.email);
    });
    if (db && records) {
      await test.step(`The id shown is the user's id in ${records.users.table}`, async () => {
        const userId = await userIdByEmail(db, records.users, account.email);
        expect(userId, `${records.users.table} has a row for ${account.email}`).toBeDefined();
        expect(shown.id).toBe(userId);
      });
    } else {
      await test.step("No database: the id shown is the access token's subject", async () => {
        expect(session.userId, 'the access token names its subject').toBeDefined();
        expect(shown.id).toBe(session.userId);
      });
    }
  });
});

// Decided before the browser signs in: a skipped page costs no sign-in.
test.describe(() => {
  test.skip(({ verity }) => !verity.app.ui.protectedRoutes.conversations, 'the profile lists no conversations route (app.ui.protectedRoutes.conversations)');
  test('Conversations lists the user\'s conversations, as many as the database has, and opens one with its messages', labels({ layer: 'ui', ...pagesFeature, story: 'Conversations', severity: 'critical' }), async ({ pages, page, verity, account, db }, testInfo) => {
    const path = verity.app.ui.protectedRoutes.conversations;
    test.skip(!path, 'the profile lists no conversations route (app.ui.protectedRoutes.conversations)');
    const { conversations, nav } = pages;
    const records = verity.app.records;
    await test.step(`Open the conversations page (${path}), signed in`, async () => {
      await page.goto(path!);
      await conversations.expectLoaded();
      await nav.expectSignedIn(account.email);
      await attachScreenshot(page, testInfo, 'Conversations');
    });
    const total = await conversations.shownTotal();
    await test.step('The total shown equals the conversations listed', async () => {
      expect(await conversations.listedCount()).toBe(total);
    });
    const expected = records?.counts.filter((c) => c.page === 'conversations') ?? [];
    if (db && expected.length) {
      const userId = await userIdByEmail(db, records!.users, account.email);
      expect(userId, `${records!.users.table} has a row for ${account.email}`).toBeDefined();
      for (const { name, value } of await pageCounts(db, records!.counts, 'conversations', userId!)) {
        await test.step(`The total equals the database's "${name}" count`, async () => {
          expect(total, `conversations ${name}: page vs database`).toBe(value);
        });
      }
    } else {
      await test.step('No database, or no conversations count in the profile (app.records.counts): not compared with the database', async () => {});
    }
    const stated = await conversations.listedMessageCounts();
    const index = stated.findIndex((n) => n > 0);
    if (index < 0) {
      await test.step('No listed conversation has messages: none opened', async () => {
        expect(stated.every((n) => n === 0), 'every listed conversation states a message count').toBe(true);
      });
      return;
    }
    await test.step(`Open a conversation the list says has ${stated[index]} messages: it shows them all`, async () => {
      await conversations.openListed(index);
      await expect.poll(() => conversations.shownMessages(), { message: 'messages shown' }).toBe(stated[index]);
      await attachScreenshot(page, testInfo, 'Conversation');
    });
  });
});

// Decided before the browser signs in: a skipped page costs no sign-in.
test.describe(() => {
  test.skip(({ verity }) => !verity.app.ui.protectedRoutes.analytics, 'the profile lists no analytics route (app.ui.protectedRoutes.analytics)');
  test('Analytics shows SMS totals that add up', labels({ layer: 'ui', ...pagesFeature, story: 'Analytics', severity: 'normal' }), async ({ pages, page, verity, account }, testInfo) => {
    const path = verity.app.ui.protectedRoutes.analytics;
    test.skip(!path, 'the profile lists no analytics route (app.ui.protectedRoutes.analytics)');
    const { analytics, nav } = pages;
    await test.step(`Open the analytics page (${path}), signed in`, async () => {
      await page.goto(path!);
      await analytics.expectLoaded();
      await nav.expectSignedIn(account.email);
      await attachScreenshot(page, testInfo, 'Analytics');
    });
    const totals = await analytics.shownTotals();
    await test.step('Total, inbound and outbound are whole numbers, not negative', async () => {
      for (const [name, value] of Object.entries(totals)) expect.soft(Number.isInteger(value) && value >= 0, `${name}: ${value}`).toBe(true);
    });
    await test.step('Total equals inbound plus outbound', async () => {
      expect(totals.total).toBe(totals.inbound + totals.outbound);
    });
  });
});

// Decided before the browser signs in: a skipped page costs no sign-in.
test.describe(() => {
  test.skip(({ verity }) => !verity.app.api.ownedResource || !verity.app.ui.protectedRoutes.conversations, 'the profile names no owned resource (app.api.ownedResource) or no conversations route (app.ui.protectedRoutes.conversations)');
  test('Another user\'s conversation is not shown', labels({ layer: 'ui', security: true, ...pagesFeature, story: 'Conversations', severity: 'blocker' }), async ({ pages, page, verity, account, auth, browserErrors }, testInfo) => {
    const owned = verity.app.api.ownedResource;
    test.skip(!owned, 'the profile names no owned resource (app.api.ownedResource)');
    test.skip(!verity.app.ui.protectedRoutes.conversations, 'the profile lists no conversations route (app.ui.protectedRoutes.conversations)');
    const other = verity.target.accounts.find((a) => a.email.toLowerCase() !== account.email.toLowerCase());
    test.skip(!other, 'one account only: this check needs a second one (VERITY_ACCOUNTS)');
    const otherAccount = other!;
    // The API refuses the foreign conversation (404, or 403): Chromium logs the refused request.
    browserErrors.expect(/status of 40[34]/);
    const { conversations } = pages;
    let foreignId: string | undefined;
    await test.step(`Find a conversation of another account (${otherAccount.email}) through the API`, async () => {
      const otherSession = await auth.login(otherAccount);
      const response = await otherSession.api.get(owned!.listPath, { headers: auth.authHeaders(otherSession) });
      expect(response.status(), `GET ${owned!.listPath} as ${otherAccount.email}`).toBe(200);
      const items = (await response.json())[owned!.itemsField] as Record<string, unknown>[];
      test.skip(!items?.length, `${otherAccount.email} has no conversations to try`);
      foreignId = String(items[0]![owned!.idField]);
    });
    await test.step(`Signed in as ${account.email}, open that conversation by its address: the API refuses it and the page does not show it`, async () => {
      const answer = pageCallAnswer(page, 'GET', itemPath(owned!.itemPath, foreignId!));
      await conversations.openById(foreignId!);
      const status = (await answer).status();
      expect([403, 404].includes(status), `GET ${owned!.itemPath} of another user's conversation, called by the page, must be refused with 403 or 404, got ${status}`).toBe(true);
      await conversations.expectNotShown();
      await attachScreenshot(page, testInfo, 'Foreign conversation');
    });
  });
});

test('Calls from the page to its API go to its own origin with its own credentials, and succeed', labels({ layer: 'ui', ...pagesFeature, story: 'Same-origin API calls', severity: 'critical' }), async ({ pages, page, verity, account, baseURL }) => {
  const me = verity.app.api.me;
  test.skip(!me, 'the profile names no "current user" endpoint (app.api.me)');
  const origin = new URL(baseURL!).origin;
  const calls: string[] = [];
  page.on('request', (request) => {
    if (['fetch', 'xhr'].includes(request.resourceType())) calls.push(request.url());
  });
  const { dashboard, nav } = pages;
  await test.step('Open the dashboard, signed in', async () => {
    await dashboard.open();
    await dashboard.expectLoaded();
    await nav.expectSignedIn(account.email);
  });
  await test.step(`Every call the page made (fetch or XHR) went to its own origin, ${origin}`, async () => {
    // "Loaded" may be known by the address alone (app.ui.signedIn.path), before the page's own calls
    // have gone out: the calls a page makes as it loads are the ones made before its network settles.
    await page.waitForLoadState('networkidle');
    expect(calls.length, 'calls the page made').toBeGreaterThan(0);
    expect(calls.filter((url) => new URL(url).origin !== origin), 'calls to another origin').toEqual([]);
  });
  await test.step(`From inside the page, GET ${me!.path} with the page's own credentials answers the signed-in user`, async () => {
    // Bearer: the token the app keeps in its storage; cookie (or a session cookie, app.auth.browserCookie): the browser's own HttpOnly cookies.
    const inStorage = verity.transport === 'bearer' && !verity.app.auth!.browserCookie;
    const key = inStorage ? storageKeyFor(verity, 'access') : undefined;
    if (inStorage) expect(key, "the profile maps a localStorage key to 'access' (app.auth.browserStorage.bearer)").toBeDefined();
    const answer = await page.evaluate(async ({ path, key }) => {
      const headers: Record<string, string> = { Accept: 'application/json' };
      const token = key ? window.localStorage.getItem(key) : null;
      if (token) headers.Authorization = `Bearer ${token}`;
      const response = await fetch(path, { headers, credentials: 'same-origin' });
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
    }, { path: me!.path, key });
    expect(answer.status, `GET ${me!.path} from the page`).toBe(200);
    expect(answer.contentType).toMatch(/application\/json/);
    expect(fieldOf(JSON.parse(answer.body), me!.emailField)).toBe(account.email);
  });
});
