// The verdict of a run: one rule, from which the exit code and the summary's result line both come,
// for `verify` and `probe` alike.
//   2  Verity could not observe (its config, its access, an unreachable target, no browser, a probe
//      it could not finish): until that is mended, a failure may be Verity's, not the target's.
//   1  the target failed a check: a journey, or a probe with a critical or major finding, whether
//      or not the Playwright project that reports the probes ran.
//   0  every check passed.
import type { ProbeRun } from './findings.ts';

export interface Observations {
  /** The database checks, as they ran (in global setup, or in `npm run probe`). */
  probes?: ProbeRun;
  /** Failed API, UI and setup checks: their titles. */
  failedJourneys: string[];
  /** What Verity could not observe, besides what the probes say of themselves (an unreachable database included): one line each. */
  unobserved: string[];
}

export interface Verdict {
  exitCode: 0 | 1 | 2;
  result: string;
  /** Every reason Verity could not observe, probes' included. */
  unobserved: string[];
  failedProbes: string[];
}

export function verdictOf({ probes, failedJourneys, unobserved }: Observations): Verdict {
  // A database Verity could not reach at all is the caller's to judge: Verity's problem, or the
  // target's when its own health check says its database is down.
  const probeGaps = probes?.unreachable ? [] : probes?.outcomes.filter((o) => o.status === 'broken').map((o) => `${o.id}: ${o.unobserved[0] ?? 'not fully observed'}`) ?? [];
  const allUnobserved = [...unobserved, ...probeGaps];
  const failedProbes = (probes?.outcomes ?? []).filter((o) => o.status === 'failed').map((o) => o.id);
  if (allUnobserved.length) return { exitCode: 2, result: 'INCOMPLETE: Verity could not observe the target', unobserved: allUnobserved, failedProbes };
  if (failedProbes.length || failedJourneys.length) return { exitCode: 1, result: 'NOT VERIFIED: the target failed checks', unobserved: allUnobserved, failedProbes };
  return { exitCode: 0, result: 'VERIFIED: every check passed', unobserved: allUnobserved, failedProbes };
}
