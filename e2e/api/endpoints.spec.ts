// The API's endpoints: the public ones answer, and every protected GET endpoint (from the target's
// OpenAPI document, plus the profile's list) answers a signed-in user with JSON that matches its
// documented schema within the latency budget, and refuses calls without a valid token. The
// document is only known at run time, so each category is one test with one step per endpoint,
// and soft assertions name every endpoint that fails.
import * as allure from 'allure-js-commons';
import type { APIRequestContext, APIResponse } from '@playwright/test';
import { labels, type Labels } from '../allure-labels.ts';
import { expect, test, type Verity } from '../fixtures.ts';
import type { AuthApi, Session } from '../support/auth-api.ts';
import { adminAccount } from '../../src/target.ts';
import {
  ResponseValidator,
  fillPath,
  isJsonMediaType,
  pathParameters,
  discoveredSampleSpecs,
  resolveSample,
  securedGetOperations,
  selectEndpoints,
  validateWithZod,
  type ProtectedEndpoint,
  type Validation,
} from '../support/openapi.ts';
import { skippedStep, timed } from '../support/steps.ts';

const details = (story: string, more: Partial<Labels> = {}) => labels({ layer: 'api', epic: 'API', feature: 'Endpoints', story, severity: 'critical', ...more });

/** A table attachment (Allure shows CSV as a table). */
function csv(rows: Record<string, string | number>[]): string {
  if (!rows.length) return '';
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  return [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n');
}

interface Discovered {
  endpoints: ProtectedEndpoint[];
  validator?: ResponseValidator;
}

/**
 * The protected GET endpoints: the document's secured GET operations (read as a signed-in user when
 * the profile says app.api.openApiSignedIn; those app.api.include and app.api.exclude leave), then
 * the profile's own list.
 */
async function discover(verity: Verity, request: APIRequestContext, auth: AuthApi, signedInAsQa: () => Promise<Session>): Promise<Discovered> {
  const openApiPath = verity.app.openApiPath;
  const { openApiSignedIn, include, exclude } = verity.app.api;
  let endpoints: ProtectedEndpoint[] = [];
  let validator: ResponseValidator | undefined;
  if (openApiPath) {
    const as = !openApiSignedIn ? 'without credentials' : `as a signed-in ${openApiSignedIn === 'admin' ? 'admin' : 'QA user'} (app.api.openApiSignedIn)`;
    await test.step(`Read the API document (GET ${openApiPath} ${as}) and list its GET operations that require credentials`, async () => {
      let response: APIResponse;
      if (openApiSignedIn) {
        const session = openApiSignedIn === 'admin' ? await signedInAsAdmin(verity, auth) : await signedInAsQa();
        response = await session.api.get(openApiPath, { headers: auth.authHeaders(session) });
      } else {
        response = await request.get(openApiPath);
      }
      expect(response.status(), `GET ${openApiPath} (the API document)`).toBe(200);
      const doc = await response.json().catch(() => undefined);
      expect(doc?.paths, `${openApiPath} is an OpenAPI document with paths`).toBeTruthy();
      const documented = securedGetOperations(doc);
      // A document that lists no protected operation cannot be what an app with sign-in serves: it
      // may list them only to a signed-in caller.
      expect(
        documented.length,
        `GET ${openApiPath} ${as} found no protected endpoint (no GET operation requires credentials)${hintFor(openApiSignedIn)}`,
      ).toBeGreaterThan(0);
      endpoints = selectEndpoints(documented, include, exclude);
      if (endpoints.length < documented.length) {
        await allure.attachment('Left out by app.api.include / app.api.exclude', documented.filter((e) => !endpoints.includes(e)).map((e) => e.path).join('\n'), 'text/plain');
      }
      validator = new ResponseValidator(doc);
    });
  }
  for (const listed of verity.app.api.protected) {
    const known = endpoints.find((e) => e.path === listed.path);
    if (known) known.zod = listed.schema;
    else endpoints.push({ path: listed.path, from: 'profile', zod: listed.schema });
  }
  await allure.attachment(
    'Protected GET endpoints',
    csv(endpoints.map((e) => ({ endpoint: e.path, from: e.from, schema: e.zod ? 'profile (zod)' : e.schemaPointer ? 'API document' : 'none' }))),
    'text/csv',
  );
  test.skip(endpoints.length === 0, openApiPath
    ? 'no protected GET endpoints: app.api.include / app.api.exclude leave none of the document\'s, and the profile lists none (app.api.protected)'
    : 'no protected GET endpoints: the profile names no API document (app.openApiPath) and lists none (app.api.protected)');
  return { endpoints, validator };
}

/** The admin account signed in through the API, to read an API document listed to admins only. */
async function signedInAsAdmin(verity: Verity, auth: AuthApi): Promise<Session> {
  const admin = adminAccount(verity.target);
  if (!admin) throw new Error("app.api.openApiSignedIn is 'admin', but no admin account is configured (an account with role \"admin\" in VERITY_ACCOUNTS)");
  return test.step('Sign in as the admin through the API (app.api.openApiSignedIn: admin)', () => auth.login(admin));
}

/** What to set when the document, read so, lists no protected endpoint. */
function hintFor(openApiSignedIn: false | 'qa' | 'admin'): string {
  if (!openApiSignedIn) return ': if the app lists them only to a signed-in caller, set app.api.openApiSignedIn: true';
  if (openApiSignedIn === 'qa') return ": if the app lists them only to admins, set app.api.openApiSignedIn: 'admin'";
  return '';
}

/** Values for the path parameters from the profile's samples; undefined (with the reason) when one is missing. */
async function samplesFor(
  endpoint: ProtectedEndpoint,
  verity: Verity,
  session: Session,
  headers: Record<string, string>,
  known?: (path: string) => unknown,
): Promise<{ path?: string; reason?: string }> {
  const values: Record<string, string> = {};
  for (const name of pathParameters(endpoint.path)) {
    const spec = verity.app.api.sampleIds[name];
    if (!spec) {
      // None in the profile: the first item of the list the path sits under.
      const candidates = discoveredSampleSpecs(endpoint.path, name);
      if (!candidates.length) return { reason: `no sample value for {${name}} (app.api.sampleIds), and no list above ${endpoint.path} to take one from` };
      const listPath = candidates[0]!.slice(5).split('#')[0]!;
      const sample = await test.step(`Take a sample {${name}}: the first item's ${name === 'id' ? 'id' : `${name} or id`} in GET ${listPath}`, async () => {
        let body = known?.(listPath);
        if (body === undefined) {
          const response = await session.api.get(listPath, { headers });
          if (response.status() !== 200) return { value: undefined, detail: `GET ${listPath} answered ${response.status()}` };
          body = await response.json().catch(() => undefined);
        }
        for (const candidate of candidates) {
          const found = await resolveSample(candidate, session.api, headers, () => body);
          if (found.value !== undefined) return found;
        }
        return { value: undefined, detail: `GET ${listPath} has no first item with a ${name} or id field (in the body or under data, items, results): set app.api.sampleIds.${name}` };
      });
      if (sample.value === undefined) return { reason: `no sample value for {${name}}: ${sample.detail}` };
      values[name] = sample.value;
      continue;
    }
    const sample = await test.step(`Take a sample {${name}}: ${spec.startsWith('from:') ? `${spec.split('#')[1] ?? ''} of GET ${spec.slice(5).split('#')[0]}` : 'the profile\'s value'}`, () =>
      resolveSample(spec, session.api, headers, known),
    );
    if (sample.value === undefined) return { reason: `no sample value for {${name}}: ${sample.detail}` };
    values[name] = sample.value;
  }
  return { path: fillPath(endpoint.path, values) };
}

test('Public endpoints answer 200', details('Public endpoints', { severity: 'normal', smoke: true }), async ({ verity, auth }) => {
  const paths = [...new Set([verity.app.healthPath, ...verity.app.publicPaths])];
  const rows: Record<string, string | number>[] = [];
  for (const path of paths) {
    await test.step(`GET ${path} without credentials answers 200`, async () => {
      const { value: response, ms } = await timed(() => auth.getWithToken(path, undefined));
      rows.push({ endpoint: path, status: response.status(), ms });
      expect.soft(response.status(), `public endpoint GET ${path}`).toBe(200);
    });
  }
  await allure.attachment('Public endpoints: status and latency', csv(rows), 'text/csv');
});

test('Protected GET endpoints answer a signed-in user with JSON matching the API document', details('Signed-in calls', { smoke: true }), async ({ verity, request, mainSession, auth }) => {
  const { endpoints, validator } = await discover(verity, request, auth, mainSession);
  const session = await test.step('Sign in as a QA user through the API', () => mainSession());
  const budget = verity.config.budgets.apiMs;
  const adminOnly = verity.app.api.adminOnly;
  let admin: Session | undefined;
  const rows: Record<string, string | number>[] = [];
  // Bodies already received, per caller: a sample taken from a list this test just called is not fetched again.
  const received = new Map<string, unknown>();

  for (const endpoint of endpoints) {
    const asAdmin = endpoint.path === adminOnly;
    const adminUser = adminAccount(verity.target);
    if (asAdmin && !adminUser) {
      rows.push({ endpoint: endpoint.path, caller: 'admin', status: '', ms: '', 'content-type': '', schema: 'not called: no admin account is configured' });
      continue;
    }
    if (asAdmin && !admin) admin = await test.step('Sign in as the admin through the API (for the admin-only endpoint)', () => auth.login(adminUser!));
    const caller = asAdmin ? admin! : session;
    const who = asAdmin ? 'admin' : 'QA user';
    const headers = auth.authHeaders(caller);
    const { path, reason } = await samplesFor(endpoint, verity, caller, headers, (listPath) => received.get(`${who} ${listPath}`));
    if (!path) {
      rows.push({ endpoint: endpoint.path, caller: who, status: '', ms: '', 'content-type': '', schema: `not called: ${reason}` });
      await skippedStep(`GET ${endpoint.path} signed in`, `${reason}: only the 401 checks run for it`);
      continue;
    }
    await test.step(`GET ${endpoint.path} as the ${who}: 200, JSON matching its schema, within ${budget} ms`, async () => {
      const { value: response, ms } = await timed(() => caller.api.get(path, { headers }));
      const status = response.status();
      const contentType = response.headers()['content-type'] ?? '';
      await allure.attachment(`Latency of GET ${endpoint.path}`, `${ms} ms (budget ${budget} ms), status ${status}`, 'text/plain');
      const row = { endpoint: endpoint.path, caller: who, status, ms, 'content-type': contentType, schema: '' };
      rows.push(row);

      expect.soft(status, `GET ${endpoint.path}: status`).toBe(200);
      const isJson = isJsonMediaType(contentType);
      expect.soft(isJson, `GET ${endpoint.path}: content-type must be JSON, got "${contentType || '(none)'}"`).toBe(true);
      if (status === 200 && isJson) {
        const body = await response.json().catch(() => undefined);
        expect.soft(body !== undefined, `GET ${endpoint.path}: the body parses as JSON`).toBe(true);
        received.set(`${who} ${path}`, body);
        let result: Validation | undefined;
        if (endpoint.zod) result = validateWithZod(endpoint.zod, body);
        else if (endpoint.schemaPointer && validator) result = validator.validate(endpoint.schemaPointer, body);
        row.schema = !result ? 'no schema documented' : result.ok ? 'valid' : 'INVALID';
        if (result && !result.ok) await allure.attachment(`Schema errors of GET ${endpoint.path}`, result.errors.join('\n'), 'text/plain');
        if (result) expect.soft(result.errors, `GET ${endpoint.path}: body against the ${endpoint.zod ? 'profile\'s zod' : 'API document\'s 200'} schema`).toEqual([]);
      } else {
        row.schema = 'not checked';
      }
      expect.soft(ms, `GET ${endpoint.path}: latency in ms (budget VERITY_API_BUDGET_MS = ${budget})`).toBeLessThanOrEqual(budget);
    });
  }
  await allure.attachment('Protected endpoints signed in: status and latency', csv(rows), 'text/csv');
});

test('Protected GET endpoints refuse calls without a valid token', details('Calls without a valid token', { security: true }), async ({ verity, request, mainSession, auth }) => {
  let session: Session | undefined;
  const signIn = async () => (session ??= await test.step('Sign in as a QA user through the API', () => mainSession()));
  const { endpoints } = await discover(verity, request, auth, signIn);
  const refused = verity.app.api.refusedStatuses;
  const refusal = refused.join(' or ');
  const byProfile = refused.length === 1 && refused[0] === 401 ? '' : ' (app.api.refusedStatuses)';
  const expected = `expected ${refusal}${byProfile ? ', app.api.refusedStatuses' : '; an app that refuses with another status lists it in app.api.refusedStatuses'}`;
  const rows: Record<string, string | number>[] = [];
  for (const endpoint of endpoints) {
    let path = endpoint.path;
    if (pathParameters(endpoint.path).length) {
      const sampler = await signIn();
      // A real id where the profile gives one; otherwise a made-up value (the call must be refused either way).
      path = (await samplesFor(endpoint, verity, sampler, auth.authHeaders(sampler))).path ?? fillPath(endpoint.path, {});
    }
    const row: Record<string, string | number> = { endpoint: endpoint.path };
    await test.step(`GET ${endpoint.path} without a token answers ${refusal}${byProfile}`, async () => {
      const { value: response, ms } = await timed(() => auth.getWithToken(path, undefined));
      Object.assign(row, { 'no token': response.status(), 'no token ms': ms });
      expect.soft(refused.includes(response.status()), `GET ${endpoint.path} is documented as secured but answered ${response.status()} without a token (${expected})`).toBe(true);
    });
    await test.step(`GET ${endpoint.path} with a garbage token answers ${refusal}${byProfile}`, async () => {
      const { value: response, ms } = await timed(() => auth.getWithToken(path, 'verity-garbage-token'));
      Object.assign(row, { 'garbage token': response.status(), 'garbage token ms': ms });
      expect.soft(refused.includes(response.status()), `GET ${endpoint.path} is documented as secured but answered ${response.status()} to a garbage token (${expected})`).toBe(true);
    });
    rows.push(row);
  }
  await allure.attachment('Protected endpoints without a valid token: status and latency', csv(rows), 'text/csv');
});
