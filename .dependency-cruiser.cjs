// The layering rules, checked by `npm test` (test/layering.test.ts) and `npm run lint:layers`.
//   src/        the core (config, DB access, profiles, redaction, shared types): imports nothing above it
//   db-probes/  the database checks;  e2e/  the journeys: neither imports the other (but the spec
//               that reports the probes)
//   run/        the entry points and prepareRun(); run/embedded-target.ts alone reaches demo-app/,
//               and only through its public entry
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle (outside the demo app) makes modules impossible to read or load on their own.',
      severity: 'error',
      from: { pathNot: '^demo-app/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing-above',
      comment: 'src/ is the core: it must not import probes, journeys, profiles, entry points, reporters or the demo.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(db-probes|e2e|profiles|run|reporters|demo-app)/|^(global-setup|playwright\\.config)\\.ts$' },
    },
    {
      name: 'probes-do-not-import-journeys',
      severity: 'error',
      from: { path: '^db-probes/' },
      to: { path: '^e2e/' },
    },
    {
      name: 'journeys-do-not-import-probes',
      comment: 'Only the spec that reports the probes reads their list.',
      severity: 'error',
      from: { path: '^e2e/', pathNot: '^e2e/database\\.spec\\.ts$' },
      to: { path: '^db-probes/' },
    },
    {
      name: 'demo-only-through-the-embedded-target',
      comment: 'The demo is a black box like any target: one module starts it as the embedded default.',
      severity: 'error',
      from: { pathNot: '^(demo-app/|run/embedded-target\\.ts$)' },
      to: { path: '^demo-app/' },
    },
    {
      name: 'demo-only-through-its-entry',
      severity: 'error',
      from: { path: '^run/embedded-target\\.ts$' },
      to: { path: '^demo-app/', pathNot: '^demo-app/src/index\\.ts$' },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'An import the cruiser cannot resolve is one it cannot check.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7 has no JS compiler API for the default parser: swc reads the files.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: ['node_modules', '^demo-app/'] },
    exclude: { path: ['node_modules', '^reports/', '^demo-app/web/'] },
    // Packages that are ESM only, or expose subpaths through "exports" (@allurereport/*, allure-js-commons/sdk/…).
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
