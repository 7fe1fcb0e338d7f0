// Security headers on an HTML page and on API responses (CSP with framing protection, nosniff,
// Referrer-Policy, HSTS over https), and the attributes of the auth cookies in cookie transport.
// Every missing header is its own soft failure naming the header and the URL.
import * as allure from 'allure-js-commons';
import type { APIResponse } from '@playwright/test';
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import type { Profile } from '../../src/profile.ts';

const details = (story: string) => labels({ layer: 'api', security: true, epic: 'API', feature: 'Security headers', story, severity: 'normal' });

/** The response's headers, cookies left out (they may carry tokens). */
function showable(response: APIResponse): string {
  return response.headersArray().filter((h) => !/^(set-cookie|cookie)$/i.test(h.name)).map((h) => `${h.name}: ${h.value}`).join('\n');
}

type NotSent = Profile['app']['api']['headersNotSent'];

async function checkHeaders(response: APIResponse, where: string, https: boolean, notSent: NotSent) {
  const headers = response.headers();
  await allure.attachment(`Response headers of ${where} (cookies left out)`, showable(response), 'text/plain');
  // A header the profile says the app does not send on purpose is shown as allowed, with its reason, not checked.
  const step = async (header: string, title: string, check: () => void) => {
    const allowed = notSent.find((n) => n.header === header);
    if (allowed) await allure.logStep(`${where}: ${header} not checked, allowed by the profile (app.api.headersNotSent). Reason: ${allowed.reason}`);
    else await test.step(title, async () => check());
  };
  const csp = headers['content-security-policy'];
  await step('content-security-policy', `${where}: Content-Security-Policy is present`, () => {
    expect.soft(csp, `Content-Security-Policy missing on ${where}`).toBeTruthy();
  });
  await step('x-frame-options', `${where}: framing is refused (CSP frame-ancestors, or X-Frame-Options DENY or SAMEORIGIN)`, () => {
    const frameAncestors = /(^|;)\s*frame-ancestors\s/i.test(csp ?? '');
    const xfo = (headers['x-frame-options'] ?? '').trim().toUpperCase();
    expect.soft(
      frameAncestors || xfo === 'DENY' || xfo === 'SAMEORIGIN',
      `framing protection missing on ${where}: no frame-ancestors in Content-Security-Policy and X-Frame-Options is ${xfo || 'absent'}`,
    ).toBe(true);
  });
  await step('x-content-type-options', `${where}: X-Content-Type-Options is nosniff`, () => {
    expect.soft(headers['x-content-type-options']?.trim().toLowerCase(), `X-Content-Type-Options: nosniff missing on ${where}`).toBe('nosniff');
  });
  await step('referrer-policy', `${where}: Referrer-Policy is present`, () => {
    expect.soft(headers['referrer-policy'], `Referrer-Policy missing on ${where}`).toBeTruthy();
  });
  if (https) {
    await step('strict-transport-security', `${where}: Strict-Transport-Security is present with a max-age`, () => {
      const maxAge = Number(/max-age=(\d+)/i.exec(headers['strict-transport-security'] ?? '')?.[1] ?? 0);
      expect.soft(maxAge, `Strict-Transport-Security (max-age > 0) missing on ${where}`).toBeGreaterThan(0);
    });
  } else {
    await test.step('HSTS: not applicable over http', async () => {});
  }
}

const overHttps = (baseURL: string | undefined) => !!baseURL && new URL(baseURL).protocol === 'https:';

test('An HTML page sends the security headers', details('HTML pages'), async ({ verity, auth, baseURL }) => {
  const route = verity.app.ui.loginRoute;
  const api = await auth.newContext();
  try {
    const response = await test.step(`Open the sign-in page: GET ${route} accepting text/html`, async () => {
      const answer = await api.get(route, { headers: { accept: 'text/html' } });
      expect.soft(answer.status(), `GET ${route}`).toBe(200);
      expect.soft(answer.headers()['content-type'] ?? '', `GET ${route} is an HTML page`).toMatch(/^text\/html/i);
      return answer;
    });
    await checkHeaders(response, `GET ${route}`, overHttps(baseURL), verity.app.api.headersNotSent);
  } finally {
    await api.dispose();
  }
});

