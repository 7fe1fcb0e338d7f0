// A first target profile, drafted from what a live database holds today, for a person to review.
// Everything is read through GuardedDatabase (read-only transactions, Verity's timeouts): the
// catalogs first, then bounded questions about the data. Every entry says why it was drafted, and
// the ones that are guesses rather than facts are marked for review.
//
//   draftProfile()           the catalog, then each section of the profile in turn
//   renderProfileModule()    the draft as the TypeScript module a team keeps, a comment on each entry
//
// Sections, in the order they are drafted: tables, critical tables, relationships without a
// foreign key, data rules (not blank, unique ignoring case, format patterns), sessions,
// freshness, the application role, and the app's health and OpenAPI paths.
import { GuardedDatabase, whyUnobservable, type DbSettings, type ReadOnlySession } from './db.ts';
import { displayURL } from './redact.ts';

export interface DraftOptions {
  databaseURL: string;
  /** When given, the app's health and OpenAPI paths are looked for there. */
  baseURL?: string;
  settings: DbSettings;
  /** Schemas to draft from; by default every schema holding the app's tables. */
  schemas?: string[];
}

/** Why an entry was drafted; `review` marks a guess the data supports but nothing enforces. */
export interface Why {
  why: string;
  review?: boolean;
}

export interface ColumnRef {
  table: string;
  column: string;
}

export interface ProfileDraft {
  name: string;
  /** Where it was drafted from, without credentials. */
  source: string;
  draftedOn: string;
  schemas: string[];
  expectedTables: (Why & { table: string; schema: string })[];
  /** Tables (and schemas) the profile cannot name, each with the reason. */
  leftOut: string[];
  criticalTables: (Why & { table: string })[];
  /** `active: false` entries are written commented out: they have orphans today. */
  relationships: (Why & { from: ColumnRef; to: ColumnRef; orphans: number; active: boolean })[];
  rules: {
    notBlank: (Why & ColumnRef)[];
    uniqueIgnoringCase: (Why & ColumnRef)[];
    matches: (Why & ColumnRef & { pattern: string })[];
  };
  sessions: (Why & { table: string; expiresColumn: string; activeWhere: string; maxExpiredActive: number })[];
  freshness: (Why & { table: string; column: string; maxAgeHours: number })[];
  applicationRole?: Why & { name: string; privileges: Privilege[]; exceptTables: string[] };
  app?: { healthPath?: Why & { path: string }; openApiPath?: Why & { path: string } };
  /** Why a section came out empty or an optional one was left out, by section name. */
  notes: Record<string, string>;
  /** Questions about the data that could not be answered, and why (their candidates were left out). */
  unanswered: string[];
}

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/** An optional section: drafted, or the reason it was not. */
type Drafted<T> = T | { whyNot: string };

