// A real third-party app, adopted with a profile alone: Directus 11.3.5 (third-party/directus, its
// own lockfile) on its own embedded PostgreSQL, verified with profiles/directus.ts and the env a
// team would write (README, "Adopting Verity for your app"). Healthy: green across the database,
// the API and the pages, and no session left behind. Then four faults of Directus's own, chosen
// from what a crash or a bad restore does to it, each failing exactly the checks its row names,
// with its cause named, and nothing else. Their checks do not overlap, so they share one run.
import assert from 'node:assert/strict';
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { directusAccounts, studioAssets, startDirectus, type DirectusApp } from './support/directus.ts';
import { leaksIn } from './support/secret-scan.ts';
import { emptyEnvDir } from './support/target.ts';
import { allureResults, repoRoot, testOutcomes, verify, type TestOutcome } from './support/verify-run.ts';
import { spawn } from 'node:child_process';

const check = {
  schemaDrift: 'Schema as in the baseline',
  dataRules: 'Data rules of the application',
  tokenClaims: "Access token is signed by the target's key and carries the expected claims",
  uiSmoke: 'Signing in with a QA account lands on the dashboard, signed in',
} as const;

interface Fault {
  /** What a crash or a bad restore did, in a sentence. */
  what: string;
  fails: string[];
  /** The checks that then do not run. */
  skipsUi?: true;
  /** What each failing check's message must say: the cause, named. */
  names: RegExp;
}

const faults: Record<string, Fault> = {
  'lost-unique-email': {
    what: 'The restore ran without its post-data section: the unique constraint on directus_users.email is gone.',
    fails: [check.schemaDrift],
    names: /directus_users_email_unique/,
  },
  'duplicate-email-merged': {
    what: 'Two backups were merged: a user appears twice, the second with its e-mail in upper case.',
    fails: [check.dataRules],
    names: /directus_users\.email/,
  },
  'secret-lost': {
    what: 'The app came back from the restore with another SECRET: its tokens no longer verify with the key the team gave Verity.',
    fails: [check.tokenClaims],
    names: /does not verify with VERITY_JWT_SECRET/,
  },
  'studio-script-lost': {
    what: 'The app folder was restored without the Data Studio\'s entry script: the sign-in page never renders.',
    fails: [check.uiSmoke],
    skipsUi: true,
    names: /entry\.js/,
  },
};

/** Runs an npm script of Verity's with the given settings, as a team would from a shell. */
function npmRun(script: string, args: string[], settings: Record<string, string>): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: repoRoot, env: { ...process.env, VERITY_ENV_DIR: emptyEnvDir, ...settings } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('close', (status) => resolve({ status, output }));
  });
}

