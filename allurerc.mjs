// The Allure 3 report `npm run verify` generates: grouped the way a release manager reads it,
// epic (Database, API, UI) → feature.
import { defineConfig } from 'allure';

export default defineConfig({
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
});
