// npm run demo            start the demo and keep it running until Ctrl-C
// npm run demo:fault -- list | apply NAME | reset
// npm run demo:time-seed -- --scale 1000
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { config as loadDotenv } from 'dotenv';
import { faults, findFault, localAccounts, maskPassword, parseAccounts, seedAccounts, startDemo, type AccountEntry, type Demo, type FaultName, type SigningAlg } from './index.ts';
import { demoRoot, ensureTemplate } from './db/template.ts';

const signingAlgs: SigningAlg[] = ['RS256', 'ES256', 'EdDSA', 'HS256'];
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Where `demo:fault` finds the running demo (overridable so parallel test runs stay apart).
const stateFile = process.env.PA_DEMO_STATE_FILE ?? path.join(demoRoot, 'current.json');

/**
 * The accounts to seed, in Verity's format: `--accounts FILE`, else VERITY_ACCOUNTS_FILE,
 * VERITY_ACCOUNTS or the QA/admin pairs (from the environment or .env, as Verity reads them),
 * else the generated local accounts, which Verity's embedded default seeds too.
 */
function accountsFor(accountsFile: string | undefined): AccountEntry[] {
  if (accountsFile) return parseAccounts(readFileSync(accountsFile, 'utf8'), accountsFile);
  loadDotenv({ path: path.join(repoRoot, '.env'), quiet: true });
  const env = process.env;
  if (env.VERITY_ACCOUNTS_FILE) return parseAccounts(readFileSync(path.resolve(repoRoot, env.VERITY_ACCOUNTS_FILE), 'utf8'), 'VERITY_ACCOUNTS_FILE');
  if (env.VERITY_ACCOUNTS) return parseAccounts(env.VERITY_ACCOUNTS, 'VERITY_ACCOUNTS');
  const qaEmails = (env.VERITY_QA_EMAILS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (qaEmails.length && env.VERITY_QA_PASSWORD) {
    const qa = qaEmails.map((email): AccountEntry => ({ email, password: env.VERITY_QA_PASSWORD!, role: 'qa' }));
    const admin: AccountEntry[] = env.VERITY_ADMIN_EMAIL && env.VERITY_ADMIN_PASSWORD ? [{ email: env.VERITY_ADMIN_EMAIL, password: env.VERITY_ADMIN_PASSWORD, role: 'admin' }] : [];
    return [...qa, ...admin];
  }
  return localAccounts();
}

/**
 * `.env.demo`: the settings that point Verity at this running demo (`npm run verify -- --env demo`),
 * its read-only role's password included, so the file is private (0600) and git-ignored.
 */
function envFileFor(demo: Demo, accounts: AccountEntry[]): string {
  // Single quotes keep the JSON literal for dotenv; a quote inside a password becomes a JSON escape.
  const json = JSON.stringify(accounts).replace(/'/g, '\\u0027');
  return [
    `# Written by \`npm run demo\` (pid ${process.pid}) for \`npm run verify -- --env demo\`; removed when the demo stops.`,
    `BASE_URL=${demo.baseURL}`,
    `DATABASE_URL=${demo.verifierDatabaseURL}`,
    `VERITY_ACCOUNTS='${json}'`,
    `VERITY_APP_LOG_FILE=${demo.appLogFile}`,
    `VERITY_ACCESS_TTL_SECONDS=${demo.accessTtlSeconds}`,
    // HS256 tokens verify only with the secret that signs them: there is no public key to publish.
    ...(demo.jwtSecret !== undefined ? [`VERITY_JWT_SECRET=${demo.jwtSecret}`] : []),
    '',
  ].join('\n');
}

async function runDemo(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      port: { type: 'string', default: '0' },
      'auth-mode': { type: 'string', default: 'bearer' },
      'access-ttl': { type: 'string', default: '900' },
      'signing-alg': { type: 'string', default: 'RS256' },
      accounts: { type: 'string' },
      'env-out': { type: 'string', default: path.join(repoRoot, '.env.demo') },
    },
  });
  const authMode = values['auth-mode'];
  if (authMode !== 'bearer' && authMode !== 'cookie') throw new Error('--auth-mode must be bearer or cookie');
  const signingAlg = values['signing-alg'];
  if (!signingAlgs.includes(signingAlg as SigningAlg)) throw new Error(`--signing-alg must be one of ${signingAlgs.join(', ')}`);
  const accounts = accountsFor(values.accounts);
  const demo = await startDemo({
    scale: Number(values.scale),
    seed: Number(values.seed),
    port: Number(values.port),
    authMode,
    accessTtlSeconds: Number(values['access-ttl']),
    signingAlg: signingAlg as SigningAlg,
    accounts: seedAccounts(accounts),
    onStep: (step, ms) => console.log(`  ${step} (${(ms / 1000).toFixed(1)} s)`),
  });
  const control = await startControlServer(demo);
  const envFile = path.resolve(values['env-out']);
  const envText = envFileFor(demo, accounts);
  writeFileSync(envFile, envText, { mode: 0o600 });
  chmodSync(envFile, 0o600);
  console.log(`
Personal Assistant demo is running.
  BASE_URL=${demo.baseURL}
  DATABASE_URL=${maskPassword(demo.databaseURL)}          (application role)
  VERIFIER_DATABASE_URL=${maskPassword(demo.verifierDatabaseURL)}  (read-only role)
  ADMIN_DATABASE_URL=${maskPassword(demo.adminDatabaseURL)}
  app log: ${demo.appLogFile}
  accounts: ${accounts.map((a) => `${a.email} (${a.role})`).join(', ')}
Verity's settings for this demo, passwords included: ${envFile}
  Verify it:  npm run verify -- --env demo
Faults: npm run demo:fault -- list | apply NAME | reset
Press Ctrl-C to stop.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    control.close();
    rmSync(stateFile, { force: true });
    // Another demo started since may have written its own: leave that one.
    if (existsSync(envFile) && readFileSync(envFile, 'utf8') === envText) rmSync(envFile);
    await demo.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** A loopback endpoint through which `demo:fault` reaches the running demo. */
async function startControlServer(demo: Demo) {
  const token = randomBytes(24).toString('base64url');
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: 'unauthorized' });
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'POST' && url.pathname === '/apply') {
        const name = url.searchParams.get('name') ?? '';
        findFault(name);
        await demo.applyFault(name as FaultName);
        return reply(200, { applied: name, active: demo.activeFaults() });
      }
      if (req.method === 'POST' && url.pathname === '/reset') {
        await demo.reset();
        return reply(200, { active: [] });
      }
      if (req.method === 'GET' && url.pathname === '/active') return reply(200, { active: demo.activeFaults() });
      return reply(404, { error: 'not_found' });
    } catch (err) {
      return reply(500, { error: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  writeFileSync(stateFile, JSON.stringify({ control: `http://127.0.0.1:${port}`, token, pid: process.pid, baseURL: demo.baseURL }), { mode: 0o600 });
  return server;
}

