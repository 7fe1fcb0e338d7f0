// The release verdict of a run: one rule, from which the exit code, the console summary,
// summary.md and the Allure report's quality gate all come, for `verify` and `probe` alike.
//   UNKNOWN           exit 2  Verity could not observe (its config, its access, an unreachable
//                             target, no browser, a probe it could not finish): until that is
//                             mended, a failure may be Verity's, not the target's.
//   NO-GO             exit 1  the target failed a check: a journey, or a probe with a critical or
//                             major finding, whether or not the Playwright project that reports
//                             the probes ran.
//   GO WITH WARNINGS  exit 0  nothing failed, but there are minor or accepted findings, checks that passed
//                             only on a retry (flaky), or sessions Verity could not close, to read.
//   GO                exit 0  every check passed, nothing to read.
import { isWarning, type ProbeRun } from './findings.ts';

export type VerdictName = 'GO' | 'GO WITH WARNINGS' | 'NO-GO' | 'UNKNOWN';

export interface Observations {
  /** The database checks, as they ran (in global setup, or in `npm run probe`). */
  probes?: ProbeRun;
  /** Failed API, UI and setup checks: their titles. */
  failedJourneys: string[];
  /** What the target did wrong outside any one check, seen once the run ended (it lost its database, an account). */
  targetFailures?: string[];
  /** Checks that failed, then passed on a retry: never hidden, they are warnings. */
  flaky?: string[];
  /** Sessions Verity opened on the target and could not close: an infrastructure warning, where and how many. */
  leftOpen?: string[];
  /** What Verity could not observe, besides what the probes say of themselves (an unreachable database included): one line each. */
  unobserved: string[];
}

export interface Verdict {
  name: VerdictName;
  exitCode: 0 | 1 | 2;
  /** One line a release manager reads: the verdict and why. */
  headline: string;
  /** Every reason Verity could not observe, probes' included. */
  unobserved: string[];
  /** What failed: what the target did wrong outside any check, probe ids, then journey titles. */
  failures: string[];
  /** The first of those: seen once the run ended. */
  targetFailures: string[];
  /** Minor and accepted findings ("probe: message", "probe: accepted: message"), flaky checks ("flaky: title") and sessions left open. */
  warnings: string[];
}

export function verdictOf({ probes, failedJourneys, targetFailures = [], unobserved, flaky = [], leftOpen = [] }: Observations): Verdict {
  const outcomes = probes?.outcomes ?? [];
  // A database Verity could not reach at all is the caller's to judge: Verity's problem, or the
  // target's when its own health check says its database is down.
  const probeGaps = probes?.unreachable ? [] : outcomes.filter((o) => o.status === 'broken').map((o) => `${o.id}: ${o.unobserved[0] ?? 'not fully observed'}`);
  const all = {
    unobserved: [...unobserved, ...probeGaps],
    failures: [...targetFailures, ...outcomes.filter((o) => o.status === 'failed').map((o) => o.id), ...failedJourneys],
    targetFailures,
    warnings: [
      ...outcomes.flatMap((o) => o.findings.filter(isWarning).map((f) => `${o.id}: ${f.accepted ? 'accepted: ' : ''}${f.message}`)),
      ...flaky.map((title) => `flaky: ${title}`),
      ...leftOpen.map((where) => `sessions left open: ${where}`),
    ],
  };
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (all.unobserved.length) return { name: 'UNKNOWN', exitCode: 2, headline: `UNKNOWN: Verity could not observe the target (${count(all.unobserved.length, 'cause')})`, ...all };
  if (all.failures.length) return { name: 'NO-GO', exitCode: 1, headline: `NO-GO: the target failed ${count(all.failures.length, 'check')}`, ...all };
  if (all.warnings.length) return { name: 'GO WITH WARNINGS', exitCode: 0, headline: `GO WITH WARNINGS: every check passed, ${count(all.warnings.length, 'warning')} to read`, ...all };
  return { name: 'GO', exitCode: 0, headline: 'GO: every check passed', ...all };
}
