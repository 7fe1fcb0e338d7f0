// Prepares a run before any test: resolves the target (starting the embedded demo when none is
// configured), waits for its health, and runs the database probes once, before any journey
// touches the data. It never throws: whatever fails is written to the run state, and the tests
// report it, so a failed setup still yields a report saying what failed.
import { existsSync, statSync } from 'node:fs';
import type { FullConfig } from '@playwright/test';
import { probes } from './db-probes/index.ts';
import { runProbes } from './db-probes/runner.ts';
import { BrowserMissing, resolveBrowser } from './src/browser.ts';
import { ensureRunIdentity, loadConfig } from './src/config.ts';
import { startEmbeddedTarget, type EmbeddedTarget } from './src/embedded-target.ts';
import { waitForHealth } from './src/health.ts';
import { loadProfile } from './src/profile.ts';
import { writeRunState, type RunState } from './src/run-state.ts';

export default async function globalSetup(_: FullConfig) {
  const config = loadConfig();
  const { runId, runtimeFile } = ensureRunIdentity(config);
  const state: RunState = { runId, startedAt: new Date().toISOString(), target: { mode: config.target.mode }, secrets: [], browser: { missing: '' } };
  try {
    state.browser = resolveBrowser(config.browser);
  } catch (err) {
    if (!(err instanceof BrowserMissing)) throw err;
    state.browser = { missing: err.message };
  }

  let embedded: EmbeddedTarget | undefined;
  try {
    const profile = await loadProfile(config.profile, config.envDir);
    const auth = profile.app.auth;
    if (auth) state.secretNames = [auth.passwordField, auth.accessTokenField, auth.refreshTokenField, auth.accessCookie, auth.refreshCookie];
    if (config.target.mode === 'embedded') {
      embedded = await startEmbeddedTarget(config);
      state.secrets.push(...embedded.secrets);
      state.target = { mode: 'embedded', baseURL: embedded.baseURL, databaseURL: embedded.databaseURL, appLogFile: embedded.appLogFile, accessTtlSeconds: embedded.accessTtlSeconds, authMode: embedded.authMode };
    } else {
      state.target = { mode: 'configured', baseURL: config.target.baseURL, databaseURL: config.target.databaseURL, accessTtlSeconds: config.jwt.accessTtlSeconds, appLogFile: config.target.appLogFile ?? profile.app.logFile };
    }
    if (state.target.baseURL) {
      state.health = await waitForHealth(new URL(profile.app.healthPath, state.target.baseURL).href, config.budgets.healthTimeoutMs);
    }
    if (state.target.databaseURL) {
      state.probes = await runProbes({ databaseURL: state.target.databaseURL, config, profile, probes });
    } else {
      state.probesNotRun = 'DATABASE_URL is not set: the database checks did not run';
    }
    if (state.target.appLogFile && existsSync(state.target.appLogFile)) state.target.appLogOffset = statSync(state.target.appLogFile).size;
  } catch (err) {
    state.setupError = { message: (err as Error).message.split('\n')[0]!, infrastructure: true };
  }
  writeRunState(runtimeFile, state);
  return async () => {
    await embedded?.stop();
  };
}
