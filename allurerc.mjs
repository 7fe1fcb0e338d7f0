// The Allure 3 report `npm run verify` builds (run/report.ts): grouped the way a release manager
// reads it, epic (Database, API, UI) → feature. A plain object, not defineConfig() from 'allure':
// importing that package runs its command line. `npx allure open <report>` reads this file too.
/** @type {import('allure').AllureConfig} */
export default {
  name: 'Verity',
  plugins: {
    awesome: {
      options: {
        reportName: 'Verity',
        groupBy: ['epic', 'feature'],
      },
    },
  },
  categories: {
    rules: [
      { name: 'Verity could not observe the target', matchers: { statuses: ['failed', 'broken', 'skipped'], message: /Verity setup failed|unreachable|could not start a browser|no browser|Verity could not observe/ } },
      { name: 'Journeys skipped by a closed database gate', matchers: { statuses: ['skipped'], message: /database gate closed/ } },
      { name: 'Target failed verification', matchers: { statuses: ['failed', 'broken'] } },
    ],
  },
};