describe('adopting a real app: Directus 11.3.5, with a profile alone', { timeout: 10 * 60_000 }, () => {
  let app: DirectusApp;
  let baselineFile: string;
  let entryScript: string;
  const failed = (outcomes: TestOutcome[]) => outcomes.filter((o) => o.status === 'failed');
  const explain = (outcomes: TestOutcome[]) => failed(outcomes).map((o) => `[${o.project}] ${o.title}\n    ${o.message.split('\n').slice(0, 6).join('\n    ')}`).join('\n');
  // Live sessions, by user and how long they live: a session refreshed moments ago keeps its old
  // row for the rotation grace period (10 s), which is not a session left open.
  const sessionRows = async () => (await app.adminSql<{ who: string; n: string }>(
    `SELECT coalesce(u.email, '?') || ': ' || CASE WHEN s.expires > now() + interval '2 days' THEN 'open (API)' WHEN s.expires > now() + interval '1 minute' THEN 'open (pages)' ELSE 'in its grace period' END AS who, count(*) AS n
     FROM directus_sessions s LEFT JOIN directus_users u ON u.id = s."user" WHERE s.expires > now() GROUP BY 1 ORDER BY 1`,
  )).map((r) => `${r.who} × ${r.n}`).filter((line) => line.includes(': open'));

  before(async () => {
    app = await startDirectus();
    const html = await (await fetch(`${app.baseURL}/admin/login`)).text();
    entryScript = /assets\/([^"]+\.entry\.js)/.exec(html)?.[1] ?? '';
    assert.ok(entryScript, 'the Data Studio page names its entry script');
    // What the team records once, healthy: the known-good state.
    baselineFile = path.join(emptyEnvDir, 'directus.baseline.json');
    const recorded = await npmRun('baseline', ['--out', baselineFile], { DATABASE_URL: app.settings().DATABASE_URL, VERITY_PROFILE: 'directus' });
    assert.equal(recorded.status, 0, `npm run baseline -- --out:\n${recorded.output}`);
  });
  after(async () => {
    await app?.stop();
  });

  const verifyDirectus = async () => {
    const run = await verify({ ...app.settings(), VERITY_BASELINE: baselineFile });
    assert.ok(run.runDir, `a report was written:\n${run.stdout}${run.stderr}`);
    return { ...run, outcomes: testOutcomes(run.runDir) };
  };

  it('healthy: green across the database, the API and the pages, and every session Verity opened is closed', async () => {
    const sessionsBefore = await sessionRows();
    const run = await verifyDirectus();
    assert.deepEqual(failed(run.outcomes), [], explain(run.outcomes));
    const ran = (project: string) => run.outcomes.filter((o) => o.project === project && o.status === 'passed').length;
    for (const project of ['database', 'api', 'ui-smoke', 'ui']) assert.ok(ran(project) > 0, `checks of the ${project} project passed (${ran(project)})`);
    assert.match(run.stdout, /Verdict: GO/, 'the verdict is GO');
    assert.equal(run.status, 0, run.stdout.slice(-3000));
    assert.doesNotMatch(run.stdout, /left \d+ session\(s\) open/, 'no session was left open');
    // Path parameters the profile gives no sample for were sampled from the list above them.
    const signedInGets = allureResults(run.runDir!).find((r) => r.name === 'Protected GET endpoints answer a signed-in user with JSON matching the API document');
    const steps = (r: any): any[] => (r.steps ?? []).flatMap((step: any) => [step, ...steps(step)]);
    for (const path of ['/users/{id}', '/roles/{id}']) {
      const called = steps(signedInGets).find((step) => step.name.startsWith(`GET ${path} as the QA user`));
      assert.equal(called?.status, 'passed', `GET ${path} was called with a sampled id and passed: ${steps(signedInGets).map((st) => st.name).join(' | ')}`);
    }
    assert.deepEqual(await sessionRows(), sessionsBefore, 'the same open directus_sessions rows after the run as before it');
    // No password, no HMAC secret, no database password and no JWT (access tokens and the pages' session cookies) in reports/.
    const secrets = [
      ...directusAccounts.map((a) => ({ what: `${a.email}'s password`, value: a.password })),
      { what: 'the JWT secret', value: app.secret },
      { what: 'the database password', value: decodeURIComponent(new URL(app.verifierDatabaseURL).password) },
    ];
    assert.deepEqual(leaksIn(run.runDir!, secrets), [], 'no secret in the report');
  });

  it(`four faults of Directus's own (${Object.keys(faults).join(', ')}) fail exactly their checks, naming the cause`, async () => {
    const dist = path.join(studioAssets, entryScript);
    try {
      await app.adminSql('ALTER TABLE directus_users DROP CONSTRAINT directus_users_email_unique');
      await app.adminSql(`INSERT INTO directus_users (id, email, status) SELECT gen_random_uuid(), upper(email), status FROM directus_users WHERE email = 'editor@example.com'`);
      renameSync(dist, `${dist}.verity-fault`);
      await app.restart({ SECRET: 'a-secret-the-team-never-gave-Verity-0123456789' });

      const run = await verifyDirectus();
      const expected = Object.entries(faults).flatMap(([name, f]) => f.fails.map((c) => ({ check: c, fault: name })));
      const failing = failed(run.outcomes);
      assert.deepEqual(failing.map((o) => o.title).sort(), expected.map((e) => e.check).sort(), explain(run.outcomes));
      const unnamed = expected.filter(({ check: c, fault }) => !faults[fault]!.names.test(failing.find((o) => o.title === c)!.message));
      assert.deepEqual(unnamed.map(({ check: c, fault }) => `${fault}: ${c}`), [], `each failure names its cause:\n${explain(run.outcomes)}`);
      const uiSkipped = run.outcomes.filter((o) => o.project === 'ui' && o.status === 'skipped').length;
      assert.ok(uiSkipped > 0 && run.outcomes.filter((o) => o.project === 'ui').every((o) => o.status === 'skipped'), 'the UI journeys did not run: the smoke test failed');
      assert.match(run.stdout, /Verdict: NO-GO/, 'the verdict is NO-GO');
      assert.equal(run.status, 1, run.stdout.slice(-3000));
    } finally {
      if (existsSync(`${dist}.verity-fault`)) renameSync(`${dist}.verity-fault`, dist);
      await app.adminSql(`DELETE FROM directus_users WHERE email = 'EDITOR@EXAMPLE.COM'`);
      await app.adminSql('ALTER TABLE directus_users ADD CONSTRAINT directus_users_email_unique UNIQUE (email)');
      await app.restart();
    }
  });
});
