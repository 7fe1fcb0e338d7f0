// Findings a person accepted as the known-good state (a baseline's `accepted` list), applied to a
// run's outcomes the way ESLint applies bulk suppressions: what was there is accepted (shown as
// accepted, with its reason, never hidden), anything new or worse fails, and what is gone is
// listed for pruning.
import type { AcceptedFinding } from './baseline.ts';
import type { Finding, ProbeOutcome } from './findings.ts';

/**
 * What identifies a finding across runs: its probe, table, column and message with the numbers
 * left out (counts, ages and sizes change from run to run; the table and the rule do not).
 */
export function findingKey(probe: string, finding: Pick<Finding, 'message' | 'table' | 'column'>): string {
  return [probe, finding.table ?? '', finding.column ?? '', finding.message.replace(/\d+(\.\d+)?/g, '#')].join('\u0000');
}

export interface AcceptanceReview {
  /** Findings accepted this run. */
  accepted: { probe: string; finding: Finding; entry: AcceptedFinding }[];
  /** Entries with no reason: nobody has reviewed them yet. */
  unreviewed: AcceptedFinding[];
  /** Entries whose `until` has passed: their findings fail again. */
  expired: AcceptedFinding[];
  /** Findings worse than accepted (a higher count): they fail again. */
  worse: { probe: string; finding: Finding; entry: AcceptedFinding }[];
  /** Entries no finding matched this run: to prune with `npm run baseline -- --update`. */
  noLongerFound: AcceptedFinding[];
}

/** Marks the findings the entries accept (finding.accepted), in place; `today` is YYYY-MM-DD. */
export function applyAcceptances(outcomes: ProbeOutcome[], entries: AcceptedFinding[], today: string): AcceptanceReview {
  const review: AcceptanceReview = { accepted: [], unreviewed: entries.filter((e) => !e.reason.trim()), expired: [], worse: [], noLongerFound: [] };
  const byKey = new Map(entries.map((e) => [findingKey(e.probe, e), e]));
  const matched = new Set<AcceptedFinding>();
  for (const outcome of outcomes) {
    for (const finding of outcome.findings) {
      if (finding.severity === 'info') continue;
      const entry = byKey.get(findingKey(outcome.id, finding));
      if (!entry) continue;
      matched.add(entry);
      if (entry.until && entry.until < today) {
        if (!review.expired.includes(entry)) review.expired.push(entry);
        finding.message += ` (accepted in the baseline until ${entry.until}, which has passed)`;
      } else if (entry.count !== undefined && finding.count !== undefined && finding.count > entry.count) {
        review.worse.push({ probe: outcome.id, finding, entry });
        finding.message += ` (worse than the baseline accepted: ${entry.count} then, ${finding.count} now)`;
      } else {
        finding.accepted = { reason: entry.reason.trim(), ...(entry.until ? { until: entry.until } : {}) };
        review.accepted.push({ probe: outcome.id, finding, entry });
      }
    }
  }
  review.noLongerFound = entries.filter((e) => !matched.has(e));
  return review;
}

/**
 * The entries a baseline records for the findings of now: every finding that is not a fact,
 * keeping the reason and date of an earlier entry for the same finding (`--update`).
 */
export function acceptedEntries(outcomes: ProbeOutcome[], earlier: AcceptedFinding[] = []): AcceptedFinding[] {
  const earlierByKey = new Map(earlier.map((e) => [findingKey(e.probe, e), e]));
  const entries = new Map<string, AcceptedFinding>();
  for (const outcome of outcomes) {
    for (const f of outcome.findings) {
      if (f.severity === 'info') continue;
      const key = findingKey(outcome.id, f);
      const before = earlierByKey.get(key);
      entries.set(key, {
        probe: outcome.id,
        severity: f.severity,
        message: f.message,
        ...(f.table ? { table: f.table } : {}),
        ...(f.column ? { column: f.column } : {}),
        ...(f.count !== undefined ? { count: f.count } : {}),
        reason: before?.reason ?? '',
        ...(before?.until ? { until: before.until } : {}),
      });
    }
  }
  return [...entries.values()];
}
