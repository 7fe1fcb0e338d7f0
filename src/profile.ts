// A target profile says what is app-specific about a target: what its database must contain and
// obey, and how its API and pages are reached. What the catalog can tell (foreign keys, sequences,
// indexes) is discovered at run time and never listed here.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

const identifier = z.string().regex(/^[a-z_][a-z0-9_$]*$/i, 'expected a plain SQL identifier');
const column = z.object({ table: identifier, column: identifier });

const databaseSchema = z.object({
  /** Schemas Verity inspects. */
  schemas: z.array(identifier).default(['public']),
  /** Tables that must exist. Their absence is a finding; tables not listed are reported as unexpected. */
  expectedTables: z.array(identifier),
  /** Tables whose absence makes the target unusable: a gate for the journeys. */
  criticalTables: z.array(identifier),
  expectedExtensions: z.array(identifier).default([]),
  /** References that have no foreign key on purpose; checked for orphans like foreign keys. */
  relationships: z.array(z.object({ from: column, to: column })).default([]),
  rules: z.object({
    /** Columns that must hold a value that is not blank. */
    notBlank: z.array(column).default([]),
    /** Columns unique regardless of letter case (e.g. emails). */
    uniqueIgnoringCase: z.array(column).default([]),
    /** Every parent row has at least one child row (optionally of a kind). */
    everyParentHasChild: z.array(z.object({
      name: z.string(),
      parent: column,
      child: column,
      /** SQL condition on the child row (alias c), e.g. "c.settings_key = 'default_preferences'". */
      childWhere: z.string().optional(),
    })).default([]),
  }).default({ notBlank: [], uniqueIgnoringCase: [], everyParentHasChild: [] }),
  /** Tables whose newest row must be recent: an old newest row means a restore from an old backup. */
  freshness: z.array(z.object({ table: identifier, column: identifier, maxAgeHours: z.number().positive() })).default([]),
  /** Session and token tables: rows past their expiry that are still active. */
  sessions: z.array(z.object({
    table: identifier,
    expiresColumn: identifier,
    /** SQL condition (alias s) for "still active", e.g. "s.is_active" or "s.revoked_at IS NULL". */
    activeWhere: z.string(),
    maxExpiredActive: z.number().int().nonnegative(),
  })).default([]),
  /** The role the application connects as, and what it must be allowed on its tables. */
  applicationRole: z.object({
    name: identifier,
    privileges: z.array(z.enum(['SELECT', 'INSERT', 'UPDATE', 'DELETE'])),
    exceptTables: z.array(identifier).default([]),
  }).optional(),
  /** Tables that must not be empty while another is not (an UNLOGGED table is emptied by a crash). */
  mustNotBeEmpty: z.array(z.object({ table: identifier, whenNotEmpty: identifier })).default([]),
  /** The target is a primary: being in recovery is a finding. */
  primary: z.boolean().default(true),
  /** Probes whose critical findings skip the journeys. */
  gates: z.array(z.string()).default(['connectivity', 'schema-presence']),
});

const profileSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  database: databaseSchema,
  /** How the app is reached over HTTP. */
  app: z.object({
    /** Answers 200 when the app and its database are up. */
    healthPath: z.string().startsWith('/').default('/health'),
  }).default({ healthPath: '/health' }),
});

export type ProfileInput = z.input<typeof profileSchema>;
export type Profile = z.output<typeof profileSchema>;
export type DatabaseProfile = Profile['database'];

export function defineProfile(profile: ProfileInput): Profile {
  const parsed = profileSchema.safeParse(profile);
  if (!parsed.success) {
    throw new Error(`profile "${profile.name ?? '?'}" is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

const builtIn: Record<string, () => Promise<{ default: Profile }>> = {
  'personal-assistant': () => import('../profiles/personal-assistant.ts'),
};

/** A built-in profile by name, or a module path exporting `default defineProfile({...})`. */
export async function loadProfile(nameOrPath: string, baseDir: string): Promise<Profile> {
  const load = builtIn[nameOrPath] ?? (() => import(pathToFileURL(path.resolve(baseDir, nameOrPath)).href));
  const mod = await load().catch((err: Error) => {
    throw new Error(`VERITY_PROFILE: cannot load "${nameOrPath}": ${err.message.split('\n')[0]}`);
  });
  if (!mod?.default?.database) throw new Error(`VERITY_PROFILE: "${nameOrPath}" does not export default defineProfile({...})`);
  return mod.default;
}
