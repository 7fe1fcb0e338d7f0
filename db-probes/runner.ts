// Runs the probes against one database, a few at a time, each on a connection of its own and each
// bounded in time. What a probe finds becomes findings; what Verity could not observe (its role's
// privileges, its own limits, a lost connection, a probe past its time) is told apart from them,
// and never a crash.
import type { Config } from '../src/config.ts';
import { GuardedDatabase, describeConnectionError, maxConnections, whyUnobservable, type Connection, type ReadOnlySession } from '../src/db.ts';
import { displayURL } from '../src/redact.ts';
import type { Profile } from '../src/profile.ts';
import { applyAcceptances, type AcceptanceReview } from '../src/acceptance.ts';
import type { Baseline } from '../src/baseline.ts';
import { isBlocking as blocking, type Finding, type ProbeOutcome, type ProbeRun, type Severity, type StepRecord } from '../src/findings.ts';
import type { Probe, ProbeContext } from './probe.ts';

export type { ProbeOutcome, ProbeRun, StepRecord, StepStatus } from '../src/findings.ts';

export interface RunOptions {
  databaseURL: string;
  config: Pick<Config, 'database' | 'thresholds' | 'budgets'>;
  profile: Profile;
  probes: Probe[];
  /** The known-good state: the drift and data-loss probes compare with it, and its accepted findings are applied. */
  baseline?: { file: string; recorded: Baseline };
}

class Skip extends Error {}

export async function runProbes(options: RunOptions): Promise<ProbeRun> {
  const { config, profile, probes } = options;
  const db = new GuardedDatabase(options.databaseURL, config.database);
  const run: ProbeRun = { database: displayURL(options.databaseURL), startedAt: new Date().toISOString(), outcomes: [], gate: { open: true } };
  try {
    try {
      await db.readOnly((s) => s.query('SELECT 1'));
    } catch (err) {
      run.unreachable = describeConnectionError(err, options.databaseURL);
    }
    const results = new Map<string, ProbeOutcome>();
    const runAll = async (queue: Probe[], acceptance?: AcceptanceReview) => {
      const worker = async () => {
        for (let probe = queue.shift(); probe; probe = queue.shift()) {
          results.set(probe.id, run.unreachable ? unreachableOutcome(probe, run.unreachable) : await runOne(db, probe, options, acceptance));
        }
      };
      await Promise.all(Array.from({ length: maxConnections }, worker));
    };
    await runAll(probes.filter((p) => !p.runsLast));
    // The baseline's accepted findings are applied to what the others found; the last probes report how.
    const acceptance = options.baseline && !run.unreachable ? accept([...results.values()], options.baseline.recorded) : undefined;
    await runAll(probes.filter((p) => p.runsLast), acceptance);
    run.outcomes = probes.map((p) => results.get(p.id)!);
  } finally {
    await db.end();
  }
  const gateFinding = run.outcomes
    .filter((o) => profile.database.gates.includes(o.id))
    .flatMap((o) => o.findings.filter((f) => f.severity === 'critical' && !f.accepted))[0];
  if (run.unreachable) run.gate = { open: false, reason: `database unreachable: ${run.unreachable}` };
  else if (gateFinding) run.gate = { open: false, reason: gateFinding.message };
  return run;
}

function baseOutcome(probe: Probe): ProbeOutcome {
  const { id, title, group, severity, what, why } = probe;
  return { id, title, group, severity, what, why, status: 'passed', findings: [], facts: [], steps: [], unobserved: [], durationMs: 0 };
}

/** Verity could not connect: that is a fact about Verity's view, not a finding about the database. */
function unreachableOutcome(probe: Probe, cause: string): ProbeOutcome {
  const outcome = baseOutcome(probe);
  if (probe.id === 'connectivity') {
    outcome.status = 'broken';
    outcome.unobserved.push(`Cannot connect: ${cause}`);
  } else {
    outcome.status = 'skipped';
    outcome.skipReason = `database unreachable: ${cause}`;
  }
  return outcome;
}

/**
 * One probe, on a connection of its own: every step in its own short READ ONLY transaction (so
 * no lock outlives the step that took it), queries outside a step each in their own. Past the
 * probe timeout the probe is abandoned: its statement cancelled, its connection destroyed, and
 * whatever it still tries to report ignored.
 */
