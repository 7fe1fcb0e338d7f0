// A browser session made through the app's own sign-in page, for apps whose pages hold a session
// the API's sign-in cannot make (app.auth.browserCookie): signed in, its state kept for a test's
// browser, and signed out the app's own way at the test's end.
import { expect, type Browser, type BrowserContext } from '@playwright/test';
import type { Profile } from '../../src/profile.ts';
import { pagesFor } from '../pages/index.ts';
import type { Account } from './auth-api.ts';

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

export async function signInThroughThePage(browser: Browser, baseURL: string, profile: Profile, account: Account): Promise<StorageState> {
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    const pages = pagesFor(profile, page);
    await pages.login.open();
    await pages.login.login(account);
    await pages.nav.expectSignedIn(account.email);
    // Calls the page makes on landing may rotate the session cookie: the state kept is the one they leave.
    await page.waitForLoadState('networkidle');
    return await context.storageState();
  } finally {
    await context.close();
  }
}

/** Signs out the session a browser context holds, the app's own way (app.ui.signOut), in a page of its own, until `isLive` says it is gone. */
export async function signOutInContext(context: BrowserContext, profile: Profile, isLive: () => Promise<boolean>): Promise<void> {
  const page = await context.newPage();
  try {
    await pagesFor(profile, page).nav.signOut();
    await expect.poll(isLive, { message: 'the session the pages held is signed out', timeout: 15_000, intervals: [250, 500, 1000] }).toBe(false);
  } finally {
    await page.close();
  }
}