async function runFault(args: string[]) {
  const [command, name] = args;
  if (command === 'list' || !command) {
    const width = Math.max(...faults.map((f) => f.name.length));
    for (const f of faults) console.log(`${f.name.padEnd(width)}  ${f.layer.padEnd(11)} ${f.kind.padEnd(6)} ${f.symptom}`);
    return;
  }
  if (command !== 'apply' && command !== 'reset') throw new Error('usage: demo:fault -- list | apply NAME | reset');
  if (command === 'apply') {
    if (!name) throw new Error('usage: demo:fault -- apply NAME (see: demo:fault -- list)');
    findFault(name);
  }
  if (!existsSync(stateFile)) throw new Error('no running demo found: start one with `npm run demo`');
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { control: string; token: string };
  const path = command === 'apply' ? `/apply?name=${encodeURIComponent(name!)}` : '/reset';
  const response = await fetch(state.control + path, { method: 'POST', headers: { authorization: `Bearer ${state.token}` } }).catch(() => {
    throw new Error('the running demo does not answer: is `npm run demo` still running?');
  });
  const body = (await response.json()) as { error?: string; active?: string[] };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  console.log(command === 'apply' ? `applied ${name}; active faults: ${body.active?.join(', ')}` : 'reset: the seeded state is back, no fault active');
}

async function timeSeed(args: string[]) {
  const { values } = parseArgs({ args, options: { scale: { type: 'string', default: '1000' }, seed: { type: 'string', default: String(Date.now() % 100000) } } });
  const started = Date.now();
  const template = await ensureTemplate({
    scale: Number(values.scale),
    seed: Number(values.seed),
    accounts: seedAccounts(accountsFor(undefined)),
    onStep: (step, ms) => console.log(`  ${step.padEnd(22)} ${(ms / 1000).toFixed(1)} s`),
  });
  console.log(`seeded scale ${values.scale} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // A one-off template at this scale is gigabytes: do not leave it behind.
  rmSync(path.dirname(template.pgdata), { recursive: true, force: true });
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { start: runDemo, fault: runFault, 'time-seed': timeSeed };
const run = commands[command ?? ''];
if (!run) {
  console.error('usage: cli.ts start | fault | time-seed');
  process.exit(2);
}
run(rest).catch((err) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
});
