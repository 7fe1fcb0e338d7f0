// Prepares a run before any test: the one prepareRun() (profile, target, secrets; the embedded
// default started when no target is configured), then the target's health, then every database
// probe once, before any journey touches the data. It never throws: whatever fails is written to
// the run state, and the tests report it, so a failed setup still yields a report saying what failed.
import { existsSync, statSync } from 'node:fs';
import { probes } from './db-probes/index.ts';
import { runProbes } from './db-probes/runner.ts';
import { prepareRun, type PreparedRun } from './run/prepare.ts';
import { browserOrWhyNot, browserVersion } from './src/browser.ts';
import { currentConfig, ensureRunIdentity } from './src/config.ts';
import { appVersion, waitForHealth } from './src/health.ts';
import { readProbeResults, writeRunState, type RunState } from './src/run-state.ts';

export default async function globalSetup() {
  const config = currentConfig();
  const { runId, runtimeFile } = ensureRunIdentity(config);
  const state: RunState = {
    runId,
    startedAt: new Date().toISOString(),
    target: config.target,
    secrets: config.secrets,
    secretNames: [],
    browser: browserOrWhyNot(config.browser),
  };
  if (!('missing' in state.browser)) state.browserVersion = browserVersion(state.browser);
  let run: PreparedRun | undefined;
  try {
    run = await prepareRun(config);
    const { target, profile } = run;
    Object.assign(state, { target, secrets: run.secrets, secretNames: run.secretNames });
    if (target.baseURL) state.health = await waitForHealth(new URL(profile.app.healthPath, target.baseURL).href, config.budgets.healthTimeoutMs);
    if (target.baseURL && state.health?.ok && profile.app.version) state.appVersion = await appVersion(target.baseURL, profile.app.version);
    // A shard of a sharded run takes the database checks an earlier job ran: the data is probed once.
    if (config.probeResultsFile) state.probes = readProbeResults(config.probeResultsFile);
    else if (target.databaseURL) state.probes = await runProbes({ databaseURL: target.databaseURL, config, profile, probes, baseline: run.baseline });
    else state.probesNotRun = 'DATABASE_URL is not set: the database checks did not run';
    if (target.appLogFile && existsSync(target.appLogFile)) state.appLogOffset = statSync(target.appLogFile).size;
  } catch (err) {
    state.setupError = { message: (err as Error).message.split('\n')[0]!, infrastructure: true };
  }
  writeRunState(runtimeFile, state);
  return async () => {
    await run?.stop();
  };
}

