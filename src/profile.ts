// A target profile says what is app-specific about a target: what its database must contain and
// obey, and how its API and pages are reached. What the catalog can tell (foreign keys, sequences,
// indexes) is discovered at run time and never listed here.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

/**
 * Whether SQL text is one statement or one expression with nothing smuggled after it: outside
 * string literals and quoted identifiers it has no ';', no comment and no dollar quoting. (Verity
 * sends every statement over the extended protocol, which refuses a second one anyway; this makes
 * a profile that tries fail when it is loaded, naming the field.)
 */
export function isSingleSqlText(sql: string): boolean {
  const outsideQuotes = sql.replace(/[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|"(?:[^"]|"")*"/g, ' ');
  if (/'|"/.test(outsideQuotes)) return false; // an unterminated quote
  return !/;|--|\/\*|\$(?!\d)/.test(outsideQuotes);
}
const sqlCondition = (example: string) =>
  z.string().min(1).refine(isSingleSqlText, `expected one SQL condition, e.g. ${example} (no ';', comments or dollar quoting)`);
const sqlQuery = z.string().regex(/^\s*(SELECT|WITH)\b/i, 'expected a SELECT query').refine(isSingleSqlText, "expected one SELECT query (no ';', comments or dollar quoting)");

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
  /**
   * References checked for orphans: ones that have no foreign key on purpose, and ones a foreign key
   * enforces today (foreignKey: true), so that losing that key is caught even without a baseline.
   */
  relationships: z.array(z.object({ from: column, to: column, foreignKey: z.boolean().default(false) })).default([]),
  rules: z.object({
    /** Columns that must hold a value that is not blank, on every row or where a condition holds (e.g. "is_active"). */
    notBlank: z.array(column.extend({ where: sqlCondition('is_active AND deleted_at IS NULL').optional() })).default([]),
    /** Columns whose values all match a pattern (a PostgreSQL regular expression), e.g. a password hash's format. */
    matches: z.array(column.extend({
      pattern: z.string().min(1),
      where: sqlCondition('is_active').optional(),
    })).default([]),
    /** Columns unique regardless of letter case (e.g. emails). */
    uniqueIgnoringCase: z.array(column).default([]),
    /** Every parent row has at least one child row (optionally of a kind). */
    everyParentHasChild: z.array(z.object({
      name: z.string(),
      parent: column,
      child: column,
      /** SQL condition on the child row (alias c), e.g. "c.settings_key = 'default_preferences'". */
      childWhere: sqlCondition("c.settings_key = 'default_preferences'").optional(),
    })).default([]),
  }).default({ notBlank: [], matches: [], uniqueIgnoringCase: [], everyParentHasChild: [] }),
  /** Tables whose newest row must be recent: an old newest row means a restore from an old backup. */
  freshness: z.array(z.object({ table: identifier, column: identifier, maxAgeHours: z.number().positive() })).default([]),
  /** Session and token tables: rows past their expiry that are still active. */
  sessions: z.array(z.object({
    table: identifier,
    expiresColumn: identifier,
    /** SQL condition (alias s) for "still active", e.g. "s.is_active" or "s.revoked_at IS NULL". */
    activeWhere: sqlCondition('s.revoked_at IS NULL'),
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
  /**
   * The known-good state (npm run baseline): a file, relative to this profile's folder.
   * VERITY_BASELINE wins over it.
   */
  baseline: z.string().min(1).optional(),
  /** How many rows a table may have lost since the baseline before data-loss fails: a fraction; 1 for a table the app empties on purpose. */
  dataLoss: z.object({
    tolerance: z.number().min(0).max(1).default(0.05),
    tables: z.record(identifier, z.number().min(0).max(1)).default({}),
  }).default({ tolerance: 0.05, tables: {} }),
  /** The target is a primary: being in recovery is a finding. */
  primary: z.boolean().default(true),
  /** Probes whose critical findings skip the journeys. */
  gates: z.array(z.string()).default(['connectivity', 'schema-presence']),
  /**
   * Per probe id: its findings' severity raised or lowered (critical, major: fail; minor: a
   * warning; info: a fact), or the probe turned off, always with the reason the report shows.
   */
  probes: z.record(z.string(), z.object({
    severity: z.enum(['critical', 'major', 'minor', 'info']).optional(),
    enabled: z.boolean().default(true),
    reason: z.string().min(10, 'expected the reason, in a sentence, that the report shows'),
  }).refine((o) => o.severity !== undefined || !o.enabled, 'expected a severity, or enabled: false')).default({}),
});

const urlPath = z.string().startsWith('/', 'expected a path starting with /');
/** One auth call: its method, and its body as a template ("{email}", "{password}", "{refreshToken}" in string values). */
const authRequest = z.object({
  method: z.enum(['POST', 'PUT', 'PATCH', 'GET', 'DELETE']).default('POST'),
  /** A JSON template, e.g. { "email": "{email}", "password": "{password}", "remember": true }; absent: the default for the call. */
  body: z.record(z.string(), z.unknown()).optional(),
  /** Sent as JSON, or form-encoded (application/x-www-form-urlencoded). */
  bodyFormat: z.enum(['json', 'form']).default('json'),
});
/** Where a token is in an answer: a JSON pointer (RFC 6901) into the body, a cookie the answer sets, or a response header. */
const tokenLocation = z.discriminatedUnion('from', [
  z.object({ from: z.literal('json'), pointer: z.string().refine((p) => p === '' || p.startsWith('/'), 'expected a JSON pointer, e.g. /data/access_token') }),
  z.object({ from: z.literal('cookie'), name: z.string().min(1) }),
  z.object({ from: z.literal('header'), name: z.string().min(1) }),
]);
// A regular expression when it starts with ^ (e.g. '^/api/v1/admin/'), otherwise a glob ('/api/v1/*/stats', '/internal/**').
const pathPattern = z.string().min(1).refine((p) => {
  if (!p.startsWith('^')) return true;
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}, 'expected a glob, or a valid regular expression starting with ^');
/** Something the app does on purpose that would otherwise fail a test: a regular expression (source or RegExp) and why it is fine. */
const allowance = z.object({
  pattern: z.union([z.string().min(1), z.instanceof(RegExp)]),
  reason: z.string().min(10, 'expected the reason, in a sentence, that the report shows'),
});
const pageObject = z.custom<new (page: any) => object>((v) => typeof v === 'function', 'expected a page-object class');

const appSchema = z.object({
  /** Answers 200 when the app and its database are up. */
  healthPath: urlPath.default('/health'),
  /** Where the app says its version (a JSON answer's field, dotted for nested ones): shown in the report. */
  version: z.object({ path: urlPath, field: z.string().min(1) }).optional(),
  /** Public endpoints that must answer 200: the app's info, its API docs. */
  publicPaths: z.array(urlPath).default([]),
  /** Where the app publishes its OpenAPI document; its protected GET endpoints are then checked without new code. */
  openApiPath: urlPath.optional(),
  auth: z.object({
    /**
     * How tokens travel. 'bearer': in JSON bodies, kept by the SPA in storage; 'cookie': HttpOnly
     * cookies set by login and refreshed by a cookie-authenticated POST. 'from-target': the
     * embedded demo says which mode it runs.
     */
    transport: z.enum(['bearer', 'cookie', 'from-target']).default('from-target'),
    loginPath: urlPath,
    refreshPath: urlPath,
    logoutPath: urlPath,
    emailField: z.string().default('email'),
    passwordField: z.string().default('password'),
    /** Bearer transport: where the tokens are in the JSON bodies. */
    accessTokenField: z.string().default('access_token'),
    refreshTokenField: z.string().default('refresh_token'),
    /** Cookie transport: the cookie names. */
    accessCookie: z.string().default('access_token'),
    refreshCookie: z.string().default('refresh_token'),
    /**
     * The calls themselves, where they differ from the default (POST; login {emailField: "{email}",
     * passwordField: "{password}"}; refresh {refreshTokenField: "{refreshToken}"} in bearer
     * transport, none in cookie; logout no body).
     */
    loginRequest: authRequest.optional(),
    refreshRequest: authRequest.optional(),
    logoutRequest: authRequest.optional(),
    /** Where the tokens are in the login and refresh answers; default: accessTokenField/refreshTokenField (bearer) or accessCookie/refreshCookie (cookie). */
    accessToken: tokenLocation.optional(),
    refreshToken: tokenLocation.optional(),
    /** How later requests present the access token; default: "Authorization: Bearer …" (bearer), the access cookie (cookie). */
    presentAccessToken: z.discriminatedUnion('as', [
      z.object({ as: z.literal('header'), name: z.string().min(1).default('authorization'), prefix: z.string().default('Bearer ') }),
      z.object({ as: z.literal('cookie'), name: z.string().min(1) }),
    ]).optional(),
    /** The status a refused sign-in (wrong password, unknown email) gets. */
    refusedLoginStatus: z.number().int().min(400).max(499).default(401),
    /** The claim naming the user, and what it holds: the user's id (users.idColumn) or email. */
    subjectClaim: z.string().min(1).default('sub'),
    subjectHolds: z.enum(['id', 'email']).default('id'),
    /** The signing algorithms the tokens may use (e.g. ['RS256']); absent: whatever the key allows. */
    algorithms: z.array(z.string().min(1)).min(1).optional(),
    jwksPath: urlPath.optional(),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    /** The JWT claim naming the server-side session; ties a token to its session row. */
    sessionClaim: z.string().default('sid'),
    /**
     * The session row's key is the refresh token itself (no claim of the API's tokens names the
     * session): the session is found by the refresh token a sign-in or refresh answered.
     */
    sessionIsRefreshToken: z.boolean().default(false),
    /**
     * Sign-out ends the access token at once (false: access tokens are stateless and live out their
     * lifetime; sign-out must then end the refresh token and the session row, and the access
     * token's lifetime must be within VERITY_ACCESS_TTL_SECONDS).
     */
    signOutEndsAccessToken: z.boolean().default(true),
    /**
     * Seconds a token replaced by a refresh stays valid (some apps keep the old one briefly for
     * requests in flight): a token the pages held before signing out is then refused within this.
     */
    rotationGraceSeconds: z.number().int().nonnegative().default(0),
    /**
     * The cookie the app's pages keep their session in when it is itself the JWT (a session-cookie
     * app, e.g. one whose pages sign in otherwise than its API): the pages' access token is read
     * from it, and journeys that start signed in sign in through the sign-in page.
     */
    browserCookie: z.string().min(1).optional(),
    /** Presenting a revoked refresh token revokes its whole family. */
    reuseDetection: z.boolean().default(false),
    /** How the SPA keeps a session in the browser, per transport: localStorage key → 'access' | 'refresh' | a literal value. */
    browserStorage: z.object({
      bearer: z.record(z.string(), z.string()).default({}),
      cookie: z.record(z.string(), z.string()).default({}),
    }).default({ bearer: {}, cookie: {} }),
  }).optional(),
  /** API endpoints with app-specific meaning. */
  api: z.object({
    /** The signed-in user: its id and email fields (a field name, or a JSON pointer such as /data/email). */
    me: z.object({ path: urlPath, idField: z.string().default('id'), emailField: z.string().default('email') }).optional(),
    /** Protected GET endpoints; OpenAPI-discovered ones are added. A zod schema here overrides the document's. */
    protected: z.array(z.object({ path: urlPath, schema: z.custom<z.ZodType>((v) => v instanceof z.ZodType).optional() })).default([]),
    /** Sample values for path parameters, e.g. { conversation_id: 'from:/api/v1/chat/conversations#items.0.conversation_id' }. */
    sampleIds: z.record(z.string(), z.string()).default({}),
    /** An endpoint only admins may call. */
    adminOnly: urlPath.optional(),
    /** A resource that belongs to one user: another user must not read it. */
    ownedResource: z.object({ listPath: urlPath, itemsField: z.string(), idField: z.string(), itemPath: urlPath }).optional(),
    /** Statuses that count as refusing a call without a token or with a garbage one (some apps answer 403). */
    refusedStatuses: z.array(z.number().int().min(400).max(499)).min(1).default([401]),
    /**
     * Read the OpenAPI document signed in (some apps list protected endpoints only to a signed-in
     * caller): true or 'qa' as a QA account, 'admin' as the admin account (some list them only to admins).
     */
    openApiSignedIn: z.union([z.boolean(), z.enum(['qa', 'admin'])]).default(false).transform((v): false | 'qa' | 'admin' => (v === true ? 'qa' : v)),
    /** The document's protected paths checked / left out: globs (`*` one segment, `**` any) or regular expressions starting with ^. */
    include: z.array(pathPattern).default([]),
    exclude: z.array(pathPattern).default([]),
    /** Security headers the app does not send, on purpose, each with the reason the report shows (e.g. x-content-type-options). */
    headersNotSent: z.array(z.object({ header: z.string().min(1).transform((h) => h.toLowerCase()), reason: z.string().min(10, 'expected the reason, in a sentence, that the report shows') })).default([]),
  }).default({ protected: [], sampleIds: {}, refusedStatuses: [401], openApiSignedIn: false, include: [], exclude: [], headersNotSent: [] }),
  ui: z.object({
    loginRoute: urlPath.default('/login'),
    /** Signed-in pages, each checked for the user's data; keys name the page objects below. */
    protectedRoutes: z.record(z.string(), urlPath).default({}),
    /**
     * The page a signed-in journey opens first (default: protectedRoutes.dashboard, else /). Where
     * an app's root goes to its sign-in page even when signed in, name the page it lands on.
     */
    homeRoute: urlPath.optional(),
    /** Page-object classes: an app whose pages differ supplies its own, and the same journeys drive it. */
    pages: z.record(z.string(), pageObject).default({}),
    /** Console messages the app logs on purpose (matched against the message), each with the reason the report shows. */
    expectedConsole: z.array(allowance).default([]),
    /** Failed requests (5xx, or JSON calls answered otherwise) the app makes on purpose (matched against "METHOD URL"), with the reason. */
    expectedFailedRequests: z.array(allowance).default([]),
    /**
     * How a page shows it is signed in, for apps whose pages are not the demo's: its path matches
     * `path` (a regular expression), `text` is visible ("{email}" stands for the account's), and with
     * `me`, the app.api.me endpoint called with the page's own session names the account.
     */
    signedIn: z.object({ path: z.string().min(1).optional(), text: z.string().min(1).optional(), me: z.boolean().default(false) }).optional(),
    /** How a page signs out: a route that signs out when opened, or a button's accessible name. */
    signOut: z.union([z.object({ route: urlPath }), z.object({ button: z.string().min(1) })]).optional(),
  }).default({ loginRoute: '/login', protectedRoutes: {}, pages: {}, expectedConsole: [], expectedFailedRequests: [] }),
  /** Cross-layer checks: where the database records what the UI and API do. */
  records: z.object({
    /** Session rows: table, key column, user column, and the condition for "active" (alias s). */
    sessions: z.object({ table: z.string(), idColumn: z.string(), userColumn: z.string(), activeWhere: sqlCondition('s.is_active') }),
    /** Refresh-token rows of a session: table, session column, condition for "revoked" (alias t). */
    tokens: z.object({ table: z.string(), sessionColumn: z.string(), revokedWhere: sqlCondition('t.revoked_at IS NOT NULL') }).optional(),
    /** The users table: id and email columns. */
    users: z.object({ table: z.string(), idColumn: z.string(), emailColumn: z.string() }),
    /** Counts a page shows, and the SQL giving the same count for a user ($1 = user id). */
    counts: z.array(z.object({ page: z.string(), name: z.string(), sql: sqlQuery })).default([]),
  }).optional(),
  /** The target's log file, where it has one Verity can read (the embedded demo's is known). */
  logFile: z.string().optional(),
});

const profileSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  database: databaseSchema,
  /** How the app is reached over HTTP and in the browser. Read by the journeys. */
  app: appSchema.default(appSchema.parse({})),
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

/** Built-in profiles live in profiles/, one module per name; loaded by path, so the core imports none of them. */
const builtInProfiles = fileURLToPath(new URL('../profiles/', import.meta.url));

/** A built-in profile by name (profiles/<name>.ts), or a module path exporting `default defineProfile({...})`. */
export async function loadProfile(nameOrPath: string, baseDir: string): Promise<Profile> {
  const builtIn = path.join(builtInProfiles, `${nameOrPath}.ts`);
  const file = /^[a-z0-9-]+$/.test(nameOrPath) && existsSync(builtIn) ? builtIn : path.resolve(baseDir, nameOrPath);
  const mod = await import(pathToFileURL(file).href).catch((err: Error) => {
    throw new Error(`VERITY_PROFILE: cannot load "${nameOrPath}": ${err.message.split('\n')[0]}`);
  });
  if (!mod?.default?.database) throw new Error(`VERITY_PROFILE: "${nameOrPath}" does not export default defineProfile({...})`);
  const profile: Profile = mod.default;
  // The baseline is named relative to the profile that names it.
  if (profile.database.baseline) return { ...profile, database: { ...profile.database, baseline: path.resolve(path.dirname(file), profile.database.baseline) } };
  return profile;
}
