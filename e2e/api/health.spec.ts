// The target's own health endpoint: up, and its database reachable.
import * as allure from 'allure-js-commons';
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import { isJsonMediaType } from '../support/openapi.ts';

const details = labels({ layer: 'api', smoke: true, epic: 'API', feature: 'Health', severity: 'blocker' }, '@precondition');

test('Health endpoint reports the app and its database up', details, async ({ verity, request }) => {
  const state = verity.state;
  test.skip(!state?.target.baseURL, 'no BASE_URL: only the database checks run');
  test.skip(!!state?.setupError, `Verity setup failed: ${state?.setupError?.message}`);
  await test.step('Global setup saw the target healthy', async () => {
    expect(state!.health?.ok, state!.health?.detail).toBe(true);
  });
  await test.step(`GET ${verity.profile.app.healthPath} answers 200 with JSON (application/json or application/*+json)`, async () => {
    const response = await request.get(verity.profile.app.healthPath);
    await allure.attachment('Response', await response.text(), 'application/json');
    expect(response.status(), `GET ${verity.profile.app.healthPath}`).toBe(200);
    // application/json, or a JSON media type of its own (application/health+json, …).
    const contentType = response.headers()['content-type'] ?? '';
    expect(isJsonMediaType(contentType), `GET ${verity.profile.app.healthPath} answers JSON (application/json or application/*+json), got "${contentType || '(none)'}"`).toBe(true);
  });
});
