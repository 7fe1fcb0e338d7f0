// npm run probe [-- --env NAME] [-- --json] [-- --out FILE]
// The database checks alone: a console table (or JSON), and the same verdict and exit codes as verify.
// DATABASE_URL alone is enough; with nothing configured, the embedded default is checked.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { probes } from '../db-probes/index.ts';
import { runProbes } from '../db-probes/runner.ts';
import { isBlocking, type ProbeOutcome, type ProbeRun } from '../src/findings.ts';
import { loadProfile } from '../src/profile.ts';
import { Redactor } from '../src/redact.ts';
import { verdictOf, type Verdict } from '../src/verdict.ts';
import { explainConfigProblems, loadConfigOrExplain, parseEnvArgument, runCommand } from './cli.ts';
import { prepareRun, profileProblems } from './prepare.ts';

async function main(argv: string[]): Promise<number> {
  const { envName, rest } = parseEnvArgument(argv);
  const json = rest.includes('--json');
  // The results as JSON for the shards of a sharded run (VERITY_PROBE_RESULTS), besides the table.
  const outIndex = rest.indexOf('--out');
  const outFile = outIndex >= 0 ? rest[outIndex + 1] : undefined;
  if (outIndex >= 0 && !outFile) {
    console.error('Verity: --out needs a file name');
    return 2;
  }
  const config = loadConfigOrExplain(envName);
  if (!config) return 2;
  if (config.target.kind === 'configured' && !config.target.databaseURL) {
    console.error('Verity: DATABASE_URL is not set: `npm run probe` needs a database');
    return 2;
  }
  const problems = profileProblems(await loadProfile(config.profile, config.envDir), config);
  if (problems.length) {
    explainConfigProblems(problems);
    return 2;
  }
  const run = await prepareRun(config);
  try {
    const result = await runProbes({ databaseURL: run.target.databaseURL!, config, profile: run.profile, probes, baseline: run.baseline });
    const verdict = verdictOf({ probes: result, failedJourneys: [], unobserved: result.unreachable ? [result.unreachable] : [] });
    const redactor = new Redactor(run.secrets, run.secretNames);
    if (outFile) writeFileSync(path.resolve(config.envDir, outFile), redactor.scrub(JSON.stringify(result, null, 2)));
    console.log(redactor.scrub(json ? JSON.stringify(result, null, 2) : table(result, verdict)));
    return verdict.exitCode;
  } finally {
    await run.stop();
  }
}

const mark: Record<ProbeOutcome['status'], string> = { passed: 'PASS', failed: 'FAIL', broken: 'BROKEN', skipped: 'SKIP' };

function table(run: ProbeRun, verdict: Verdict): string {
  const rows = run.outcomes.map((o) => {
    const blocking = o.findings.filter(isBlocking);
    const warnings = o.findings.length - blocking.length;
    const detail = o.status === 'skipped' ? o.skipReason ?? '' : blocking[0]?.message ?? (o.unobserved[0] ? `not observed: ${o.unobserved[0]}` : warnings ? `${warnings} warning(s): ${o.findings[0]!.message}` : '');
    return [mark[o.status], o.id, String(blocking.length), detail];
  });
  const width = Math.max(...rows.map((r) => r[1]!.length), 5);
  const lines = [`Database: ${run.database}`, '', `${'STATUS'}  ${'PROBE'.padEnd(width)}  FINDINGS  DETAIL`];
  for (const [status, id, findings, detail] of rows) lines.push(`${status!.padEnd(6)}  ${id!.padEnd(width)}  ${findings!.padStart(8)}  ${detail}`);
  const count = (status: ProbeOutcome['status']) => run.outcomes.filter((o) => o.status === status).length;
  lines.push('', run.unreachable ? `Verity cannot reach the database: ${run.unreachable}` : '');
  const broken = count('broken') ? `, ${count('broken')} not fully observed` : '';
  lines.push(`Verdict: ${verdict.headline} (exit ${verdict.exitCode})`);
  lines.push(`${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped${broken}`);
  return lines.join('\n');
}

runCommand(main);
