// Says in the report whether Verity itself could prepare the run.
import * as allure from 'allure-js-commons';
import { labels } from './allure-labels.ts';
import { expect, test } from './fixtures.ts';

test('Verity setup', labels({ layer: 'verity', smoke: true, epic: 'Verity', feature: 'Setup', severity: 'blocker' }), async ({ verity }) => {
  await test.step('Global setup wrote the run state', async () => {
    expect(verity.state, 'global setup did not run: start runs with `npm run verify`').toBeDefined();
  });
  await test.step('Target resolved', async () => {
    await allure.parameter('target', verity.state?.target.kind ?? 'unknown');
    expect(verity.state?.setupError?.message, 'Verity setup failed').toBeUndefined();
  });
});
