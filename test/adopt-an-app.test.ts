// Adopting an app whose conventions differ from the demo's usual ones, declared in its profile
// instead of in code. The demo started with all five differences at once: calls with no token
// answered 403, /health answered as application/health+json, the OpenAPI document listing
// protected operations only to a signed-in caller, a sign-in form with no labels, and a dashboard
// whose optional resource answers 404 (a console error). With a profile that says so, the API
// journeys and the UI smoke test are green; with the default profile, the checks that should fail
// do, naming the cause.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Demo } from '../demo-app/src/index.ts';
import { pathMatches, selectEndpoints, isJsonMediaType } from '../e2e/support/openapi.ts';
import { defineProfile } from '../src/profile.ts';
import { startTarget, testAccounts } from './support/target.ts';
import { repoRoot, testOutcomes, verify, type VerifyRun } from './support/verify-run.ts';

// The quick subset of the API and UI journeys, and the check of calls without a valid token (not in it).
const projects = ['--project=api', '--project=ui-smoke', '--grep', '@smoke|refuse calls without a valid token'];
const endpointsSignedIn = 'Protected GET endpoints answer a signed-in user with JSON matching the API document';
const endpointsRefused = 'Protected GET endpoints refuse calls without a valid token';
const smoke = 'Signing in with a QA account lands on the dashboard, signed in';

/** The adopted app's profile: the demo's, with its API and browser conventions declared. */
const profileFile = path.join(repoRoot, 'test/fixtures/adopted-app-profile.ts');

