// npm run baseline -- --out FILE        records the known-good state of the database (read-only)
// npm run baseline -- --update FILE     records it again after a deliberate change, keeping the reasons
// [-- --env NAME] [-- --force: overwrite an existing --out FILE]
//
// What it records: the schema, a fingerprint of the data, and every finding of now as accepted,
// each with an empty `reason` for a person to fill in. Then VERITY_BASELINE=FILE (or the
// profile's database.baseline) makes probe and verify compare with it.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { probes } from '../db-probes/index.ts';
import { runProbes } from '../db-probes/runner.ts';
import { acceptedEntries, findingKey } from '../src/acceptance.ts';
import { loadBaseline, readState, type Baseline } from '../src/baseline.ts';
import { GuardedDatabase, describeConnectionError, whyUnobservable } from '../src/db.ts';
import { loadProfile } from '../src/profile.ts';
import { Redactor, displayURL } from '../src/redact.ts';
import { explainConfigProblems, loadConfigOrExplain, parseEnvArgument, runCommand } from './cli.ts';
import { prepareRun, profileProblems } from './prepare.ts';

const usage = 'usage: npm run baseline -- --out FILE (a new baseline) | --update FILE (record again, keeping the reasons)';

async function main(argv: string[]): Promise<number> {
  const { envName, rest } = parseEnvArgument(argv);
  const out = valueOf(rest, '--out');
  const update = valueOf(rest, '--update');
  if (!!out === !!update) {
    console.error(`Verity: ${usage}`);
    return 2;
  }
  const config = loadConfigOrExplain(envName);
  if (!config) return 2;
  if (config.target.kind === 'configured' && !config.target.databaseURL) {
    console.error('Verity: DATABASE_URL is not set: `npm run baseline` records the state of a database');
    return 2;
  }
  const file = path.resolve(config.envDir, (out ?? update)!);
  if (out && existsSync(file) && !rest.includes('--force')) {
    console.error(`Verity: ${file} exists: record it again with --update ${out ?? ''} (the reasons are kept), or overwrite it with --force`);
    return 2;
  }
  let earlier: Baseline | undefined;
  try {
    earlier = update ? loadBaseline(file, '--update') : undefined;
  } catch (err) {
    console.error(`Verity: ${(err as Error).message}`);
    return 2;
  }
  const problems = profileProblems(await loadProfile(config.profile, config.envDir));
  if (problems.length) {
    explainConfigProblems(problems);
    return 2;
  }

  const run = await prepareRun(config, { withBaseline: false });
  try {
    const databaseURL = run.target.databaseURL!;
    const schemas = run.profile.database.schemas;
    const db = new GuardedDatabase(databaseURL, config.database);
    let recorded: Pick<Baseline, 'schema' | 'data'>;
    try {
      // One REPEATABLE READ snapshot: the schema and the data as of one moment.
      recorded = await db.readOnly((session) => readState((sql, params) => session.query(sql, params), schemas, config.thresholds.exactCountMaxRows));
    } catch (err) {
      const cause = (err as { code?: string }).code?.startsWith('E') || /connect/i.test((err as Error).message) ? describeConnectionError(err, databaseURL) : whyUnobservable(err) ?? (err as Error).message.split('\n')[0];
      console.error(`Verity: cannot record the baseline of ${displayURL(databaseURL)}: ${cause}`);
      return 2;
    } finally {
      await db.end();
    }
    // The findings of now, to accept: every probe but those that compare with a baseline.
    const found = await runProbes({ databaseURL, config, profile: run.profile, probes });
    if (found.unreachable) {
      console.error(`Verity: cannot run the probes: ${found.unreachable}`);
      return 2;
    }
    const accepted = acceptedEntries(found.outcomes, earlier?.accepted);
    const baseline: Baseline = {
      verity: 'baseline/1',
      recordedAt: new Date().toISOString(),
      database: displayURL(databaseURL),
      schemas,
      ...recorded,
      accepted,
    };
    const redactor = new Redactor(run.secrets, run.secretNames);
    writeFileSync(file, redactor.scrub(JSON.stringify(baseline, null, 2)) + '\n');
    console.log(redactor.scrub(report(file, baseline, earlier)));
    return 0;
  } finally {
    await run.stop();
  }
}

function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] ?? '' : undefined;
}

function report(file: string, baseline: Baseline, earlier: Baseline | undefined): string {
  const { schema, data, accepted } = baseline;
  const rows = Object.values(data.tables).reduce((sum, t) => sum + t.rows, 0);
  const lines = [
    `Baseline of ${baseline.database} (${baseline.schemas.join(', ')}) written to ${file}`,
    `  schema: ${Object.keys(schema.relations).length} tables and views, ${Object.keys(schema.constraints).length} constraints, ${Object.keys(schema.indexes).length} indexes, ${Object.keys(schema.sequences).length} sequences, ${Object.keys(schema.functions).length} functions`,
    `  data:   ${Object.keys(data.tables).length} tables, ${rows} rows${Object.values(data.tables).some((t) => t.estimated) ? ' (some estimated)' : ''}`,
    `  accepted findings: ${accepted.length}`,
  ];
  if (earlier) {
    const now = new Set(accepted.map((e) => findingKey(e.probe, e)));
    const before = new Set(earlier.accepted.map((e) => findingKey(e.probe, e)));
    const pruned = earlier.accepted.filter((e) => !now.has(findingKey(e.probe, e)));
    const added = accepted.filter((e) => !before.has(findingKey(e.probe, e)));
    lines.push(`  since ${earlier.recordedAt}: ${pruned.length} accepted finding(s) pruned (no longer found), ${added.length} new (without a reason yet), the others' reasons kept`);
  }
  const unreviewed = accepted.filter((e) => !e.reason.trim()).length;
  if (unreviewed) lines.push('', `Review: ${unreviewed} accepted finding(s) have no reason yet. Write each one's "reason" in the file (and an optional "until": YYYY-MM-DD); until then the run warns about them.`);
  lines.push(`Then: VERITY_BASELINE=${file} npm run probe`);
  return lines.join('\n');
}

runCommand(main);
