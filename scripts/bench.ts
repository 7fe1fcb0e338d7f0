// npm run bench [-- --runs N] [-- --full]
// How long `npm run verify` takes on the embedded demo, as a user runs it: the smoke subset
// (--grep @smoke), and with --full the whole run. Wall time of the whole command, after one
// warm-up, median of N runs (default 3). Speed goals live here, not in timed tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, full: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const reportsDir = mkdtempSync(path.join(tmpdir(), 'verity-bench-'));

function timeVerify(args: string[]): number {
  const started = performance.now();
  const result = spawnSync('npm', ['run', '--silent', 'verify', '--', ...args], { env: { ...process.env, VERITY_REPORTS_DIR: reportsDir }, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`npm run verify ${args.join(' ')} exited ${result.status}: the bench measures green runs only`);
  return (performance.now() - started) / 1000;
}

function bench(name: string, args: string[]): void {
  timeVerify(args); // warm-up: the demo's seeded template, the SPA build
  const seconds = Array.from({ length: runs }, () => timeVerify(args)).sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)]!;
  console.log(`${name.padEnd(28)} median ${median.toFixed(1)} s  (min ${seconds[0]!.toFixed(1)} s, max ${seconds.at(-1)!.toFixed(1)} s, ${runs} runs)`);
}

try {
  bench('verify --grep @smoke', ['--grep', '@smoke']);
  if (values.full) bench('verify (everything)', []);
} finally {
  rmSync(reportsDir, { recursive: true, force: true });
}