async function runOne(db: GuardedDatabase, probe: Probe, options: RunOptions, acceptance?: AcceptanceReview): Promise<ProbeOutcome> {
  const outcome = baseOutcome(probe);
  const setting = options.profile.database.probes[probe.id];
  if (setting && !setting.enabled) return { ...outcome, status: 'skipped', skipReason: `turned off by the profile: ${setting.reason}` };
  const started = performance.now();
  const limitMs = options.config.database.probeTimeoutMs;
  let abandoned = false;
  let connection: Connection | undefined;
  let current: { step: StepRecord; session: ReadOnlySession } | undefined;

  const unobserved = (what: string, err: unknown): boolean => {
    const why = whyUnobservable(err);
    if (why) outcome.unobserved.push(`${what}: ${why}`);
    return why !== undefined;
  };
  const ctx: ProbeContext = {
    profile: options.profile.database,
    thresholds: { ...options.config.thresholds, dbLatencyMs: options.config.budgets.dbLatencyMs },
    ...(options.baseline ? { baseline: options.baseline } : {}),
    ...(acceptance ? { acceptance } : {}),
    query: async (sql, params) => {
      if (abandoned) throw new Error('the probe was abandoned');
      if (current) {
        current.step.queries.push(normalizeSql(sql));
        return current.session.query(sql, params);
      }
      return connection!.transaction((session) => session.query(sql, params));
    },
    finding: (finding: Finding) => {
      if (abandoned) return;
      outcome.findings.push(finding);
      current?.step.findings.push(finding);
    },
    fact: (name, value) => {
      if (!abandoned) outcome.facts.push({ name, value: String(value) });
    },
    skip: (reason) => {
      throw new Skip(reason);
    },
    cannotObserve: (what) => {
      if (!abandoned) outcome.unobserved.push(what);
    },
    step: async (name, check) => {
      if (abandoned) throw new Error('the probe was abandoned');
      const step: StepRecord = { name, status: 'passed', findings: [], queries: [], durationMs: 0 };
      const stepStarted = performance.now();
      outcome.steps.push(step);
      try {
        await connection!.transaction(async (session) => {
          current = { step, session };
          await check();
        });
      } catch (err) {
        if (err instanceof Skip) throw err;
        step.error = (err as Error).message;
        if (!unobserved(name, err)) {
          ctx.finding({ severity: 'major', message: `${name}: the check itself failed: ${(err as Error).message}`, query: step.queries.at(-1) });
        }
      } finally {
        current = undefined;
        step.durationMs = Math.round(performance.now() - stepStarted);
        step.status = step.error ? 'broken' : step.findings.some(blocking) ? 'failed' : step.findings.length ? 'warning' : 'passed';
      }
    },
  };

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), limitMs)));
  const running = (async () => {
    const mine = await db.connect();
    connection = mine;
    try {
      if (!abandoned) await probe.run(ctx);
    } finally {
      // Abandoned before or while it ran: nobody else will give its connection back.
      if (abandoned) mine.release();
    }
  })();
  try {
    if ((await Promise.race([running, timedOut])) === 'timed out') {
      abandoned = true;
      outcome.unobserved.push(`the probe did not finish within ${limitMs / 1000} s: it was stopped and its statement cancelled`);
      running.catch(() => undefined);
      await connection?.abandon();
    }
  } catch (err) {
    if (err instanceof Skip) {
      outcome.status = 'skipped';
      outcome.skipReason = err.message;
    } else if (!unobserved('The probe', err)) {
      outcome.findings.push({ severity: 'major', message: `The probe failed: ${(err as Error).message}` });
    }
  } finally {
    clearTimeout(timer);
    connection?.release();
  }
  outcome.durationMs = Math.round(performance.now() - started);
  if (setting?.severity) withSeverity(outcome, setting.severity, setting.reason);
  if (outcome.status !== 'skipped') outcome.status = outcome.findings.some(blocking) ? 'failed' : outcome.unobserved.length ? 'broken' : 'passed';
  return outcome;
}

/** The profile's severity for this probe's findings (facts stay facts), recorded with its reason. */
function withSeverity(outcome: ProbeOutcome, severity: Severity, reason: string): void {
  // A step's findings are the outcome's own objects: setting them here sets both.
  for (const finding of outcome.findings) if (finding.severity !== 'info') finding.severity = severity;
  restate(outcome);
  outcome.severitySet = { severity, reason };
}

/** The baseline's accepted findings marked on the outcomes (in place), and how they met. */
function accept(outcomes: ProbeOutcome[], baseline: Baseline): AcceptanceReview {
  const review = applyAcceptances(outcomes, baseline.accepted, new Date().toISOString().slice(0, 10));
  for (const outcome of outcomes) restate(outcome);
  return review;
}

/** Steps' and the outcome's status from their findings, once those changed severity or were accepted. */
function restate(outcome: ProbeOutcome): void {
  for (const step of outcome.steps) {
    if (step.status === 'broken') continue;
    step.status = step.findings.some(blocking) ? 'failed' : step.findings.length ? 'warning' : 'passed';
  }
  if (outcome.status === 'failed' && !outcome.findings.some(blocking)) outcome.status = outcome.unobserved.length ? 'broken' : 'passed';
}

function normalizeSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
