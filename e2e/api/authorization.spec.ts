// Authorization: an admin-only endpoint refuses a QA user and serves the admin, and one QA user
// cannot read a resource another QA user owns (IDOR), while its owner can.
import * as allure from 'allure-js-commons';
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import { itemPath } from '../support/openapi.ts';
import { adminAccount, qaAccounts } from '../../src/target.ts';

const details = (story: string) => labels({ layer: 'api', security: true, epic: 'Auth', feature: 'Authorization', story, severity: 'critical' });

test('A QA user is refused the admin-only endpoint', details('Admin-only endpoint'), async ({ verity, mainSession, auth }) => {
  const adminOnly = verity.app.api.adminOnly;
  test.skip(!adminOnly, 'the profile names no admin-only endpoint (app.api.adminOnly)');
  const session = await test.step('Sign in as a QA user through the API', () => mainSession());
  await test.step(`GET ${adminOnly} as the QA user answers 403`, async () => {
    const response = await session.api.get(adminOnly!, { headers: auth.authHeaders(session) });
    expect(response.status(), `GET ${adminOnly} as a QA user (no admin permission)`).toBe(403);
  });
});

test('The admin may call the admin-only endpoint', details('Admin-only endpoint'), async ({ verity, auth }) => {
  const adminOnly = verity.app.api.adminOnly;
  test.skip(!adminOnly, 'the profile names no admin-only endpoint (app.api.adminOnly)');
  const adminUser = adminAccount(verity.target);
  test.skip(!adminUser, 'no admin account is configured (an account with role "admin" in VERITY_ACCOUNTS)');
  const admin = await test.step('Sign in as the admin through the API', () => auth.login(adminUser!));
  await test.step(`GET ${adminOnly} as the admin answers 200`, async () => {
    const response = await admin.api.get(adminOnly!, { headers: auth.authHeaders(admin) });
    expect(response.status(), `GET ${adminOnly} as the admin`).toBe(200);
  });
});

test('A QA user cannot read a resource another QA user owns', details('Owned resources (IDOR)'), async ({ verity, account, mainSession, auth }) => {
  const owned = verity.app.api.ownedResource;
  test.skip(!owned, 'the profile names no owned resource (app.api.ownedResource)');
  const accounts = qaAccounts(verity.target);
  test.skip(accounts.length < 2, 'one QA account only: this check needs a second one (VERITY_ACCOUNTS)');
  const index = accounts.findIndex((a) => a.email === account.email);
  const other = accounts[(index + 1) % accounts.length]!;

  const session = await test.step('Sign in as the first QA user through the API', () => mainSession());
  const owner = await test.step('Sign in as a second QA user through the API', () => auth.login(other));
  const items = await test.step(`List the second user's items: GET ${owned!.listPath}`, async () => {
    const response = await owner.api.get(owned!.listPath, { headers: auth.authHeaders(owner) });
    expect(response.status(), `GET ${owned!.listPath} as the second QA user`).toBe(200);
    const list = (await response.json().catch(() => undefined))?.[owned!.itemsField];
    expect(Array.isArray(list), `the answer of GET ${owned!.listPath} has an array "${owned!.itemsField}"`).toBe(true);
    return list as Record<string, unknown>[];
  });
  test.skip(items.length === 0, `the second QA user owns no items at ${owned!.listPath}: nothing to try to read`);
  const itemId = await test.step(`Take the ${owned!.idField} of the first item`, async () => {
    const id = items[0]?.[owned!.idField];
    expect(id, `the first item's ${owned!.idField}`).toBeDefined();
    return String(id);
  });
  const path = itemPath(owned!.itemPath, itemId);
  await allure.attachment('Item tried', JSON.stringify({ itemPath: owned!.itemPath, [owned!.idField]: itemId }, null, 2), 'application/json');
  await test.step(`Control: the owner reads it: GET ${owned!.itemPath} answers 200`, async () => {
    const response = await owner.api.get(path, { headers: auth.authHeaders(owner) });
    expect(response.status(), `control: the owner must be able to read the item (GET ${owned!.itemPath}), or a refusal to another user proves nothing`).toBe(200);
  });
  await test.step(`The first QA user is refused: GET ${owned!.itemPath} answers 403 or 404`, async () => {
    const response = await session.api.get(path, { headers: auth.authHeaders(session) });
    expect([403, 404].includes(response.status()), `GET ${owned!.itemPath} of another user's item must be refused with 403 or 404, got ${response.status()}`).toBe(true);
  });
});