/** The database could not be reached at all: nothing was drafted. */
export class DatabaseUnreachable extends Error {
  constructor(readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

// ---------------------------------------------------------------------------------------------
// The thresholds the heuristics use: each is a judgement, named here so it can be argued with.

/** A profile names tables and columns without quotes: anything else cannot be written in it. */
const plainIdentifier = /^[a-z_][a-z0-9_$]*$/i;
/** How many of the most referenced tables are critical, and the fewest references that counts. */
const mostReferenced = { top: 5, atLeast: 2 };
/** A reference found by its values alone: the share of values allowed to have no parent. */
const valueOnlyOrphanShare = 0.1;
/** A reference found by its name: beyond this share of orphans it is not one. */
const namedOrphanShare = 0.5;
/** Full orphan counts, and the cheap sampled look that precedes a values-only one. */
const maxOrphanCounts = 200;
const maxSampledLooks = 400;
const sampleRows = 200;
/** Values sampled to learn a pattern's characters and whether a column is an enum. */
const patternSampleRows = 1000;
/** Append-mostly: updates and deletes at most this share of inserts. */
const appendMostly = 0.2;
/** Freshness: the window the write rate is measured over, and the fewest writes in it that count. */
const freshnessWindowDays = 30;
const freshnessMinRows = 10;
/** Questions about the data run a few at a time: GuardedDatabase holds at most 4 connections. */
const concurrency = 4;

// ---------------------------------------------------------------------------------------------

export async function draftProfile(options: DraftOptions): Promise<ProfileDraft> {
  const db = new GuardedDatabase(options.databaseURL, options.settings);
  try {
    await db.readOnly((s) => s.query('SELECT 1')).catch((err) => {
      throw new DatabaseUnreachable(err);
    });
    const { database, schemas, kept: tables, leftOut } = await readCatalog(db, options.schemas);
    const ask = asker(db);
    const role = await draftApplicationRole(db, tables);
    const app = options.baseURL ? await draftApp(options.baseURL) : { whyNot: 'no BASE_URL was given: the app section keeps its defaults until you fill it in' };
    const draft: ProfileDraft = {
      name: database,
      source: displayURL(options.databaseURL),
      draftedOn: new Date().toISOString().slice(0, 10),
      schemas,
      expectedTables: tables.map((t) => ({ table: t.name, schema: t.schema, why: `found in schema ${t.schema} today` })),
      leftOut,
      criticalTables: draftCriticalTables(tables),
      relationships: await draftRelationships(tables, ask),
      rules: await draftRules(tables, ask),
      sessions: await draftSessions(tables, ask),
      freshness: await draftFreshness(tables, ask),
      applicationRole: 'whyNot' in role ? undefined : role,
      app: 'whyNot' in app ? undefined : app,
      notes: {},
      unanswered: ask.unanswered(),
    };
    draft.notes = emptySectionNotes(draft);
    if ('whyNot' in role) draft.notes.applicationRole = role.whyNot;
    if ('whyNot' in app) draft.notes.app = app.whyNot;
    return draft;
  } finally {
    await db.end();
  }
}

/** Counts per section, for a one-screen summary. */
export function draftCounts(draft: ProfileDraft): Record<string, number> {
  const entries = [
    ...draft.criticalTables, ...draft.relationships, ...draft.rules.notBlank, ...draft.rules.uniqueIgnoringCase,
    ...draft.rules.matches, ...draft.sessions, ...draft.freshness, ...(draft.applicationRole ? [draft.applicationRole] : []),
  ];
  return {
    schemas: draft.schemas.length,
    expectedTables: draft.expectedTables.length,
    criticalTables: draft.criticalTables.length,
    relationships: draft.relationships.filter((r) => r.active).length,
    relationshipsCommentedOut: draft.relationships.filter((r) => !r.active).length,
    notBlank: draft.rules.notBlank.length,
    uniqueIgnoringCase: draft.rules.uniqueIgnoringCase.length,
    matches: draft.rules.matches.length,
    sessions: draft.sessions.length,
    freshness: draft.freshness.length,
    applicationRole: draft.applicationRole ? 1 : 0,
    appPaths: (draft.app?.healthPath ? 1 : 0) + (draft.app?.openApiPath ? 1 : 0),
    review: entries.filter((e) => e.review).length,
  };
}

// ---------------------------------------------------------------------------------------------
// The catalog: tables, their columns and single-column keys, in one read-only transaction.

interface Table {
  oid: string;
  schema: string;
  name: string;
  /** schema.table, quoted, for SQL. */
  sql: string;
  owner: string;
  ownerIsSuperuser: boolean;
  ownerCanLogin: boolean;
  /** Foreign keys pointing at it (not counting the copies PostgreSQL makes on partitions). */
  referencedBy: number;
  /** Rows inserted, updated and deleted since statistics were last reset; none without history (reset, or a copied database). */
  stats?: { inserted: number; updated: number; deleted: number };
  columns: Column[];
}

interface Column {
  table: Table;
  name: string;
  /** The name as SQL needs it (quoted when mixed case or reserved). */
  sql: string;
  /** The exact type (a domain is its own type) and the base type's name. */
  typeId: string;
  type: string;
  inForeignKey: boolean;
  /** The table's primary key on its own. */
  isPrimaryKey: boolean;
  /** A single-column primary key or unique index (not partial, not on an expression). */
  key?: 'primary' | 'unique';
}

interface Catalog {
  database: string;
  schemas: string[];
  /** The tables the profile can name: plain names, the first schema's where names repeat. */
  kept: Table[];
  leftOut: string[];
}

async function readCatalog(db: GuardedDatabase, requestedSchemas?: string[]): Promise<Catalog> {
  return db.readOnly(async (s) => {
    const [{ database }] = (await s.query<{ database: string }>('SELECT current_database() AS database')) as [{ database: string }];
    const leftOut: string[] = [];
    const found = requestedSchemas ?? (await appSchemas(s));
    const schemas = found.filter((schema) => plainIdentifier.test(schema) || void leftOut.push(`schema ${JSON.stringify(schema)}: not a plain identifier, which the profile requires (its tables are left out too)`));
    const rows = await s.query<{ oid: string; schema: string; name: string; sql: string; owner: string; owner_super: boolean; owner_login: boolean; referenced_by: number; ins: number | null; upd: number | null; del: number | null }>(`
      SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS sql,
             r.rolname AS owner, r.rolsuper AS owner_super, r.rolcanlogin AS owner_login,
             (SELECT count(*) FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.oid AND f.conparentid = 0)::int AS referenced_by,
             st.ins, st.upd, st.del
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_roles r ON r.oid = c.relowner
      -- A partitioned table has no statistics of its own: its partitions' add up to them.
      LEFT JOIN LATERAL (
        SELECT sum(t.n_tup_ins)::float8 AS ins, sum(t.n_tup_upd)::float8 AS upd, sum(t.n_tup_del)::float8 AS del
        FROM pg_stat_user_tables t
        WHERE t.relid = c.oid OR (c.relkind = 'p' AND t.relid IN (SELECT relid FROM pg_partition_tree(c.oid)))
      ) st ON true
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't' AND n.nspname = ANY($1::text[])
        -- An extension's own tables (PostGIS's spatial_ref_sys) are not the app's.
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY array_position($1::text[], n.nspname::text), c.relname`, [schemas]);

    const kept: Table[] = [];
    for (const row of rows) {
      const where = `${row.schema}.${row.name}`;
      if (!plainIdentifier.test(row.name)) leftOut.push(`${JSON.stringify(row.schema)}.${JSON.stringify(row.name)}: not a plain identifier, which the profile requires`);
      else if (kept.some((t) => t.name === row.name)) leftOut.push(`${where}: ${kept.find((t) => t.name === row.name)!.schema}.${row.name} has the same name, and profiles name tables without their schema`);
      else {
        kept.push({
          oid: row.oid, schema: row.schema, name: row.name, sql: row.sql,
          owner: row.owner, ownerIsSuperuser: row.owner_super, ownerCanLogin: row.owner_login,
          referencedBy: row.referenced_by, columns: [],
          stats: row.ins ? { inserted: row.ins, updated: row.upd ?? 0, deleted: row.del ?? 0 } : undefined,
        });
      }
    }
    await readColumns(s, kept);
    return { database, schemas: schemas.filter((schema) => kept.some((t) => t.schema === schema)), kept, leftOut };
  });
}

/** Every schema holding an ordinary or partitioned table, but the system's and extensions'; public first. */
async function appSchemas(s: ReadOnlySession): Promise<string[]> {
  const rows = await s.query<{ schema: string }>(`
    SELECT n.nspname AS schema FROM pg_namespace n
    WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p') AND c.relpersistence <> 't')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
    ORDER BY n.nspname <> 'public', n.nspname`);
  return rows.map((r) => r.schema);
}

async function readColumns(s: ReadOnlySession, tables: Table[]): Promise<void> {
  const byOid = new Map(tables.map((t) => [t.oid, t]));
  const rows = await s.query<{ rel: string; name: string; sql: string; type_id: string; type: string; in_fk: boolean; pk: boolean; key: 'primary' | 'unique' | null }>(`
    SELECT a.attrelid::text AS rel, a.attname AS name, quote_ident(a.attname) AS sql, a.atttypid::text AS type_id,
           coalesce(b.typname, t.typname) AS type,
           EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conrelid = a.attrelid AND a.attnum = ANY(f.conkey)) AS in_fk,
           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum) AS pk,
           (SELECT CASE WHEN bool_or(i.indisprimary) THEN 'primary' WHEN count(*) > 0 THEN 'unique' END FROM pg_index i
            WHERE i.indrelid = a.attrelid AND i.indisunique AND i.indisvalid AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum
              AND i.indpred IS NULL AND i.indexprs IS NULL) AS key
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_type b ON b.oid = t.typbasetype AND t.typtype = 'd'
    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum`, [tables.map((t) => t.oid)]);
  for (const row of rows) {
    const table = byOid.get(row.rel)!;
    table.columns.push({ table, name: row.name, sql: row.sql, typeId: row.type_id, type: row.type, inForeignKey: row.in_fk, isPrimaryKey: row.pk, key: row.key ?? undefined });
  }
}

// ---------------------------------------------------------------------------------------------
// Asking the data: one bounded statement per read-only transaction, a few at a time. A statement
// that fails (a timeout, a missing privilege) leaves its candidate out and is told, not thrown:
// one slow table must not cost the whole draft.

interface Asker {
  <T extends object>(sql: string, params?: unknown[]): Promise<T | undefined>;
  unanswered(): string[];
}

function asker(db: GuardedDatabase): Asker {
  const failures = new Map<string, number>();
  const ask = (async <T extends object>(sql: string, params: unknown[] = []) => {
    try {
      return (await db.readOnly((s) => s.query<T>(sql, params)))[0];
    } catch (err) {
      const why = whyUnobservable(err) ?? (err as Error).message.split('\n')[0]!;
      failures.set(why, (failures.get(why) ?? 0) + 1);
      return undefined;
    }
  }) as Asker;
  ask.unanswered = () => [...failures].map(([why, n]) => `${n} question${n === 1 ? '' : 's'} about the data went unanswered: ${why}`);
  return ask;
}

/** Runs work on every item, a few at a time, keeping the items' order in the results. */
async function inTurn<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Critical tables: what most of the schema hangs from, and what signing in needs.

function draftCriticalTables(tables: Table[]): ProfileDraft['criticalTables'] {
  const referenced = new Set(
    tables.filter((t) => t.referencedBy >= mostReferenced.atLeast).sort((a, b) => b.referencedBy - a.referencedBy).slice(0, mostReferenced.top),
  );
  return tables.flatMap((t) => {
    const reasons = [
      referenced.has(t) ? `referenced by ${t.referencedBy} foreign keys` : '',
      identityLike(t.name) ? `a ${identityLike(t.name)} table` : '',
    ].filter(Boolean);
    return reasons.length ? [{ table: t.name, why: reasons.join('; ') }] : [];
  });
}

/** Users, accounts, sessions, tokens: judged by the noun a table's name ends with (user_roles is about roles). */
function identityLike(table: string): string | undefined {
  const name = snake(table);
  const words = name.split('_');
  const noun = words[words.length - 1]!;
  if (/^(users?|accounts?|members?|identit(y|ies))$/.test(noun)) return 'user/account';
  if (/^(sessions?|logins?)$/.test(noun)) return 'session';
  if (/^(tokens?|credentials?|passwords?|apikeys?)$/.test(noun) || /(^|_)api_keys?$/.test(name) || words[0] === 'auth') return 'token/credential';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Relationships without a foreign key: columns named like a reference, or whose type and values
// match another table's key. Each is counted for orphans today.

interface Candidate {
  from: Column;
  to: Column;
  /** What suggests it: the column's name names the table, it shares the key's name, or only its values. */
  by: 'table name' | 'key name' | 'values';
}

async function draftRelationships(tables: Table[], ask: Asker): Promise<ProfileDraft['relationships']> {
  const keys = tables.flatMap((t) => t.columns.filter((c) => c.key && plainIdentifier.test(c.name)));
  const perColumn = tables.flatMap((t) => t.columns)
    .filter((c) => !c.inForeignKey && plainIdentifier.test(c.name))
    .map((c) => candidatesFor(c, keys))
    .filter((list) => list.length);
  // Named references first: they are the likelier ones when the caps run out.
  perColumn.sort((a, b) => Number(a[0]!.by === 'values') - Number(b[0]!.by === 'values'));

  const budget = { counts: maxOrphanCounts, looks: maxSampledLooks };
  const found = await inTurn(perColumn, (candidates) => firstReference(candidates, ask, budget));
  const order = (r: ProfileDraft['relationships'][number]) => tables.findIndex((t) => t.name === r.from.table);
  return found.filter((r) => r !== undefined).sort((a, b) => order(a) - order(b) || a.from.column.localeCompare(b.from.column));
}

function candidatesFor(column: Column, keys: Column[]): Candidate[] {
  const name = snake(column.name);
  const base = /^(.+)_(id|uuid|key|ref)$/.exec(name)?.[1];
  const others = keys.filter((k) => k.table !== column.table);
  // user_id names users, app_users or user; a bare name (role) only a table of that very name, same type.
  const byTableName = others.filter((k) => base
    ? namesTable(base, k.table.name, true) && sameFamily(column, k)
    : namesTable(name, k.table.name, false) && k.typeId === column.typeId);
  const byKeyName = others.filter((k) => snake(k.name) === name && name !== 'id' && sameFamily(column, k));
  // By values alone only where a match cannot be chance: uuids, and text matching a primary key.
  // Small integers match any serial key, so integer columns need a name. A column named after its
  // own table (account.accountId, orders.order_id) identifies its row, whatever it happens to hold.
  const ownIdentifier = column.isPrimaryKey || namesTable(base ?? name, column.table.name, false);
  const byValues = ownIdentifier ? [] : others.filter((k) =>
    k.typeId === column.typeId && (column.type === 'uuid' || (isText(column) && k.key === 'primary')));
  const rank = (k: Column) => (k.key === 'primary' ? 0 : 1);
  const named: Candidate[] = byTableName.length
    ? byTableName.sort((a, b) => rank(a) - rank(b)).map((to) => ({ from: column, to, by: 'table name' }))
    : byKeyName.sort((a, b) => rank(a) - rank(b)).map((to) => ({ from: column, to, by: 'key name' }));
  return [...named, ...byValues.filter((k) => !named.some((n) => n.to === k)).map((to): Candidate => ({ from: column, to, by: 'values' }))];
}

/** The first candidate the data bears out, with its orphans counted; one reference per column. */
async function firstReference(candidates: Candidate[], ask: Asker, budget: { counts: number; looks: number }): Promise<ProfileDraft['relationships'][number] | undefined> {
  for (const c of candidates) {
    const parent = `${c.to.table.sql} p WHERE p.${c.to.sql} = x.${c.from.sql}`;
    if (c.by === 'values') {
      if (budget.looks-- <= 0) return undefined;
      // A cheap look first: a sample of the column's values, each looked up by the parent's key.
      const look = await ask<{ values: number; found: number }>(`
        SELECT count(*)::int AS values, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${parent}))::int AS found
        FROM (SELECT ${c.from.sql} FROM ${c.from.table.sql} WHERE ${c.from.sql} IS NOT NULL LIMIT ${sampleRows}) x`);
      if (!look || look.values === 0 || look.found < look.values * (1 - valueOnlyOrphanShare)) continue;
    }
    if (budget.counts-- <= 0) return undefined;
    const counted = await ask<{ values: string; orphans: string }>(`
      SELECT count(*)::bigint AS values, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ${parent}))::bigint AS orphans
      FROM ${c.from.table.sql} x WHERE x.${c.from.sql} IS NOT NULL`);
    if (!counted) continue;
    const values = Number(counted.values);
    const orphans = Number(counted.orphans);
    const share = values ? orphans / values : 0;
    if (c.by === 'values' ? values === 0 || share > valueOnlyOrphanShare : share > namedOrphanShare) continue;
    const target = `${c.to.table.name}.${c.to.name}`;
    const evidence = {
      'table name': `named like a reference to ${c.to.table.name}; its type matches ${target}`,
      'key name': `named like ${target}, a ${c.to.key} key; its type matches`,
      values: `its type and values match ${target}`,
    }[c.by];
    const today = values === 0 ? 'no values today to compare' : orphans === 0 ? `0 orphans today (of ${values} values)` : `${orphans} orphans today (of ${values} values) — left out until reviewed`;
    return {
      from: { table: c.from.table.name, column: c.from.name },
      to: { table: c.to.table.name, column: c.to.name },
      orphans,
      active: orphans === 0,
      review: true,
      why: `no foreign key enforces this; ${evidence}; ${today}`,
    };
  }
  return undefined;
}

/** Whether a reference's base name (role, user, order_item) names this table, in either number, maybe after a prefix (app_users). */
function namesTable(base: string, table: string, prefixed: boolean): boolean {
  const t = snake(table);
  const forms = [base, `${base}s`, `${base}es`, base.replace(/y$/, 'ies')];
  return forms.some((f) => t === f || (prefixed && t.endsWith(`_${f}`)));
}

/** Types a reference compares without surprises: integers of any width, text of any kind, or the same type. */
function sameFamily(a: Column, b: Column): boolean {
  const family = (c: Column) => (['int2', 'int4', 'int8'].includes(c.type) ? 'integer' : isText(c) ? 'text' : c.typeId);
  return family(a) === family(b);
}

/** Text a reference compares as is (citext and char(n) compare by rules of their own). */
function isText(c: Column): boolean {
  return c.type === 'text' || c.type === 'varchar';
}

/** Text a data rule can read (as ::text): citext emails included. */
function isTextual(c: Column): boolean {
  return isText(c) || c.type === 'citext' || c.type === 'bpchar';
}

// ---------------------------------------------------------------------------------------------
// Data rules: emails and names that must not be blank, emails and logins unique ignoring case,
// and format patterns that every value shares today (a password hash's, an API key's).

const emailLike = (c: Column) => /(^|_)e_?mail($|_)/.test(snake(c.name)) || /email/i.test(c.name);
const nameLike = (c: Column) => /^(name|username|user_name|login|handle|display_name|full_name|title)$|_name$/.test(snake(c.name));
const loginLike = (c: Column) => /^(username|user_name|login|handle)$/.test(snake(c.name));
/** Values that are data, not a format, even when they share a prefix today (192.168.…, https://…). */
const freeForm = (c: Column) => /(^|_)(ip|ip_address|address|url|uri|link|phone|phone_number|path|host|hostname|domain|user_agent|description|content|body|text|message|note|notes|comment)($|_)/.test(snake(c.name));

async function draftRules(tables: Table[], ask: Asker): Promise<ProfileDraft['rules']> {
  const rules: ProfileDraft['rules'] = { notBlank: [], uniqueIgnoringCase: [], matches: [] };
  const texts = (t: Table) => t.columns.filter((c) => isTextual(c) && plainIdentifier.test(c.name));
  const perTable = await inTurn(tables, async (t) => {
    const blankable = texts(t).filter((c) => emailLike(c) || nameLike(c));
    const unique = texts(t).filter((c) => emailLike(c) || loginLike(c));
    // Names and emails are people's data, whatever they happen to share today.
    const formatted = texts(t).filter((c) => !emailLike(c) && !nameLike(c) && !freeForm(c) && !c.inForeignKey);
    return {
      notBlank: await notBlankColumns(t, blankable, ask),
      unique: (await inTurn(unique, (c) => uniqueIgnoringCase(c, ask))).filter((r) => r !== undefined),
      matches: (await inTurn(await patternCandidates(t, formatted, ask), (c) => validatedPattern(c, ask))).filter((r) => r !== undefined),
    };
  });
  for (const t of perTable) {
    rules.notBlank.push(...t.notBlank);
    rules.uniqueIgnoringCase.push(...t.unique);
    rules.matches.push(...t.matches);
  }
  return rules;
}

/** One scan per table for all its candidates; blank as the data-rules probe counts it. */
async function notBlankColumns(t: Table, columns: Column[], ask: Asker): Promise<ProfileDraft['rules']['notBlank']> {
  if (!columns.length) return [];
  const counts = columns.map((c, i) => `count(*) FILTER (WHERE ${c.sql} IS NULL OR btrim(${c.sql}::text, E' \\t\\r\\n') = '')::bigint AS c${i}`);
  const row = await ask<Record<string, string>>(`SELECT count(*)::bigint AS rows, ${counts.join(', ')} FROM ${t.sql}`);
  if (!row || Number(row.rows) === 0) return [];
  return columns.flatMap((c, i) => Number(row[`c${i}`]) === 0
    ? [{ table: t.name, column: c.name, why: `${emailLike(c) ? 'an email' : 'a name'}-like column; none of its ${row.rows} rows is NULL or blank today` }]
    : []);
}

async function uniqueIgnoringCase(c: Column, ask: Asker): Promise<ProfileDraft['rules']['uniqueIgnoringCase'][number] | undefined> {
  const row = await ask<{ values: string; duplicated: string }>(`
    SELECT (SELECT count(*) FROM ${c.table.sql} WHERE ${c.sql} IS NOT NULL)::bigint AS values,
           (SELECT count(*) FROM (SELECT 1 FROM ${c.table.sql} WHERE ${c.sql} IS NOT NULL GROUP BY lower(${c.sql}::text) HAVING count(*) > 1) d)::bigint AS duplicated`);
  if (!row || Number(row.values) < 2 || Number(row.duplicated) > 0) return undefined;
  return { table: c.table.name, column: c.name, why: `${emailLike(c) ? 'an email' : 'a login'}-like column; no two of its ${row.values} values are equal ignoring case today` };
}

interface PatternCandidate {
  column: Column;
  values: number;
  prefix: string;
  minLength: number;
  maxLength: number;
}

/** What every value of each text column shares today: its common prefix and length range (one scan per table). */
async function patternCandidates(t: Table, columns: Column[], ask: Asker): Promise<PatternCandidate[]> {
  if (!columns.length) return [];
  const aggregates = columns.map((c, i) => {
    const v = `${c.sql}::text`;
    return `count(${v})::bigint AS n${i}, min(${v} COLLATE "C") AS lo${i}, max(${v} COLLATE "C") AS hi${i},
            min(length(${v})) AS min${i}, max(length(${v})) AS max${i}, coalesce(bool_or(${v} ~ '[[:space:]]'), false) AS ws${i}`;
  });
  const row = await ask<Record<string, any>>(`SELECT ${aggregates.join(', ')} FROM ${t.sql}`);
  if (!row) return [];
  return columns.flatMap((column, i) => {
    const values = Number(row[`n${i}`]);
    if (values < 5 || row[`ws${i}`]) return [];
    const prefix = formatPrefix(commonPrefix(row[`lo${i}`], row[`hi${i}`]));
    const minLength = Number(row[`min${i}`]);
    const maxLength = Number(row[`max${i}`]);
    const shaped = prefix.length >= 2 || (minLength === maxLength && minLength >= 16);
    return shaped ? [{ column, values, prefix, minLength, maxLength }] : [];
  });
}

/** The pattern from a sample's characters, kept only when every row today matches it. */
async function validatedPattern(p: PatternCandidate, ask: Asker): Promise<ProfileDraft['rules']['matches'][number] | undefined> {
  const { column: c, prefix } = p;
  const sample = await ask<{ distinct: number; chars: string | null }>(`
    SELECT count(DISTINCT s.v)::int AS distinct, string_agg(DISTINCT ch, '') AS chars
    FROM (SELECT ${c.sql}::text AS v FROM ${c.table.sql} WHERE ${c.sql} IS NOT NULL LIMIT ${patternSampleRows}) s
    LEFT JOIN LATERAL regexp_split_to_table(substr(s.v, $1::int + 1), '') AS ch ON true`, [prefix.length]);
  // Five distinct values or fewer is an enum, not a format.
  if (!sample || sample.distinct < 5) return undefined;
  const klass = characterClass(sample.chars ?? '');
  if (klass === undefined) return undefined;
  const min = p.minLength - prefix.length;
  const max = p.maxLength - prefix.length;
  const pattern = `^${escapeRegex(prefix)}${klass}{${min === max ? min : `${min},${max}`}}$`;
  const check = await ask<{ n: string }>(`SELECT count(*)::bigint AS n FROM ${c.table.sql} WHERE ${c.sql} IS NOT NULL AND NOT (${c.sql}::text ~ $1)`, [pattern]);
  if (!check || Number(check.n) !== 0) return undefined;
  const length = min === max ? `${min}` : `${min} to ${max}`;
  const shape = prefix ? `the prefix ${JSON.stringify(prefix)}, then ${length} of ${klass}` : `${length} of ${klass}`;
  return { table: c.table.name, column: c.name, pattern, review: true, why: `all ${p.values} values today are ${shape} (checked on every row): a format the app writes?` };
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/**
 * A shared prefix that is a format's (scrypt$16384$8$1$, ak_, $2b$12$), not a coincidence of the
 * data (two hex keys that both start with "3f"): cut after its last separator, and kept short.
 */
function formatPrefix(prefix: string): string {
  const short = prefix.slice(0, 40);
  const cut = short.search(/[^A-Za-z0-9][A-Za-z0-9]*$/);
  if (cut >= 0) return short.slice(0, cut + 1);
  // No separator: a word (AKIA, sk) is a format's; digits or hex that happen to agree are data.
  return short.length === prefix.length && /[g-zG-Z]/.test(short) ? short : '';
}

/** Hex, digits, or letters and digits, plus any punctuation seen; undefined for characters beyond printable ASCII. */
function characterClass(chars: string): string | undefined {
  if (/[^\x21-\x7e]/.test(chars)) return undefined;
  const lower = chars.replace(/[^a-z]/g, '');
  const upper = chars.replace(/[^A-Z]/g, '');
  const letters = !lower && !upper ? '0-9' : !upper && /^[a-f]*$/.test(lower) ? '0-9a-f' : !lower && /^[A-F]*$/.test(upper) ? '0-9A-F' : 'A-Za-z0-9';
  // Inside an ARE bracket expression, these must be escaped to stand for themselves.
  const punctuation = [...new Set(chars.replace(/[A-Za-z0-9]/g, ''))].sort().map((ch) => (/[\\\]\[^-]/.test(ch) ? `\\${ch}` : ch)).join('');
  return `[${letters}${punctuation}]`;
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Sessions and tokens: rows past their expiry that are still active.

async function draftSessions(tables: Table[], ask: Asker): Promise<ProfileDraft['sessions']> {
  const found = tables.flatMap((t) => {
    const expires = t.columns.find((c) => /^timestamp/.test(c.type) && /expir|valid_?until/.test(snake(c.name)) && plainIdentifier.test(c.name));
    if (!expires) return [];
    const flag = activeFlag(t);
    if (!flag && !/session|token|login/.test(identityLike(t.name) ?? '')) return [];
    return [{ table: t, expires, ...(flag ?? { activeWhere: 'TRUE', meaning: 'no active or revoked flag: every row counts as active until it is deleted' }) }];
  });
  const drafted = await inTurn(found, async (f) => {
    const row = await ask<{ n: string }>(`SELECT count(*)::bigint AS n FROM ${f.table.sql} s WHERE s.${f.expires.sql} < now() AND (${f.activeWhere})`);
    if (!row) return undefined;
    const expired = Number(row.n);
    return {
      table: f.table.name,
      expiresColumn: f.expires.name,
      activeWhere: f.activeWhere,
      maxExpiredActive: expired * 2 + 10,
      review: f.activeWhere === 'TRUE' ? true : undefined,
      why: `${f.meaning}; ${expired} rows past ${f.expires.name} are still active today (the app's design): twice that and 10 are tolerated`,
    };
  });
  return drafted.filter((d) => d !== undefined);
}

/** How a row says it is still active, in the order apps most often say it. */
function activeFlag(t: Table): { activeWhere: string; meaning: string } | undefined {
  const named = (types: RegExp, names: RegExp) => t.columns.find((c) => types.test(c.type) && names.test(snake(c.name)));
  const active = named(/^bool$/, /^(is_)?active$/);
  if (active) return { activeWhere: `s.${active.sql}`, meaning: `${active.name} says whether a row is active` };
  const revoked = named(/^bool$/, /^(is_)?revoked$/);
  if (revoked) return { activeWhere: `NOT s.${revoked.sql}`, meaning: `${revoked.name} says whether a row was revoked` };
  const ended = named(/^timestamp/, /^(revoked|invalidated|ended|logged_out)_at$/);
  if (ended) return { activeWhere: `s.${ended.sql} IS NULL`, meaning: `a row is active until ${ended.name} is set` };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Freshness: tables that only grow, whose newest row tells how old a restored backup is. A
// database with no write statistics (reset, or a restored or copied database, which is what
// Verity is pointed at after a restore) is judged by its creation times alone, for review.

async function draftFreshness(tables: Table[], ask: Asker): Promise<ProfileDraft['freshness']> {
  const found = tables.flatMap((t) => {
    const s = t.stats;
    if (s && s.updated + s.deleted > s.inserted * appendMostly) return [];
    const column = t.columns
      .filter((c) => /^(timestamp|timestamptz|date)$/.test(c.type) && plainIdentifier.test(c.name))
      .find((c) => /^(created|inserted|occurred|logged|sent|recorded)(_(at|on))?$/.test(snake(c.name)));
    return column ? [{ table: t, column }] : [];
  });
  const drafted = await inTurn(found, async ({ table, column }) => {
    const v = `${column.sql}::timestamptz`;
    const row = await ask<{ age_h: number | null; recent: string }>(`
      SELECT EXTRACT(EPOCH FROM now() - max(${v}))::float8 / 3600 AS age_h,
             count(*) FILTER (WHERE ${v} > now() - interval '${freshnessWindowDays} days')::bigint AS recent
      FROM ${table.sql}`);
    if (!row || row.age_h === null || row.age_h > freshnessWindowDays * 24) return undefined;
    const recent = Number(row.recent);
    if (recent < freshnessMinRows) return undefined;
    const ageHours = Math.max(row.age_h, 0);
    const gapHours = (freshnessWindowDays * 24) / recent;
    const maxAgeHours = Math.max(Math.ceil(10 * gapHours), Math.ceil(2 * ageHours), 24);
    const s = table.stats;
    const growth = s
      ? `only grows (${Math.round(s.inserted)} inserts, ${Math.round(s.updated + s.deleted)} updates and deletes since statistics were reset)`
      : 'no write statistics to tell whether it only grows (reset, or a restored copy)';
    return {
      table: table.name,
      column: column.name,
      maxAgeHours,
      review: s ? undefined : true,
      why: `${growth}; ${rate(recent)} over the last ${freshnessWindowDays} days; the newest row is ${hours(ageHours)} old`,
    };
  });
  return drafted.filter((d) => d !== undefined);
}

function rate(rows: number): string {
  const perDay = rows / freshnessWindowDays;
  return perDay >= 2 ? `about ${Math.round(perDay)} rows a day` : `about ${Math.round(perDay * 7 * 10) / 10} rows a week`;
}

function hours(h: number): string {
  return h < 1 ? `${Math.round(h * 60)} min` : h < 48 ? `${Math.round(h)} h` : `${Math.round(h / 24)} days`;
}

// ---------------------------------------------------------------------------------------------
// The application role: who owns the tables, or who may write to most of them.

const privileges: Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

async function draftApplicationRole(db: GuardedDatabase, tables: Table[]): Promise<Drafted<NonNullable<ProfileDraft['applicationRole']>>> {
  try {
    return await likelyApplicationRole(db, tables);
  } catch (err) {
    return { whyNot: `its privileges could not be read: ${whyUnobservable(err) ?? (err as Error).message.split('\n')[0]}` };
  }
}

async function likelyApplicationRole(db: GuardedDatabase, tables: Table[]): Promise<Drafted<NonNullable<ProfileDraft['applicationRole']>>> {
  if (!tables.length) return { whyNot: 'no tables' };
  const [owner, owned] = [...countBy(tables.map((t) => t.owner))].sort((a, b) => b[1] - a[1])[0]!;
  const { ownerIsSuperuser, ownerCanLogin } = tables.find((t) => t.owner === owner)!;
  // The app connects as a role that can log in and is no superuser: the owner, when it is one.
  const ownerIsTheApp = !ownerIsSuperuser && ownerCanLogin;
  const rows = await db.readOnly((s) => s.query<{ role: string; rel: string; select: boolean; insert: boolean; update: boolean; delete: boolean }>(`
    SELECT r.rolname AS role, c.oid::text AS rel,
           has_table_privilege(r.oid, c.oid, 'SELECT') AS select, has_table_privilege(r.oid, c.oid, 'INSERT') AS insert,
           has_table_privilege(r.oid, c.oid, 'UPDATE') AS update, has_table_privilege(r.oid, c.oid, 'DELETE') AS delete
    FROM pg_roles r CROSS JOIN unnest($1::oid[]) AS c(oid)
    WHERE NOT r.rolsuper AND r.rolcanlogin AND r.rolname !~ '^pg_' AND (r.rolname = $2 OR r.rolname <> current_user)`, [tables.map((t) => t.oid), ownerIsTheApp ? owner : '']));
  const byRole = new Map<string, typeof rows>();
  for (const row of rows) byRole.set(row.role, [...(byRole.get(row.role) ?? []), row]);
  const writes = (role: string) => (byRole.get(role) ?? []).filter((r) => r.insert || r.update || r.delete).length;

  let name: string;
  let why: string;
  const whose = `their owner, ${owner}, ${ownerIsSuperuser ? 'is a superuser' : 'cannot log in'}`;
  if (ownerIsTheApp) {
    name = owner;
    why = `owns ${owned} of the ${tables.length} tables`;
  } else {
    const [best] = [...byRole.keys()].filter((r) => plainIdentifier.test(r)).sort((a, b) => writes(b) - writes(a));
    if (!best || writes(best) <= tables.length / 2) {
      return { whyNot: `${whose}, and no role that can log in may write to most tables: name the role the app connects as, if any` };
    }
    name = best;
    why = `may write to ${writes(best)} of the ${tables.length} tables (${whose})`;
  }
  if (!plainIdentifier.test(name)) return { whyNot: `the likely role, ${JSON.stringify(name)}, is not a plain identifier, which the profile requires` };
  // A privilege it holds on all but a few tables is the app's; the few are exceptions to list.
  const few = Math.max(2, Math.ceil(tables.length * 0.1));
  const grants = byRole.get(name) ?? [];
  const held = privileges.filter((p) => grants.filter((g) => g[p.toLowerCase() as 'select']).length >= tables.length - few);
  if (!held.length) return { whyNot: `${name} ${why}, but holds no privilege on all but ${few} of them: name the app's role and privileges by hand` };
  const byOid = new Map(tables.map((t) => [t.oid, t.name]));
  const exceptTables = grants.filter((g) => held.some((p) => !g[p.toLowerCase() as 'select'])).map((g) => byOid.get(g.rel)!).sort();
  const holds = exceptTables.length ? `on every table but ${exceptTables.join(', ')}` : 'on every table';
  return { name, privileges: held, exceptTables, review: true, why: `${why}; it holds ${held.join(', ')} ${holds}` };
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The app: the first of the usual health and OpenAPI paths that answers.

const healthPaths = ['/health', '/healthz', '/api/health', '/status', '/readyz', '/livez'];
const openApiPaths = ['/openapi.json', '/api/openapi.json', '/swagger.json', '/v3/api-docs', '/api-docs', '/api/v1/openapi.json', '/docs/openapi.json'];
const answerMs = 5_000;

async function draftApp(baseURL: string): Promise<Drafted<NonNullable<ProfileDraft['app']>>> {
  const app: NonNullable<ProfileDraft['app']> = {};
  for (const path of healthPaths) {
    const answer = await get(baseURL, path);
    if (answer?.status === 200) {
      app.healthPath = { path, why: `answered 200 at ${displayURL(new URL(path, baseURL).toString())} today` };
      break;
    }
  }
  for (const path of openApiPaths) {
    const answer = await get(baseURL, path);
    const version = answer?.status === 200 ? openApiVersion(answer.body) : undefined;
    if (version) {
      app.openApiPath = { path, why: `serves ${version} today` };
      break;
    }
  }
  if (!app.healthPath && !app.openApiPath) return { whyNot: `${displayURL(baseURL)} answered none of the usual health or OpenAPI paths` };
  return app;
}

async function get(baseURL: string, path: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(new URL(path, baseURL), { redirect: 'manual', signal: AbortSignal.timeout(answerMs) });
    return { status: response.status, body: response.status === 200 ? await response.text() : '' };
  } catch {
    return undefined;
  }
}

function openApiVersion(body: string): string | undefined {
  try {
    const doc = JSON.parse(body) as { openapi?: unknown; swagger?: unknown };
    if (typeof doc.openapi === 'string') return `an OpenAPI ${doc.openapi} document`;
    if (typeof doc.swagger === 'string') return `a Swagger ${doc.swagger} document`;
  } catch {
    // Not JSON: not the document.
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The module: one entry a line, each under (or beside) the comment saying why it is there.

export interface RenderOptions {
  /** How the module imports src/profile.ts, relative to where it is written. */
  profileModuleImport: string;
}

export function renderProfileModule(draft: ProfileDraft, options: RenderOptions): string {
  const out: string[] = [];
  const line = (depth: number, text: string) => out.push(`${'  '.repeat(depth)}${text}`);
  const because = (depth: number, entry: Why) => line(depth, `// ${entry.review ? 'review: ' : ''}${comment(entry.why)}`);
  /** A list of objects, each under its comment; an empty one says why it is empty. */
  const list = <T extends Why>(depth: number, key: string, entries: T[], write: (entry: T) => string, note?: string) => {
    if (!entries.length) return line(depth, `${key}: [], // none drafted: ${comment(note ?? '')}`);
    line(depth, `${key}: [`);
    for (const entry of entries) {
      because(depth + 1, entry);
      line(depth + 1, `${write(entry)},`);
    }
    line(depth, '],');
  };
  const ref = (r: ColumnRef) => `{ table: ${literal(r.table)}, column: ${literal(r.column)} }`;

  line(0, `// Drafted by \`npm run profile:init\` from ${comment(draft.source)} on ${draft.draftedOn}: review every entry, then keep it in your repository.`);
  line(0, '// Entries marked `review:` are guesses the data supports today but nothing in the database enforces.');
  for (const unanswered of draft.unanswered) line(0, `// ${comment(unanswered)}: what depended on them was left out.`);
  line(0, `import { defineProfile } from ${literal(options.profileModuleImport)};`);
  line(0, '');
  line(0, 'export default defineProfile({');
  line(1, `name: ${literal(draft.name)},`);
  line(1, 'database: {');
  line(2, `schemas: [${draft.schemas.map(literal).join(', ')}],`);
  line(2, '// Every table found today in the schemas above (partitions are not listed: their parent is).');
  line(2, 'expectedTables: [');
  for (const schema of draft.schemas) {
    const tables = draft.expectedTables.filter((t) => t.schema === schema);
    line(3, `// ${comment(schema)}: ${tables.length} table${tables.length === 1 ? '' : 's'}`);
    for (const wrapped of wrap(tables.map((t) => `${literal(t.table)},`), 96)) line(3, wrapped);
  }
  for (const leftOut of draft.leftOut) line(3, `// left out: ${comment(leftOut)}`);
  line(2, '],');

  if (draft.criticalTables.length) {
    line(2, 'criticalTables: [');
    for (const t of draft.criticalTables) line(3, `${literal(t.table)}, // ${t.review ? 'review: ' : ''}${comment(t.why)}`);
    line(2, '],');
  } else line(2, `criticalTables: [], // none drafted: ${comment(draft.notes.criticalTables ?? '')}`);

  const relationship = (r: ProfileDraft['relationships'][number]) => `{ from: ${ref(r.from)}, to: ${ref(r.to)} }`;
  if (draft.relationships.length) {
    line(2, 'relationships: [');
    for (const r of draft.relationships) {
      because(3, r);
      line(3, `${r.active ? '' : '// '}${relationship(r)},`);
    }
    line(2, '],');
  } else line(2, `relationships: [], // none drafted: ${comment(draft.notes.relationships ?? '')}`);

  line(2, 'rules: {');
  list(3, 'notBlank', draft.rules.notBlank, ref, draft.notes.notBlank);
  list(3, 'uniqueIgnoringCase', draft.rules.uniqueIgnoringCase, ref, draft.notes.uniqueIgnoringCase);
  list(3, 'matches', draft.rules.matches, (m) => `{ table: ${literal(m.table)}, column: ${literal(m.column)}, pattern: ${JSON.stringify(m.pattern)} }`, draft.notes.matches);
  line(2, '},');
  list(2, 'sessions', draft.sessions, (s) =>
    `{ table: ${literal(s.table)}, expiresColumn: ${literal(s.expiresColumn)}, activeWhere: ${literal(s.activeWhere)}, maxExpiredActive: ${s.maxExpiredActive} }`, draft.notes.sessions);
  list(2, 'freshness', draft.freshness, (f) => `{ table: ${literal(f.table)}, column: ${literal(f.column)}, maxAgeHours: ${f.maxAgeHours} }`, draft.notes.freshness);

  const role = draft.applicationRole;
  if (role) {
    because(2, role);
    line(2, `applicationRole: { name: ${literal(role.name)}, privileges: [${role.privileges.map(literal).join(', ')}], exceptTables: [${role.exceptTables.map(literal).join(', ')}] },`);
  } else line(2, `// applicationRole: none drafted: ${comment(draft.notes.applicationRole ?? '')}`);
  line(1, '},');

  const app = draft.app;
  if (app) {
    line(1, 'app: {');
    if (app.healthPath) line(2, `healthPath: ${literal(app.healthPath.path)}, // ${comment(app.healthPath.why)}`);
    else line(2, '// healthPath: none of the usual paths answered 200: the default, /health, stays');
    if (app.openApiPath) line(2, `openApiPath: ${literal(app.openApiPath.path)}, // ${comment(app.openApiPath.why)}`);
    else line(2, '// openApiPath: none of the usual paths served an OpenAPI document');
    line(1, '},');
  } else line(1, `// app: none drafted: ${comment(draft.notes.app ?? '')}`);
  line(0, '});');
  return `${out.join('\n')}\n`;
}

/** A TypeScript string literal: single-quoted when nothing needs escaping, else JSON's. */
function literal(text: string): string {
  return /^[^'\\\r\n\u2028\u2029]*$/.test(text) ? `'${text}'` : JSON.stringify(text);
}

/** Text for a // comment: one line, whatever the names in it hold. */
function comment(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/** Items joined by spaces into lines of at most `width` characters. */
function wrap(items: string[], width: number): string[] {
  const lines: string[] = [];
  for (const item of items) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + item.length <= width) lines[lines.length - 1] = `${last} ${item}`;
    else lines.push(item);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------

/** Why each empty section is empty: the module says so where the entries would be. */
function emptySectionNotes(draft: ProfileDraft): Record<string, string> {
  const notes: Record<string, string> = {};
  const empty: [string, unknown[], string][] = [
    ['criticalTables', draft.criticalTables, 'no table is referenced by 2 foreign keys or more, or named like users, accounts, sessions or tokens: name the ones the app cannot work without'],
    ['relationships', draft.relationships, 'every column named like a reference has a foreign key, and no other column\'s values match a key'],
    ['notBlank', draft.rules.notBlank, 'no email- or name-like column is filled on every row today'],
    ['uniqueIgnoringCase', draft.rules.uniqueIgnoringCase, 'no email-, username- or login-like column is unique ignoring case today'],
    ['matches', draft.rules.matches, 'no text column\'s values all share one format today'],
    ['sessions', draft.sessions, 'no table has an expiry column and an active or revoked flag (or a session- or token-like name)'],
    ['freshness', draft.freshness, `no table only grows with a creation timestamp written in the last ${freshnessWindowDays} days`],
  ];
  for (const [section, entries, why] of empty) if (!entries.length) notes[section] = why;
  return notes;
}

/** user_sessions, UserSession and userSession alike: lower case, words joined by _. */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]+/g, '_').toLowerCase();
}