test('API responses send the security headers', details('API responses'), async ({ verity, auth, mainSession, baseURL }) => {
  const https = overHttps(baseURL);
  const health = verity.app.healthPath;
  const response = await test.step(`Call GET ${health}`, () => auth.getWithToken(health, undefined));
  await checkHeaders(response, `GET ${health}`, https, verity.app.api.headersNotSent);
  const me = verity.app.api.me?.path;
  if (me) {
    const session = await test.step('Sign in as a QA user through the API', () => mainSession());
    const signedIn = await test.step(`Call GET ${me} signed in`, () => session.api.get(me, { headers: auth.authHeaders(session) }));
    await checkHeaders(signedIn, `GET ${me}`, https, verity.app.api.headersNotSent);
  }
});

interface SetCookie {
  name: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite?: string;
  path?: string;
}

function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
  const cookie: SetCookie = { name: pair.split('=')[0]!.trim(), httpOnly: false, secure: false };
  for (const attribute of attributes) {
    const [key = '', value = ''] = attribute.split('=').map((s) => s.trim());
    if (/^httponly$/i.test(key)) cookie.httpOnly = true;
    else if (/^secure$/i.test(key)) cookie.secure = true;
    else if (/^samesite$/i.test(key)) cookie.sameSite = value;
    else if (/^path$/i.test(key)) cookie.path = value;
  }
  return cookie;
}

test('Cookies set by the sign-in are HttpOnly and SameSite', details('Auth cookies'), async ({ verity, account, auth, baseURL }) => {
  const settings = verity.app.auth!;
  const https = overHttps(baseURL);
  const { api, response } = await test.step(`Sign in as a QA user: POST ${settings.loginPath}`, () => auth.loginResponse(account));
  try {
    expect(response.status(), `POST ${settings.loginPath}`).toBe(200);
    // Names and attributes only: the values are the tokens.
    const cookies = response.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => parseSetCookie(h.value));
    await allure.attachment('Cookies set by the sign-in (values not shown)', JSON.stringify(cookies, null, 2), 'application/json');
    const authCookies = [settings.accessCookie, settings.refreshCookie];
    if (verity.transport === 'cookie') {
      await test.step(`Cookie transport: the sign-in sets the ${authCookies.join(' and ')} cookies`, async () => {
        for (const name of authCookies) expect.soft(cookies.map((c) => c.name), `POST ${settings.loginPath} sets no ${name} cookie`).toContain(name);
      });
    } else {
      await test.step('Bearer transport: the tokens come in the JSON body; any cookie the sign-in sets is still checked', async () => {});
    }
    for (const cookie of cookies) {
      const role = authCookies.includes(cookie.name) ? 'auth cookie' : 'cookie';
      await test.step(`The ${role} ${cookie.name} is HttpOnly and SameSite Lax or Strict${https ? ', and Secure' : ''}`, async () => {
        expect.soft(cookie.httpOnly, `cookie ${cookie.name} set by POST ${settings.loginPath}: HttpOnly`).toBe(true);
        expect.soft(['lax', 'strict'], `cookie ${cookie.name} set by POST ${settings.loginPath}: SameSite is ${cookie.sameSite ?? 'absent'}`).toContain((cookie.sameSite ?? '').toLowerCase());
        if (https) expect.soft(cookie.secure, `cookie ${cookie.name} set by POST ${settings.loginPath}: Secure`).toBe(true);
      });
    }
    if (!https) await test.step('Secure: not required over http', async () => {});
  } finally {
    // This sign-in was made by hand (to read its raw Set-Cookie headers): sign it out here.
    await auth.signOutAnswer(api, response, `the sign-in of ${account.email}`).catch(() => undefined);
    await api.dispose();
  }
});