describe('adopting an app with other API and browser conventions', { timeout: 5 * 60_000 }, () => {
  let demo: Demo;
  let target: Record<string, string>;
  before(async () => {
    demo = await startTarget({
      conventions: { anonymous403: true, healthMediaType: 'application/health+json', openApiSignedInOnly: true, unlabelledLogin: true, dashboardOptional404: true },
    });
    target = { BASE_URL: demo.baseURL, DATABASE_URL: demo.verifierDatabaseURL, VERITY_ACCESS_TTL_SECONDS: '900', VERITY_TRACE: 'off' };
  });
  after(async () => {
    await demo?.stop();
  });

  const outcome = (run: VerifyRun, title: string) => {
    const found = testOutcomes(run.runDir!).find((t) => t.title === title);
    assert.ok(found, `the run has the test "${title}"`);
    return found!;
  };

  it('the demo started so: 403 without a token (401 with a bad one), health as application/health+json, protected operations documented only to a signed-in caller, the SPA told', async () => {
    const get = (path: string, token?: string) => fetch(new URL(path, demo.baseURL), { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    assert.equal((await get('/api/v1/users/me')).status, 403, 'no token: 403');
    assert.equal((await get('/api/v1/users/me', 'garbage')).status, 401, 'a garbage token: 401');
    assert.match((await get('/health')).headers.get('content-type') ?? '', /^application\/health\+json/, 'health media type');
    const login = await fetch(new URL('/api/v1/auth/login', demo.baseURL), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: testAccounts[0]!.email, password: testAccounts[0]!.password }) });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const secured = async (t?: string) => {
      const doc = (await (await get('/openapi.json', t)).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
      return Object.values(doc.paths).flatMap((item) => Object.values(item)).filter((op) => op.security?.length).length;
    };
    assert.equal(await secured(), 0, 'anonymous: no protected operation documented');
    assert.ok((await secured(token)) > 5, 'signed in: the protected operations documented');
    const config = (await (await get('/app-config.json')).json()) as Record<string, unknown>;
    assert.equal(config.login_labels, false, 'the SPA draws its sign-in form without labels');
    assert.equal(config.dashboard_optional, '/api/v1/dashboard/announcements', 'the dashboard asks for its optional resource');
  });

  it('with a profile declaring them: the API journeys and the UI smoke test are green, the allowed console error shown as such', async () => {
    const run = await verify({ ...target, VERITY_PROFILE: profileFile }, { args: projects });
    const failed = testOutcomes(run.runDir!).filter((t) => t.status === 'failed');
    assert.deepEqual(failed.map((t) => `${t.title}: ${t.message.slice(0, 400)}`), [], 'no test fails');
    assert.equal(run.status, 0, `exit 0\n${run.stdout.slice(-3000)}${run.stderr.slice(-2000)}`);
    for (const title of [endpointsSignedIn, endpointsRefused, smoke, 'Health endpoint reports the app and its database up']) {
      assert.equal(outcome(run, title).status, 'passed', `"${title}" passed`);
    }
    const results = path.join(run.runDir!, 'allure-results');
    const allowed = readdirSync(results).filter((f) => f.endsWith('-result.json')).map((f) => readFileSync(path.join(results, f), 'utf8')).join('\n');
    assert.match(allowed, /Allowed by the profile \(app\.ui\.expectedConsole, pattern \/api\/v1\/dashboard\/announcements\): console: Failed to load resource[^"]*404[^"]*Reason: The dashboard asks for announcements/, 'the report shows the console error as allowed, with its pattern and reason');
  });

  it('with that profile, what it allows hides no damage: an endpoint open to anyone and a page calling another origin fail exactly their checks', async () => {
    // 403 is allowed as a refusal, and one console error is declared: a 200 to anyone, and other console errors, still fail.
    await demo.applyFault('endpoint-without-auth');
    await demo.applyFault('spa-cross-origin-api');
    try {
      const run = await verify({ ...target, VERITY_PROFILE: profileFile }, { args: projects });
      const failed = testOutcomes(run.runDir!).filter((t) => t.status === 'failed');
      assert.deepEqual(failed.map((t) => t.title).sort(), [endpointsRefused, smoke].sort(), 'exactly these checks fail');
      assert.match(outcome(run, endpointsRefused).message, /GET \/api\/v1\/oauth\/providers is documented as secured but answered 200 without a token/, 'naming the open endpoint');
      assert.match(outcome(run, smoke).message, /Content Security Policy|CORS|origin/i, 'naming the call to another origin');
      assert.equal(run.status, 1, `exit 1\n${run.stdout.slice(-2000)}`);
    } finally {
      await demo.reset();
    }
  });

  it('with the default profile: the endpoint checks and the UI smoke test fail, naming the cause', async () => {
    // Only the checks this is about (setup, a dependency, runs whatever the filter).
    const run = await verify(target, { args: ['--project=api', '--project=ui-smoke', '--grep', 'Health endpoint|Protected GET endpoints|Signing in with a QA account'] });
    assert.equal(run.status, 1, `exit 1\n${run.stdout.slice(-3000)}`);
    assert.equal(outcome(run, 'Health endpoint reports the app and its database up').status, 'passed', 'application/health+json is JSON by default');
    for (const title of [endpointsSignedIn, endpointsRefused]) {
      const { status, message } = outcome(run, title);
      assert.equal(status, 'failed', `"${title}" fails`);
      assert.match(message, /GET \/openapi\.json without credentials found no protected endpoint .*set app\.api\.openApiSignedIn: true/, `"${title}" names the cause`);
    }
    const { status, message } = outcome(run, smoke);
    assert.equal(status, 'failed', 'the UI smoke test fails');
    assert.match(message, /console: Failed to load resource: the server responded with a status of 404 \(Not Found\) \(http:\/\/[^)]*\/api\/v1\/dashboard\/announcements\)/, 'naming the console error');
  });

  it('an API document listed to admins alone: read as the admin (openApiSignedIn: \'admin\'), green; read as a QA user, the endpoint checks fail naming the setting', async () => {
    const adminListed = await startTarget({ conventions: { openApiSignedInOnly: 'admin' } });
    try {
      // API checks alone: no database, so no probes before them.
      const env = { BASE_URL: adminListed.baseURL, VERITY_ACCESS_TTL_SECONDS: '900', VERITY_TRACE: 'off' };
      const args = ['--project=api', '--grep', 'Protected GET endpoints'];
      const asAdmin = await verify({ ...env, VERITY_PROFILE: path.join(repoRoot, 'test/fixtures/admin-listed-openapi-profile.ts') }, { args });
      for (const title of [endpointsSignedIn, endpointsRefused]) {
        const { status, message } = outcome(asAdmin, title);
        assert.equal(status, 'passed', `"${title}" passes read as the admin: ${message.slice(0, 400)}`);
      }
      const steps = readdirSync(path.join(asAdmin.runDir!, 'allure-results')).filter((f) => f.endsWith('-result.json')).map((f) => readFileSync(path.join(asAdmin.runDir!, 'allure-results', f), 'utf8')).join('\n');
      assert.match(steps, /Read the API document \(GET \/openapi\.json as a signed-in admin \(app\.api\.openApiSignedIn\)\)/, 'the report says who read the document');
      const asQa = await verify({ ...env, VERITY_PROFILE: profileFile }, { args });
      for (const title of [endpointsSignedIn, endpointsRefused]) {
        const { status, message } = outcome(asQa, title);
        assert.equal(status, 'failed', `"${title}" fails read as a QA user`);
        assert.match(message, /GET \/openapi\.json as a signed-in QA user \(app\.api\.openApiSignedIn\) found no protected endpoint .*set app\.api\.openApiSignedIn: 'admin'/, `"${title}" names the setting`);
      }
      assert.equal(asQa.status, 1, `exit 1\n${asQa.stdout.slice(-2000)}`);
    } finally {
      await adminListed.stop();
    }
  });

  it("the new profile fields' defaults are today's behaviour; a broken pattern is refused when the profile loads", async () => {
    const base = (await import('../profiles/personal-assistant.ts')).default;
    const profile = defineProfile({ ...base, app: { ...base.app, api: { ...base.app.api, openApiSignedIn: true } } });
    assert.deepEqual(profile.app.api.refusedStatuses, [401], 'refusal is 401 alone by default');
    assert.deepEqual(profile.app.ui.expectedConsole, [], 'no console message is expected by default');
    assert.throws(() => defineProfile({ ...base, app: { ...base.app, api: { ...base.app.api, exclude: ['^/api/(v1'] } } }), /app\.api\.exclude\.0: expected a glob, or a valid regular expression/, 'a broken regular expression is refused, naming the field');
  });

  it('JSON media types, and include/exclude patterns (globs and regular expressions)', () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/health+json', 'application/problem+json; charset=utf-8', 'application/vnd.api+json']) {
      assert.equal(isJsonMediaType(type), true, `${type} is JSON`);
    }
    for (const type of ['text/html', 'application/jsonp', 'text/json+html', '']) assert.equal(isJsonMediaType(type), false, `${type || '(none)'} is not JSON`);
    assert.equal(pathMatches('/api/v1/*/stats', '/api/v1/sms/stats'), true, '* matches one segment');
    assert.equal(pathMatches('/api/v1/*/stats', '/api/v1/a/b/stats'), false, '* does not cross a /');
    assert.equal(pathMatches('/api/**', '/api/v1/chat/conversations/{conversation_id}'), true, '** crosses segments');
    assert.equal(pathMatches('^/api/v1/admin/', '/api/v1/admin/users'), true, 'a regular expression');
    const endpoints = ['/api/v1/users/me', '/api/v1/admin/users', '/internal/debug'].map((p) => ({ path: p }));
    assert.deepEqual(selectEndpoints(endpoints, ['/api/**'], ['^/api/v1/admin/']).map((e) => e.path), ['/api/v1/users/me'], 'include, then exclude');
    assert.deepEqual(selectEndpoints(endpoints, [], []).map((e) => e.path), endpoints.map((e) => e.path), 'no patterns: all');
  });
});
