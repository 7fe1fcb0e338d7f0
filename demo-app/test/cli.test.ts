// `npm run demo` and `npm run demo:fault` as a person runs them: a real process, Ctrl-C included.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parse as parseDotenv } from 'dotenv';
import { jwtVerify } from 'jose';
import { faultNames, type AccountEntry } from '../src/index.ts';
import { admin, qa, qa2 } from './helpers.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repoRoot, 'demo-app/src/cli.ts');
const env = { ...process.env, PA_DEMO_STATE_FILE: path.join(tmpdir(), `pa-demo-state-${process.pid}.json`) };
const tsx = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, env, encoding: 'utf8' });

// The accounts in Verity's format, one with a password that only JSON and careful quoting survive.
const work = mkdtempSync(path.join(tmpdir(), 'pa-demo-cli-'));
const accounts: AccountEntry[] = [
  { email: qa.email, password: qa.password, role: 'qa' },
  { email: qa2.email, password: `it's "quoted" \\ # x\ny`, role: 'qa' },
  { email: admin.email, password: admin.password, role: 'admin' },
];
const accountsFile = path.join(work, 'accounts.json');
writeFileSync(accountsFile, JSON.stringify(accounts));
const envFile = path.join(work, '.env.demo');

/** `npm run demo -- ARGS` as a real process: `started` resolves to its BASE_URL once it says it runs. */
function startDemoProcess(args: string[], processEnv: NodeJS.ProcessEnv) {
  const running = spawn(process.execPath, ['--import', 'tsx', cli, 'start', ...args], { cwd: repoRoot, env: processEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started = new Promise<string>((resolve, reject) => {
    running.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /BASE_URL=(\S+)/.exec(output);
      if (match && output.includes('Press Ctrl-C')) resolve(match[1]!);
    });
    running.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    running.once('exit', (code) => reject(new Error(`demo exited early (${code}): ${output}`)));
  });
  return {
    running,
    started,
    /** What it printed so far. */
    get output() {
      return output;
    },
  };
}

describe('demo command line', () => {
  const demo = startDemoProcess(['--accounts', accountsFile, '--env-out', envFile], env);
  const { running, started } = demo;
  after(() => {
    if (running.exitCode === null) running.kill('SIGKILL');
  });

  it('starts, prints BASE_URL and masked database URLs, and serves the login page and /health', async () => {
    const baseURL = await started;
    assert.match(demo.output, /DATABASE_URL=postgres:\/\/pa_app:\*\*\*\*@127\.0\.0\.1:\d+\/personal_assistant/);
    assert.doesNotMatch(demo.output, new RegExp(qa.password));
    assert.equal((await fetch(baseURL + '/health')).status, 200);
    const page = await fetch(baseURL + '/login', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
  });

  it('writes .env.demo (private) pointing Verity at it: URL, read-only role, accounts, log file, token lifetime', async () => {
    const baseURL = await started;
    assert.equal(statSync(envFile).mode & 0o777, 0o600);
    const settings = parseDotenv(readFileSync(envFile));
    assert.equal(settings.BASE_URL, baseURL);
    assert.match(settings.DATABASE_URL!, /^postgres:\/\/verity_ro:[^@]+@127\.0\.0\.1:\d+\/personal_assistant$/);
    assert.deepEqual(JSON.parse(settings.VERITY_ACCOUNTS!), accounts, 'every password survives the quoting');
    assert.equal(settings.VERITY_APP_LOG_FILE, /app log: (\S+)/.exec(demo.output)![1]);
    assert.equal(settings.VERITY_ACCESS_TTL_SECONDS, '900');
    const quoted = accounts[1]!;
    const login = await fetch(baseURL + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: quoted.email, password: quoted.password }) });
    assert.equal(login.status, 200, 'the account seeded from the file signs in with its own password');
  });

  it('demo:fault lists, applies and resets faults on the running demo', async () => {
    const baseURL = await started;
    const list = tsx('fault', 'list');
    assert.equal(list.status, 0);
    for (const name of faultNames) assert.match(list.stdout, new RegExp(`^${name}\\s`, 'm'));
    const applied = tsx('fault', 'apply', 'users-me-500');
    assert.equal(applied.status, 0, applied.stderr);
    const login = await fetch(baseURL + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: qa.email, password: qa.password }) });
    const { access_token } = (await login.json()) as { access_token: string };
    assert.equal((await fetch(baseURL + '/api/v1/users/me', { headers: { authorization: `Bearer ${access_token}` } })).status, 500);
    assert.equal(tsx('fault', 'reset').status, 0);
    const relogin = await fetch(baseURL + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: qa.email, password: qa.password }) });
    const fresh = (await relogin.json()) as { access_token: string };
    assert.equal((await fetch(baseURL + '/api/v1/users/me', { headers: { authorization: `Bearer ${fresh.access_token}` } })).status, 200);
    const unknown = tsx('fault', 'apply', 'no-such-fault');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown fault "no-such-fault"/);
  });

  it('Ctrl-C stops everything: no postmaster left, no data folder, no state file', async () => {
    await started;
    const runDir = /app log: (\S+)\/app\.log/.exec(demo.output)![1]!;
    const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));
    running.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.equal(existsSync(path.join(runDir, 'pgdata', 'postmaster.pid')), false);
    assert.equal(existsSync(runDir), false);
    assert.equal(spawnSync('pgrep', ['-f', runDir]).status, 1, 'no process still runs on the demo folder');
    assert.equal(existsSync(env.PA_DEMO_STATE_FILE), false);
    assert.equal(existsSync(envFile), false, '.env.demo is removed');
  });

  it('demo:fault without a running demo says how to start one', () => {
    const answer = tsx('fault', 'reset');
    assert.equal(answer.status, 1);
    assert.match(answer.stderr, /no running demo found: start one with `npm run demo`/);
  });
});

describe('demo command line, signing with HS256', () => {
  it('--signing-alg HS256 writes the secret to .env.demo (VERITY_JWT_SECRET), and the tokens verify with it; an unknown algorithm is refused', async () => {
    const hsEnvFile = path.join(work, '.env.demo.hs256');
    const hsEnv = { ...env, PA_DEMO_STATE_FILE: path.join(tmpdir(), `pa-demo-state-hs256-${process.pid}.json`) };
    const demo = startDemoProcess(['--accounts', accountsFile, '--env-out', hsEnvFile, '--signing-alg', 'HS256'], hsEnv);
    const { running } = demo;
    try {
      const baseURL = await demo.started;
      const settings = parseDotenv(readFileSync(hsEnvFile));
      assert.ok(settings.VERITY_JWT_SECRET, '.env.demo carries the HMAC secret');
      assert.ok(!demo.output.includes(settings.VERITY_JWT_SECRET!), 'the secret is not printed');
      const login = await fetch(baseURL + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: qa.email, password: qa.password }) });
      const { access_token } = (await login.json()) as { access_token: string };
      const { protectedHeader } = await jwtVerify(access_token, new TextEncoder().encode(settings.VERITY_JWT_SECRET!));
      assert.equal(protectedHeader.alg, 'HS256');
    } finally {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGINT');
      await exited;
    }
    const refused = spawnSync(process.execPath, ['--import', 'tsx', cli, 'start', '--signing-alg', 'none', '--env-out', path.join(work, '.env.none')], { cwd: repoRoot, env: hsEnv, encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /--signing-alg must be one of RS256, ES256, EdDSA, HS256/);
  });
});
