// Three layers, one report: the database checks, the API and the UI (plus Verity's own setup),
// all writing to reports/<run id>/ so that runs never read each other's results.
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { browserOrWhyNot, closedNetworkArgs } from './src/browser.ts';
import { currentConfig, runDirOf } from './src/config.ts';

const config = currentConfig();
const runDir = runDirOf(config);
// Without one, the UI tests skip themselves with the reason (see e2e/fixtures.ts).
const browser = browserOrWhyNot(config.browser);

const browserUse = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: 'executablePath' in browser ? browser.executablePath : undefined,
    args: closedNetworkArgs(config.target.baseURL, config.allowedHosts),
  },
};

export default defineConfig({
  testDir: './e2e',
  globalSetup: './global-setup.ts',
  outputDir: path.join(runDir, 'test-results'),
  workers: config.workers,
  fullyParallel: false,
  forbidOnly: true,
  // A test that passes on a retry is reported flaky, never hidden (VERITY_RETRIES; 1 under CI).
  retries: config.retries,
  timeout: 60_000,
  // A real target, or a loaded CI machine, can take more than Playwright's default 5 s to show a page.
  expect: { timeout: 10_000 },
  reporter: [
    // First: it scrubs secrets from what the reporters after it write.
    ['./reporters/redactor.ts'],
    ['list'],
    // Under merge-reports allure-playwright cannot run; the merge reads each shard's Allure results.
    ...(config.mergingReports ? [] : [[
      'allure-playwright',
      {
        resultsDir: path.join(runDir, 'allure-results'),
        detail: true,
        suiteTitle: false,
      },
    ] as const]),
    ['html', { outputFolder: path.join(runDir, 'playwright-report'), open: 'never' }],
    ['junit', { outputFile: path.join(runDir, 'junit.xml') }],
    ['json', { outputFile: path.join(runDir, 'results.json') }],
    // A shard of a sharded run: `npm run verify:merge` merges these into one report.
    ...(config.blobReport ? [['blob', { outputDir: path.join(runDir, 'blob-report'), fileName: `report-${config.runId}.zip` }] as const] : []),
  ],
  use: {
    // Bounded, so a page that never answers fails naming the action, not the test's timeout.
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: config.trace,
    screenshot: 'only-on-failure',
    video: 'off',
  },
  projects: [
    // Did Verity itself prepare the run? Its teardown reads the app's log once every journey ran.
    { name: 'setup', testMatch: 'setup.spec.ts', teardown: 'app-log' },
    { name: 'app-log', testMatch: 'app-log.teardown.ts' },
    { name: 'database', testMatch: 'database.spec.ts' },
    { name: 'api', testMatch: 'api/**/*.spec.ts', dependencies: ['setup'] },
    // Can a user sign in through the pages at all? When not, the UI journeys do not run: the one
    // failure names the cause instead of every journey timing out on it.
    { name: 'ui-smoke', testMatch: 'ui/**/*.smoke.ts', dependencies: ['setup'], use: browserUse },
    { name: 'ui', testMatch: 'ui/**/*.spec.ts', dependencies: ['setup', 'ui-smoke'], use: browserUse },
  ],
});
