// What a probe is: a small object that inspects one aspect of the database and returns findings.
// The runner, not the probe, owns connections, transactions, timeouts, concurrency and reporting.
import type { Config } from '../src/config.ts';
import type { DatabaseProfile } from '../src/profile.ts';
import type { AcceptanceReview } from '../src/acceptance.ts';
import type { Baseline } from '../src/baseline.ts';
import type { Fact, Finding, ProbeDescription } from '../src/findings.ts';

export type { Fact, Finding, ProbeGroup, Severity } from '../src/findings.ts';

export interface ProbeContext {
  /** Runs a read-only query (inside the probe's READ ONLY transaction). */
  query<T extends object = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** One rule or object checked: shown as a step in the report; an error inside is a finding. */
  step(name: string, check: () => Promise<void>): Promise<void>;
  finding(finding: Finding): void;
  fact(name: string, value: unknown): void;
  /** Ends the probe as skipped, with the reason shown in the report. */
  skip(reason: string): never;
  /** Says what Verity could not look at, and why (its role cannot read it): not a finding about the database. */
  cannotObserve(what: string): void;
  profile: DatabaseProfile;
  thresholds: Config['thresholds'] & { dbLatencyMs: number };
  /** The known-good state (VERITY_BASELINE or the profile's database.baseline), when there is one. */
  baseline?: { file: string; recorded: Baseline };
  /** For a probe that runs after the others: how the baseline's accepted findings met theirs. */
  acceptance?: AcceptanceReview;
}

export interface Probe extends ProbeDescription {
  /** Runs once every other probe has finished (it reads what they found: ctx.acceptance). */
  runsLast?: boolean;
  run(ctx: ProbeContext): Promise<void>;
}

export function defineProbe(probe: Probe): Probe {
  return probe;
}

/** Quotes an identifier for SQL built from catalog names. */
export function ident(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}

/** Where a table the profile names lives, and why it cannot be read right now, if it cannot. */
export interface LocatedTable {
  schema: string;
  /** UNLOGGED while the server is in recovery: PostgreSQL refuses to read those on a standby. */
  unreadable?: string;
}

/**
 * Finds each table the profile names in the first of its schemas that has one, as a search_path
 * listing those schemas would, so that probes query it schema-qualified (qualified()) and never
 * a same-named table elsewhere on the role's search_path. Tables in none of the schemas are left
 * out: schema-presence reports them.
 */
export async function locateTables(ctx: ProbeContext, tables: string[]): Promise<Map<string, LocatedTable>> {
  const rows = await ctx.query<{ name: string; schema: string; unreadable: boolean }>(
    `SELECT DISTINCT ON (c.relname) c.relname AS name, n.nspname AS schema,
            c.relpersistence = 'u' AND pg_is_in_recovery() AS unreadable
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND c.relname = ANY($2::text[])
     ORDER BY c.relname, array_position($1::text[], n.nspname::text)`,
    [ctx.profile.schemas, [...new Set(tables)]],
  );
  return new Map(rows.map((r) => [r.name, {
    schema: r.schema,
    ...(r.unreadable ? { unreadable: `UNLOGGED table ${r.name} cannot be read while the server is in recovery` } : {}),
  }]));
}

/**
 * Verity's role sees other roles' sessions in pg_stat_activity only as a member of
 * pg_read_all_stats (pg_monitor); without it, say what went unchecked (a minor finding).
 */
export async function noteHiddenActivity(ctx: ProbeContext, consequence: string): Promise<void> {
  const [visibility] = await ctx.query<{ sees_all: boolean }>(`SELECT pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS sees_all`);
  if (!visibility!.sees_all) ctx.finding({ severity: 'minor', message: `Verity's role is not a member of pg_read_all_stats (pg_monitor): ${consequence}` });
}

/** A span of seconds as a reader says it: 42.0 s, 17 min, 3.5 h, 2.0 days. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
