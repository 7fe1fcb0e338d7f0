// `npm run verify` as a user runs it, on a fresh machine first (no .env, no setting): the report it writes,
// its summary and exit codes, the gating fault, the exit-2 causes, and a scan of reports/ for secrets.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import AdmZip from 'adm-zip';
import type { Demo } from '../demo-app/src/index.ts';
import { probes } from '../db-probes/index.ts';

/** Without a baseline (none is recorded for the embedded demo), the probes comparing with one are skipped. */
const baselineProbes = probes.filter((p) => p.group === 'Baseline').length;
import { localAccounts, localAccountsFile } from '../demo-app/src/index.ts';
import { leaksIn } from './support/secret-scan.ts';
import { adminQuery, closedPort, startTarget, testAccounts } from './support/target.ts';
import { allureResults, label, runScrubbed, verify, type ScrubbedRun } from './support/verify-run.ts';

/** Every file under a folder, zip entries included, as text. */
function* filesUnder(dir: string): Generator<{ name: string; text: string }> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      yield* filesUnder(full);
    } else if (full.endsWith('.zip')) {
      for (const e of new AdmZip(full).getEntries()) if (!e.isDirectory) yield { name: `${full}!${e.entryName}`, text: e.getData().toString('latin1') };
    } else {
      yield { name: full, text: readFileSync(full).toString('latin1') };
    }
  }
}

describe('a fresh machine: no .env, no setting at all', () => {
  let healthy: ScrubbedRun;
  let runDir: string;
  before(async () => {
    // Traces on through Playwright's own option, so that no VERITY_* variable is set.
    healthy = await runScrubbed('verify', { args: ['--trace', 'on'] });
    runDir = path.dirname(path.dirname(/Report: (\S+)/.exec(healthy.stdout)?.[1] ?? '.'));
  });
  after(() => rmSync(healthy.cwd, { recursive: true, force: true }));

  it('npm run verify starts the embedded demo and exits 0 with a green summary and an Allure report', () => {
    assert.equal(healthy.status, 0, healthy.stdout + healthy.stderr);
    assert.match(healthy.stdout, /Verdict: GO: every check passed \(exit 0\)/);
    assert.match(healthy.stdout, new RegExp(`^\\d+ passed, 0 failed, ${baselineProbes} skipped$`, 'm'), 'only the probes comparing with a baseline are skipped');
    assert.match(healthy.stdout, /Database\s+\d+ passed\s+0 failed/);
    assert.equal(path.dirname(runDir), path.join(healthy.cwd, 'reports'), 'reports/ of the folder it ran in');
    assert.ok(existsSync(path.join(runDir, 'allure-report', 'index.html')));
    assert.ok(existsSync(path.join(runDir, 'junit.xml')));
    assert.ok(existsSync(path.join(runDir, 'playwright-report', 'index.html')));
  });

  it('the demo\'s accounts were generated once, each with its own password, in a private file', () => {
    const accounts = localAccounts();
    assert.ok(accounts.filter((a) => a.role === 'qa').length >= 2 && accounts.some((a) => a.role === 'admin'));
    assert.equal(new Set(accounts.map((a) => a.password)).size, accounts.length);
    assert.equal(statSync(localAccountsFile).mode & 0o777, 0o600);
  });

  it('reports one Allure test per probe with a stable title, epic Database and a feature per group', () => {
    const results = allureResults(runDir).filter((r) => label(r, 'epic') === 'Database');
    assert.deepEqual(results.map((r) => r.name).sort(), probes.map((p) => p.title).sort());
    for (const r of results) {
      const probe = probes.find((p) => p.title === r.name)!;
      assert.equal(label(r, 'feature'), probe.group);
      // No baseline is recorded for the embedded demo: the probes comparing with one skip, saying so.
      if (probe.group === 'Baseline') {
        assert.equal(r.status, 'skipped', `${r.name} is skipped without a baseline`);
        continue;
      }
      assert.equal(r.status, 'passed', `${r.name} passed`);
      assert.ok(r.steps.length > 0, `${r.name} has steps`);
      assert.doesNotMatch(r.name, /\d{2,}|127\.0\.0\.1/, 'no counts, ports or timestamps in titles');
    }
  });

  it('keeps every secret out of reports/, traces included', () => {
    const templates = path.join(tmpdir(), 'verity-demo', 'templates');
    // Each template keeps its generations (gen-*), each with its own passwords.
    const dbPasswords = readdirSync(templates)
      .flatMap((t) => (existsSync(path.join(templates, t)) && !t.startsWith('building-') ? readdirSync(path.join(templates, t)).map((g) => path.join(templates, t, g, 'template.json')) : []))
      .filter(existsSync)
      .flatMap((f) => Object.values(JSON.parse(readFileSync(f, 'utf8')).passwords as Record<string, string>));
    const secrets = [...localAccounts().map((a) => a.password), ...dbPasswords];
    let traces = 0;
    const leaks: string[] = [];
    for (const file of filesUnder(runDir)) {
      if (file.name.endsWith('trace.trace')) traces++;
      for (const secret of secrets) if (file.text.includes(secret)) leaks.push(`${file.name}: a password`);
      if (/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(file.text)) leaks.push(`${file.name}: a JWT`);
    }
    assert.ok(traces > 0, 'the run recorded traces');
    assert.deepEqual(leaks, []);
  });

  it('npm run probe checks the embedded demo\'s database: every probe green, exit 0', async () => {
    const run = await runScrubbed('probe');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`^${probes.length - baselineProbes} passed, 0 failed, ${baselineProbes} skipped$`, 'm'), 'every probe green but those comparing with a baseline, skipped');
    assert.match(run.stdout, /^SKIP\s+schema-drift\s+0\s+no baseline: record the known-good state with npm run baseline/m, 'the skip says how to record a baseline');
  });

  it('a BASE_URL without journey accounts: exit 2 before anything runs, naming the setting and why', async () => {
    const run = await runScrubbed('verify', { env: { BASE_URL: 'http://127.0.0.1:9' } });
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /^ {2}VERITY_ACCOUNTS: the journeys sign in to BASE_URL with test accounts, and none is set: give VERITY_ACCOUNTS_FILE/m);
    assert.ok(!existsSync(path.join(run.cwd, 'reports')), 'no report for a config error');
  });
});

