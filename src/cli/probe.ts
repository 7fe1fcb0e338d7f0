// npm run probe [-- --env NAME] [-- --json]
// The database checks alone: a console table (or JSON), and the same exit codes as verify.
import { probes } from '../../db-probes/index.ts';
import { exitCodeOf, runProbes, type ProbeOutcome, type ProbeRun } from '../../db-probes/runner.ts';
import { loadConfigOrExplain, parseEnvArgument } from './common.ts';
import { startEmbeddedTarget, type EmbeddedTarget } from '../embedded-target.ts';
import { loadProfile } from '../profile.ts';
import { Redactor } from '../redact.ts';

async function main(argv: string[]): Promise<number> {
  const { envName, rest } = parseEnvArgument(argv);
  const json = rest.includes('--json');
  const config = loadConfigOrExplain(envName);
  if (!config) return 2;
  if (config.target.mode === 'configured' && !config.target.databaseURL) {
    console.error('Verity: DATABASE_URL is not set: `npm run probe` needs a database');
    return 2;
  }
  const profile = await loadProfile(config.profile, config.envDir);
  let embedded: EmbeddedTarget | undefined;
  try {
    if (config.target.mode === 'embedded') embedded = await startEmbeddedTarget(config);
    const databaseURL = embedded?.databaseURL ?? config.target.databaseURL!;
    const run = await runProbes({ databaseURL, config, profile, probes });
    const redactor = new Redactor([...config.secrets, ...(embedded?.secrets ?? [])]);
    console.log(redactor.scrub(json ? JSON.stringify(run, null, 2) : table(run)));
    return exitCodeOf(run);
  } finally {
    await embedded?.stop();
  }
}

const mark: Record<ProbeOutcome['status'], string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' };

function table(run: ProbeRun): string {
  const rows = run.outcomes.map((o) => {
    const blocking = o.findings.filter((f) => f.severity === 'critical' || f.severity === 'major');
    const warnings = o.findings.length - blocking.length;
    const detail = o.status === 'skipped' ? o.skipReason ?? '' : blocking[0]?.message ?? (warnings ? `${warnings} warning(s): ${o.findings[0]!.message}` : '');
    return [mark[o.status], o.id, String(blocking.length), detail];
  });
  const width = Math.max(...rows.map((r) => r[1]!.length), 5);
  const lines = [`Database: ${run.database}`, '', `${'STATUS'}  ${'PROBE'.padEnd(width)}  FINDINGS  DETAIL`];
  for (const [status, id, count, detail] of rows) lines.push(`${status!.padEnd(6)}  ${id!.padEnd(width)}  ${count!.padStart(8)}  ${detail}`);
  const failed = run.outcomes.filter((o) => o.status === 'failed').length;
  const skipped = run.outcomes.filter((o) => o.status === 'skipped').length;
  lines.push('', run.unreachable ? `Verity cannot reach the database: ${run.unreachable}` : '');
  lines.push(`${run.outcomes.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
  return lines.join('\n');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`Verity: ${(err as Error).message.split('\n')[0]}`);
    process.exit(2);
  },
);
