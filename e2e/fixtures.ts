// Fixtures every spec builds on: the run's config, what global setup learnt (the run state),
// the target profile, and the gate that skips journeys when the target cannot be verified.
import { test as base, expect } from '@playwright/test';
import { loadConfig, type Config } from '../src/config.ts';
import { loadProfile, type Profile } from '../src/profile.ts';
import { journeyBlocker, readRunState, type RunState } from '../src/run-state.ts';

export interface Verity {
  config: Config;
  /** Undefined only when global setup did not run at all. */
  state: RunState | undefined;
  profile: Profile;
}

export const test = base.extend<{ journey: void }, { verity: Verity }>({
  verity: [
    async ({}, use) => {
      const config = loadConfig();
      const state = readRunState(config.runtimeFile);
      await use({ config, state, profile: await loadProfile(config.profile, config.envDir) });
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
      if (['api', 'ui'].includes(testInfo.project.name) && !testInfo.tags.includes('@precondition')) {
        const blocker = journeyBlocker(verity.state);
        testInfo.skip(!!blocker, blocker);
        const browser = verity.state?.browser;
        if (testInfo.project.name === 'ui' && browser && 'missing' in browser) testInfo.skip(true, `Verity could not start a browser: ${browser.missing}`);
      }
      await use();
    },
    { auto: true },
  ],
});

export { expect };
