// The session as the browser holds it, for either transport: the page's access token (from the
// storage key the profile maps to 'access', or the access cookie), a way to make the server
// refuse it, and a watch on the auth requests the page makes. Tokens never reach step titles.
import { expect, test, type Page, type Request, type Response } from '@playwright/test';
import { decodeJwt } from 'jose';
import type { Verity } from '../fixtures.ts';
import { describeAnswer, isRefusal, type AuthApi } from './auth-api.ts';
import type { Pages } from '../pages/index.ts';

/** The localStorage key under which the SPA keeps a token ('access' or 'refresh'), per the profile. */
export function storageKeyFor(verity: Verity, what: 'access' | 'refresh'): string | undefined {
  const mapping = verity.app.auth?.browserStorage[verity.transport] ?? {};
  return Object.entries(mapping).find(([, value]) => value === what)?.[0];
}

/** The access token the page currently presents: from its storage (bearer) or its cookie jar (cookie). */
export async function pageAccessToken(page: Page, verity: Verity): Promise<string | undefined> {
  const cookieName = verity.app.auth!.browserCookie ?? (verity.transport === 'cookie' ? verity.app.auth!.accessCookie : undefined);
  if (cookieName) {
    const cookies = await page.context().cookies();
    return cookies.find((c) => c.name === cookieName)?.value;
  }
  const key = storageKeyFor(verity, 'access');
  if (!key) return undefined;
  return (await page.evaluate((k) => window.localStorage.getItem(k), key)) ?? undefined;
}

/** The same token with its signature (or, for an opaque token, its first character) changed. */
export function tampered(token: string): string {
  const parts = token.split('.');
  const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  // The first character of a base64url part carries six full bits: changing it always changes the bytes.
  if (parts.length === 3) return `${parts[0]}.${parts[1]}.${flip(parts[2]!)}`;
  return flip(token);
}

/**
 * Replaces the page's access token with a tampered copy, where the app keeps it, so the server
 * refuses the page's next call (401) while the refresh token stays as it was. When the profile
 * names a protected endpoint, the server is asked first whether it refuses the copy: one that
 * checks no signature accepts it, and the journey would then fail without saying why.
 */
export async function makeServerRefuseAccessToken(page: Page, verity: Verity, auth: AuthApi): Promise<void> {
  const settings = verity.app.auth!;
  const before = await pageAccessToken(page, verity);
  if (verity.transport === 'cookie') {
    const cookie = (await page.context().cookies()).find((c) => c.name === settings.accessCookie);
    expect(cookie, `the browser holds the access cookie ${settings.accessCookie}`).toBeDefined();
    await page.context().addCookies([{ ...cookie!, value: tampered(cookie!.value) }]);
  } else {
    const key = storageKeyFor(verity, 'access');
    expect(key, "the profile maps a localStorage key to 'access' (app.auth.browserStorage.bearer)").toBeDefined();
    const current = await page.evaluate((k) => window.localStorage.getItem(k), key!);
    expect(current, `the page keeps an access token under ${key}`).not.toBeNull();
    await page.evaluate(([k, v]) => window.localStorage.setItem(k, v), [key!, tampered(current!)] as const);
  }
  const after = await pageAccessToken(page, verity);
  expect(after !== undefined && after !== before, 'the page now holds a different access token').toBe(true);
  const me = verity.app.api.me;
  if (me) {
    const answer = await auth.whoIs(me, after);
    const refused = verity.app.api.refusedStatuses;
    expect(
      isRefusal(answer, refused),
      `GET ${me.path} with the page's access token, its signature changed, must get ${refused.join(' or ')} (got ${describeAnswer(answer)}): a server that accepts it checks no signature, and the page cannot be made to refresh`,
    ).toBe(true);
  }
}

/** The server-side session a token names (the profile's session claim), if it is a JWT that names one. */
export function sessionIdOf(token: string | undefined, claim: string): string | undefined {
  if (!token) return undefined;
  try {
    const value = decodeJwt(token)[claim];
    return value === undefined ? undefined : String(value);
  } catch {
    return undefined;
  }
}

/** The token's subject (the user's id as the server sees it), if it is a JWT. */
export function subjectOf(token: string | undefined): string | undefined {
  if (!token) return undefined;
  try {
    const sub = decodeJwt(token).sub;
    return sub === undefined ? undefined : String(sub);
  } catch {
    return undefined;
  }
}

export interface RequestWatch {
  requests: Request[];
  responses: Response[];
  /** Status codes of the answered requests, in order. */
  statuses(): number[];
}

/** Records the page's requests to one path (e.g. the refresh endpoint) from now on. */
export function watchPath(page: Page, path: string): RequestWatch {
  const watch: RequestWatch = { requests: [], responses: [], statuses: () => watch.responses.map((r) => r.status()) };
  const matches = (url: string) => new URL(url).pathname === path;
  page.on('request', (request) => {
    if (matches(request.url())) watch.requests.push(request);
  });
  page.on('response', (response) => {
    if (matches(response.url())) watch.responses.push(response);
  });
  return watch;
}

/** Waits until the page's address is the given path (query and hash ignored). */
export async function expectOnPath(page: Page, path: string): Promise<void> {
  await expect(page, `the page is at ${path}`).toHaveURL((url) => url.pathname === path);
}

/**
 * Goes to the Profile page through the navigation of a page whose access token the server now
 * refuses: the page must refresh it exactly once, successfully, then load, still signed in. The
 * refresh is awaited before the content: when it never comes, that is the cause to report.
 */
export async function expectProfileThroughOneRefresh(pages: Pages, refreshes: RequestWatch, refreshPath: string, email: string): Promise<void> {
  await test.step(`Go to the Profile page through the navigation: the page refreshes its token once (POST ${refreshPath}), and the refresh succeeds`, async () => {
    await pages.nav.go('Profile');
    await expect.poll(() => refreshes.statuses(), { message: `the answers to the page's POST ${refreshPath} after its access token was refused` }).toEqual([200]);
    expect(refreshes.requests, `POST ${refreshPath} requests the page sent`).toHaveLength(1);
  });
  await test.step('The Profile page loads, still signed in', async () => {
    await pages.profile.expectLoaded();
    await pages.nav.expectSignedIn(email);
  });
}
