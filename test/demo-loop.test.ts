// README's "try a fault by hand" loop, as a person runs it: `npm run demo` in one terminal, then
// `npm run verify -- --env demo` and `npm run probe -- --env demo` reading the .env.demo it wrote,
// a fault applied with `npm run demo:fault`, and Ctrl-C.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probes } from '../db-probes/index.ts';
import { repoRoot, runScrubbed } from './support/verify-run.ts';

const folder = mkdtempSync(path.join(tmpdir(), 'verity-demo-loop-'));
const envFile = path.join(folder, '.env.demo');
// Its own control file, so that a demo a developer is running is left alone.
const env = { ...process.env, PA_DEMO_STATE_FILE: path.join(folder, 'control.json') };
// What `npm run demo` and `npm run demo:fault` run, in this process's node (npm would stand between Ctrl-C and the demo).
const cli = ['--import', 'tsx', path.join(repoRoot, 'demo-app/src/cli.ts')];
const demoFault = (...args: string[]) => spawnSync(process.execPath, [...cli, 'fault', ...args], { cwd: repoRoot, env, encoding: 'utf8' });

describe('npm run demo, then npm run verify -- --env demo', () => {
  const demo = spawn(process.execPath, [...cli, 'start', '--env-out', envFile], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  before(async () => {
    await new Promise<void>((resolve, reject) => {
      demo.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Press Ctrl-C')) resolve();
      });
      demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      demo.once('exit', (code) => reject(new Error(`the demo exited early (${code}): ${output}`)));
    });
  });
  after(() => {
    if (demo.exitCode === null) demo.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  });

  it('verify --env demo verifies the running demo green (its 15-minute token lifetime skips the expiry journey)', async () => {
    const run = await runScrubbed('verify', { cwd: folder, args: ['--env', 'demo'] });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`Verity — ${/BASE_URL=(\S+)/.exec(output)![1]!.replace(/\./g, '\\.')} \\(env demo\\)`));
    // The expiry journey, and the probes comparing with a baseline (none recorded here).
    assert.match(run.stdout, new RegExp(`^\\d+ passed, 0 failed, ${1 + probes.filter((p) => p.group === 'Baseline').length} skipped$`, 'm'), 'skipped: the expiry journey and the baseline probes');
  });

  it('a fault applied with demo:fault is caught by probe --env demo, and reset clears it', async () => {
    assert.equal(demoFault('apply', 'orphaned-sessions').status, 0);
    const broken = await runScrubbed('probe', { cwd: folder, args: ['--env', 'demo'] });
    assert.equal(broken.status, 1, broken.stdout + broken.stderr);
    assert.match(broken.stdout, /^FAIL\s+inferred-references\s+\d+\s+user_sessions\.user_id/m);
    assert.equal(demoFault('reset').status, 0);
    const healthy = await runScrubbed('probe', { cwd: folder, args: ['--env', 'demo'] });
    assert.equal(healthy.status, 0, healthy.stdout);
    const baselineProbes = probes.filter((p) => p.group === 'Baseline').length;
    assert.match(healthy.stdout, new RegExp(`^${probes.length - baselineProbes} passed, 0 failed, ${baselineProbes} skipped$`, 'm'), 'green but the probes comparing with a baseline (none recorded here)');
  });

  it('Ctrl-C stops the demo and removes .env.demo', async () => {
    assert.ok(existsSync(envFile));
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    demo.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.equal(existsSync(envFile), false);
  });
});
