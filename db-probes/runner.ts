// Runs the probes against one database: each in its own READ ONLY transaction, a few at a time,
// each bounded in time. A probe's exception or timeout becomes a finding, never a crash.
import type { Config } from '../src/config.ts';
import { GuardedDatabase, describeConnectionError, maxConnections, redactConnectionString } from '../src/db.ts';
import type { Profile } from '../src/profile.ts';
import { isBlocking as blocking, type Finding, type ProbeOutcome, type ProbeRun, type StepRecord } from '../src/findings.ts';
import type { Probe, ProbeContext } from './probe.ts';

export type { ProbeOutcome, ProbeRun, StepRecord, StepStatus } from '../src/findings.ts';

export interface RunOptions {
  databaseURL: string;
  config: Pick<Config, 'database' | 'thresholds' | 'budgets'>;
  profile: Profile;
  probes: Probe[];
}

class Skip extends Error {}

export async function runProbes(options: RunOptions): Promise<ProbeRun> {
  const { config, profile, probes } = options;
  const db = new GuardedDatabase(options.databaseURL, config.database);
  const run: ProbeRun = { database: redactConnectionString(options.databaseURL), startedAt: new Date().toISOString(), outcomes: [], gate: { open: true } };
  try {
    try {
      await db.readOnly((s) => s.query('SELECT 1'));
    } catch (err) {
      run.unreachable = describeConnectionError(err, options.databaseURL);
    }
    const queue = [...probes];
    const results = new Map<string, ProbeOutcome>();
    const worker = async () => {
      for (let probe = queue.shift(); probe; probe = queue.shift()) {
        results.set(probe.id, run.unreachable ? unreachableOutcome(probe, run.unreachable) : await runOne(db, probe, options));
      }
    };
    await Promise.all(Array.from({ length: maxConnections }, worker));
    run.outcomes = probes.map((p) => results.get(p.id)!);
  } finally {
    await db.end();
  }
  const gateFinding = run.outcomes
    .filter((o) => profile.database.gates.includes(o.id))
    .flatMap((o) => o.findings.filter((f) => f.severity === 'critical'))[0];
  if (run.unreachable) run.gate = { open: false, reason: `database unreachable: ${run.unreachable}` };
  else if (gateFinding) run.gate = { open: false, reason: gateFinding.message };
  return run;
}

function baseOutcome(probe: Probe): ProbeOutcome {
  const { id, title, group, severity, what, why } = probe;
  return { id, title, group, severity, what, why, status: 'passed', findings: [], facts: [], steps: [], durationMs: 0 };
}

function unreachableOutcome(probe: Probe, cause: string): ProbeOutcome {
  const outcome = baseOutcome(probe);
  if (probe.id === 'connectivity') {
    outcome.status = 'failed';
    outcome.findings.push({ severity: 'critical', message: `Cannot connect: ${cause}` });
  } else {
    outcome.status = 'skipped';
    outcome.skipReason = `database unreachable: ${cause}`;
  }
  return outcome;
}

async function runOne(db: GuardedDatabase, probe: Probe, options: RunOptions): Promise<ProbeOutcome> {
  const outcome = baseOutcome(probe);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`probe did not finish within ${options.config.database.probeTimeoutMs / 1000} s`)), options.config.database.probeTimeoutMs);
  });
  try {
    await Promise.race([
      db.readOnly(async (session) => {
        let current: StepRecord | undefined;
        const record = (finding: Finding) => {
          outcome.findings.push(finding);
          current?.findings.push(finding);
        };
        const ctx: ProbeContext = {
          profile: options.profile.database,
          thresholds: { ...options.config.thresholds, dbLatencyMs: options.config.budgets.dbLatencyMs },
          query: async (sql, params) => {
            current?.queries.push(normalizeSql(sql));
            return session.query(sql, params);
          },
          finding: record,
          fact: (name, value) => outcome.facts.push({ name, value: String(value) }),
          skip: (reason) => {
            throw new Skip(reason);
          },
          step: async (name, check) => {
            const step: StepRecord = { name, status: 'passed', findings: [], queries: [], durationMs: 0 };
            const stepStarted = performance.now();
            outcome.steps.push(step);
            current = step;
            let returned = false;
            try {
              await session.isolated(async () => {
                await check();
                returned = true;
              });
            } catch (err) {
              if (err instanceof Skip) throw err;
              // The check caught an SQL error itself (and reported it as it saw fit): the transaction
              // was left aborted, so releasing the savepoint failed and isolated() rolled back to it.
              // The step completed; the rest of the probe runs on a usable transaction.
              if (returned && (err as { code?: string }).code === '25P02') return;
              step.error = (err as Error).message;
              record({ severity: 'major', message: `${name}: the check itself failed: ${(err as Error).message}`, query: step.queries.at(-1) });
            } finally {
              current = undefined;
              step.durationMs = Math.round(performance.now() - stepStarted);
              step.status = step.error ? 'broken' : step.findings.some(blocking) ? 'failed' : step.findings.length ? 'warning' : 'passed';
            }
          },
        };
        await probe.run(ctx);
      }),
      timeout,
    ]);
  } catch (err) {
    if (err instanceof Skip) {
      outcome.status = 'skipped';
      outcome.skipReason = err.message;
    } else {
      outcome.findings.push({ severity: 'major', message: `The probe failed: ${(err as Error).message}` });
    }
  } finally {
    clearTimeout(timer);
  }
  outcome.durationMs = Math.round(performance.now() - started);
  if (outcome.status !== 'skipped') outcome.status = outcome.findings.some(blocking) ? 'failed' : 'passed';
  return outcome;
}

function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

/** 0 all passed, 1 the database failed verification, 2 Verity could not observe it. */
export function exitCodeOf(run: ProbeRun): 0 | 1 | 2 {
  if (run.unreachable) return 2;
  return run.outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}
