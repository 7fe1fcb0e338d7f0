// The target's own health endpoint: up, and its database reachable.
import * as allure from 'allure-js-commons';
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';

const details = labels({ layer: 'api', smoke: true, epic: 'API', feature: 'Health', severity: 'blocker' }, '@precondition');

test('Health endpoint reports the app and its database up', details, async ({ verity, request }) => {
  const state = verity.state;
  test.skip(!state?.target.baseURL, 'no BASE_URL: only the database checks run');
  test.skip(!!state?.setupError, `Verity setup failed: ${state?.setupError?.message}`);
  await test.step('Global setup saw the target healthy', async () => {
    expect(state!.health?.ok, state!.health?.detail).toBe(true);
  });
  await test.step(`GET ${verity.profile.app.healthPath} answers 200 with JSON`, async () => {
    const response = await request.get(verity.profile.app.healthPath);
    await allure.attachment('Response', await response.text(), 'application/json');
    expect(response.status(), `GET ${verity.profile.app.healthPath}`).toBe(200);
    expect(response.headers()['content-type']).toMatch(/application\/json/);
  });
});