describe('npm run verify against a configured target', () => {
  let demo: Demo;
  before(async () => {
    demo = await startTarget();
  });
  after(async () => {
    await demo?.stop();
  });

  it('a gating fault (users table missing) fails its probe and skips the journeys with that cause', async () => {
    await demo.applyFault('missing-users-table');
    try {
      const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /Journeys skipped: Critical table users is missing/);
      const results = allureResults(run.runDir!);
      const schema = results.find((r) => r.name === 'Expected tables and extensions')!;
      assert.equal(schema.status, 'failed');
      const journeys = results.filter((r) => ['UI'].includes(label(r, 'epic')));
      assert.ok(journeys.length > 0);
      for (const j of journeys) {
        assert.equal(j.status, 'skipped');
        assert.match(j.statusDetails?.message ?? '', /database gate closed: Critical table users is missing/);
      }
    } finally {
      await demo.reset();
    }
  });

  it('exit 2 with a one-line cause when Verity cannot log in to the database, and a report is written', async () => {
    const wrong = new URL(demo.verifierDatabaseURL);
    wrong.password = 'not-the-password';
    const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: wrong.toString() });
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /Verity cannot reach the database: password authentication failed for 127\.0\.0\.1:\d+\/personal_assistant/);
    assert.ok(existsSync(path.join(run.runDir!, 'allure-report', 'index.html')));
    assert.doesNotMatch(run.stdout + run.stderr, /not-the-password/);
  });

  it('exit 2 when the target does not answer at all; credentials in its URLs are never shown', async () => {
    const port = await closedPort();
    // A staging site behind basic auth, and a database password given as a query parameter.
    const baseURL = `http://verity:base-Url-Secret-1@127.0.0.1:${port}`;
    const databaseURL = new URL(demo.verifierDatabaseURL);
    const databasePassword = decodeURIComponent(databaseURL.password);
    databaseURL.password = '';
    databaseURL.searchParams.set('password', databasePassword);
    const run = await verify({ BASE_URL: baseURL, DATABASE_URL: databaseURL.toString(), VERITY_HEALTH_TIMEOUT_MS: '1500' });
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`target unreachable: http://verity@127\\.0\\.0\\.1:${port}/health is unreachable \\(ECONNREFUSED\\)`));
    assert.match(run.stdout, /Database\s+\d+ passed\s+0 failed/, 'the password in the query string was used');
    assert.ok(existsSync(path.join(run.runDir!, 'allure-report', 'index.html')));
    const secrets = [{ what: 'the BASE_URL password', value: 'base-Url-Secret-1' }, { what: 'the database password', value: databasePassword }];
    assert.deepEqual(leaksIn(run.runDir!, secrets), []);
    assert.ok(!(run.stdout + run.stderr).includes('base-Url-Secret-1') && !(run.stdout + run.stderr).includes(databasePassword), 'not in the console either');
    const probe = await runScrubbed('probe', { env: { DATABASE_URL: databaseURL.toString() } });
    assert.equal(probe.status, 0, probe.stdout + probe.stderr);
    assert.match(probe.stdout, /^Database: postgres:\/\/verity_ro@127\.0\.0\.1:\d+\/personal_assistant$/m);
    assert.ok(!probe.stdout.includes(databasePassword), 'npm run probe does not print it');
  });

  it('a probe failure fails the run whichever projects ran (--project=api): exit 1', async () => {
    await demo.applyFault('missing-users-table');
    try {
      const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL }, { args: ['--project=api'] });
      assert.match(run.stdout, /\[critical\] schema-presence: Critical table users is missing/);
      // Against the healthy demo's baseline (VERITY_BASELINE in the tests' settings), the lost table is drift too.
      assert.match(run.stdout, /\[critical\] schema-drift: table users is gone/);
      assert.match(run.stdout, /Verdict: NO-GO: the target failed 2 checks \(exit 1\)/);
      assert.equal(run.status, 1, run.stdout);
    } finally {
      await demo.reset();
    }
  });

  it('a healthy configured target, traces on: green, and no password (any form) or issued token in reports/', async () => {
    const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_APP_LOG_FILE: demo.appLogFile, VERITY_TRACE: 'on', VERITY_ACCESS_TTL_SECONDS: '900' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const issued = await adminQuery<{ token_hash: string }>(demo, 'SELECT token_hash FROM auth_tokens');
    assert.ok(issued.length > 0);
    const secrets = [
      ...testAccounts.map((a) => ({ what: `${a.email}'s password`, value: a.password })),
      { what: 'the database password', value: decodeURIComponent(new URL(demo.verifierDatabaseURL).password) },
    ];
    assert.deepEqual(leaksIn(run.runDir!, secrets, new Set(issued.map((t) => t.token_hash))), []);
  });

  it('exit 2 when no browser can be found, with the DB and API layers still reported', async () => {
    const run = await verify({ BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_BROWSER: '/nonexistent/chromium' });
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /no browser: VERITY_BROWSER points to \/nonexistent\/chromium, which does not exist/);
    assert.match(run.stdout, /Database\s+\d+ passed\s+0 failed/);
    const ui = allureResults(run.runDir!).filter((r) => label(r, 'epic') === 'UI');
    assert.ok(ui.every((r) => r.status === 'skipped'));
  });
});

describe('npm run verify with a bad configuration', () => {
  it('an invalid .env value: exit 2, one line naming the variable, nothing run, no report', async () => {
    const envDir = mkdtempSync(path.join(tmpdir(), 'verity-env-'));
    writeFileSync(path.join(envDir, '.env'), 'VERITY_WORKERS=two\n');
    const run = await verify({}, { envDir });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^ {2}VERITY_WORKERS: expected a worker count \(a whole number\) \(got "two"\)$/m);
    assert.equal(run.runDir, undefined, 'no report for a config error');
  });
});
