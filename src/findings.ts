// What the database checks produce, as the rest of Verity reads it: findings, facts, and the
// outcome of each probe. The probes (db-probes/) make these; the run state, the report and the
// summary read them, so the types live in the core.

/** critical and major fail the probe's test; minor passes with a warning; info never fails. */
export type Severity = 'critical' | 'major' | 'minor' | 'info';

export type ProbeGroup = 'Server' | 'Connectivity' | 'Schema' | 'Integrity' | 'Indexes' | 'Sessions' | 'Freshness' | 'Privileges' | 'Activity' | 'Crash signs' | 'Baseline';

export interface Finding {
  severity: Severity;
  /** Names the table, column and count: "users.email: 3 rows are empty or blank". */
  message: string;
  table?: string;
  column?: string;
  count?: number;
  /** The query that found it (never a secret). */
  query?: string;
  /** Accepted in the baseline as the known-good state: shown with its reason, never failing. */
  accepted?: { reason: string; until?: string };
}

/** A fact reported for the reader, never a failure: server version, row counts, … */
export interface Fact {
  name: string;
  value: string;
}

export type StepStatus = 'passed' | 'failed' | 'warning' | 'broken';

export interface StepRecord {
  name: string;
  status: StepStatus;
  findings: Finding[];
  queries: string[];
  error?: string;
  durationMs: number;
}

/** What a probe says of itself: shown in the report beside what it found. */
export interface ProbeDescription {
  id: string;
  title: string;
  group: ProbeGroup;
  /** The Allure severity of the probe's test. */
  severity: Exclude<Severity, 'info'>;
  what: string;
  why: string;
}

export interface ProbeOutcome extends ProbeDescription {
  /**
   * failed: a critical or major finding; broken: nothing failed, but Verity could not observe
   * everything the probe checks (see `unobserved`); skipped: the probe did not apply.
   */
  status: 'passed' | 'failed' | 'broken' | 'skipped';
  skipReason?: string;
  /** What Verity could not observe, and why: its own privileges, limits or connection, never the target's data. */
  unobserved: string[];
  /** The profile set this probe's findings' severity: to what, and why. */
  severitySet?: { severity: Severity; reason: string };
  findings: Finding[];
  facts: Fact[];
  steps: StepRecord[];
  durationMs: number;
}

export interface ProbeRun {
  database: string;
  startedAt: string;
  /** Set when Verity could not connect at all. */
  unreachable?: string;
  outcomes: ProbeOutcome[];
  /** Closed when the database is unreachable or a gate probe has a critical finding. */
  gate: { open: boolean; reason?: string };
}

/** A critical or major finding nobody accepted: it fails its check. */
export const isBlocking = (f: Finding) => !f.accepted && (f.severity === 'critical' || f.severity === 'major');

/** What a reader should still read: minor findings, and accepted ones. */
export const isWarning = (f: Finding) => f.severity === 'minor' || (!!f.accepted && f.severity !== 'info');
