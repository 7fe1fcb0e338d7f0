import { displayName, fingerprintTargets, readSequencePositions, readTablePrint, type TablePrint } from '../src/baseline.ts';
import { defineProbe, type Severity } from './probe.ts';

export default defineProbe({
  id: 'data-loss',
  title: 'Data as in the baseline, or more',
  group: 'Baseline',
  severity: 'critical',
  what: "Each table's rows, the newest value of each timestamp column, the highest integer key and each sequence's position, against the baseline's (npm run baseline). Fails when a table has fewer rows beyond its tolerance (database.dataLoss in the profile: 5% by default, per table where the app deletes on purpose), or when a newest timestamp, a highest key or a sequence has gone backwards. Row counts over VERITY_EXACT_COUNT_MAX_ROWS are pg_class's estimates, compared with a wider margin.",
  why: 'A restore from an older backup looks healthy on its own: every constraint holds, and the newest rows may still be inside a freshness window. Against the record of before it shows: rows missing, the newest ones gone, sequences rewound so that the next insert reuses a key already handed out.',
  async run(ctx) {
    if (!ctx.baseline) return ctx.skip('no baseline: record the known-good state with npm run baseline -- --out FILE, then set VERITY_BASELINE=FILE');
    const before = ctx.baseline.recorded.data;
    const { tolerance, tables: tolerances } = ctx.profile.dataLoss;
    const critical = new Set(ctx.profile.criticalTables);
    const severityOf = (table: string): Severity => (critical.has(table) ? 'critical' : 'major');
    const targets = new Map((await fingerprintTargets(ctx.query, ctx.baseline.recorded.schemas)).map((t) => [t.key, t]));

    for (const [key, was] of Object.entries(before.tables)) {
      const target = targets.get(key);
      // A table that is gone is schema-drift's to tell.
      if (!target) continue;
      const allowed = tolerances[target.table] ?? tolerance;
      if (allowed >= 1) continue;
      const name = displayName(key);
      await ctx.step(`Rows and newest values of ${name}`, async () => {
        if (target.unreadable) return ctx.fact(name, 'not compared: an UNLOGGED table cannot be read while the server is in recovery');
        let is: TablePrint;
        try {
          is = await readTablePrint(ctx.query, target, ctx.thresholds.exactCountMaxRows);
        } catch (err) {
          // Damaged pages are the checksum and B-tree probes' finding; here they only mean "not compared".
          if (!['XX001', 'XX002'].includes((err as { code?: string }).code ?? '')) throw err;
          return ctx.finding({ severity: 'minor', table: name, message: `${name}: not compared, the table could not be read (${(err as Error).message})` });
        }
        const estimated = is.estimated || was.estimated;
        // An estimate is pg_class's guess as of the last ANALYZE: a wider margin, never less than 10%.
        const margin = estimated ? Math.max(allowed, 0.1) : allowed;
        const lost = was.rows - is.rows;
        if (lost > 0 && lost > was.rows * margin) {
          const about = estimated ? 'about ' : '';
          ctx.finding({
            severity: severityOf(target.table), table: name, count: lost,
            message: `${name}: ${about}${is.rows} rows, ${Math.round((lost / was.rows) * 100)}% fewer than the baseline's ${about}${was.rows} (tolerance ${Math.round(margin * 100)}%): rows were lost`,
          });
        }
        for (const [column, newestBefore] of Object.entries(was.newest)) {
          const newestNow = is.newest[column];
          if (newestBefore === null || newestNow === undefined || newestNow === null) continue;
          if (Date.parse(newestNow) < Date.parse(newestBefore)) {
            ctx.finding({
              severity: severityOf(target.table), table: name, column,
              message: `${name}.${column}: the newest value is ${newestNow}, older than the baseline's ${newestBefore}: rows written before the baseline are gone (a restore from an older backup?)`,
            });
          }
        }
        if (was.maxKey && is.maxKey?.column === was.maxKey.column && BigInt(is.maxKey.value) < BigInt(was.maxKey.value)) {
          ctx.finding({
            severity: severityOf(target.table), table: name, column: was.maxKey.column,
            message: `${name}.${was.maxKey.column}: the highest key is ${is.maxKey.value}, below the baseline's ${was.maxKey.value}: the newest rows are gone`,
          });
        }
      });
    }

    await ctx.step('Sequence positions', async () => {
      const now = await readSequencePositions(ctx.query, ctx.baseline!.recorded.schemas);
      for (const [key, was] of Object.entries(before.sequences)) {
        if (was === null || !(key in now)) continue;
        const { position, readable } = now[key]!;
        if (!readable) {
          ctx.cannotObserve(`the position of sequence ${displayName(key)}: Verity's role may not read it (GRANT SELECT ON SEQUENCE)`);
          continue;
        }
        if (position === null || BigInt(position) < BigInt(was)) {
          ctx.finding({
            severity: 'major',
            message: `sequence ${displayName(key)} is ${position === null ? 'back at its start' : `at ${position}`}, behind the baseline's ${was}: it was rewound (a restore from an older backup?), and new rows may be given keys already handed out`,
          });
        }
      }
    });
  },
});
