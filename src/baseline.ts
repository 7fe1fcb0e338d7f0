// A baseline is the record of a database's known-good state: its schema, a fingerprint of its
// data, and the findings a person accepted there. `npm run baseline` writes it (read-only); with
// VERITY_BASELINE (or the profile's database.baseline) the schema-drift and data-loss probes
// compare the database with it, and the runner marks the findings it accepts.
//
// What is read here is read through whatever query function the caller has: the probes' READ ONLY
// context, or the baseline command's guarded session.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

export type Query = <T extends object = Record<string, any>>(sql: string, params?: unknown[]) => Promise<T[]>;

const column = z.object({ type: z.string(), notNull: z.boolean(), default: z.string().nullable() });
const relation = z.object({
  kind: z.enum(['table', 'partitioned table', 'view', 'materialized view', 'foreign table']),
  owner: z.string(),
  columns: z.record(z.string(), column),
  /** A view's query, as pg_get_viewdef prints it. */
  definition: z.string().optional(),
});
const constraint = z.object({
  table: z.string(),
  kind: z.enum(['primary key', 'foreign key', 'unique constraint', 'check constraint', 'exclusion constraint']),
  definition: z.string(),
  validated: z.boolean(),
});

const schemaSnapshot = z.object({
  /** By "schema.relation". */
  relations: z.record(z.string(), relation),
  /** By "schema.table.constraint". */
  constraints: z.record(z.string(), constraint),
  /** By "schema.index". */
  indexes: z.record(z.string(), z.object({ table: z.string(), definition: z.string() })),
  /** By "schema.sequence". */
  sequences: z.record(z.string(), z.object({ type: z.string(), owner: z.string() })),
  /** By "schema.table.trigger"; enabled as pg_trigger.tgenabled says (O, D, R, A). */
  triggers: z.record(z.string(), z.object({ table: z.string(), definition: z.string(), enabled: z.string() })),
  /** By "schema.name(argument types)": the functions the database's own code defines (not extensions'). */
  functions: z.record(z.string(), z.object({ returns: z.string(), owner: z.string() })),
  /** By "schema.relation", then by grantee: the privileges held. */
  grants: z.record(z.string(), z.record(z.string(), z.array(z.string()))),
  extensions: z.record(z.string(), z.object({ version: z.string(), schema: z.string() })),
  /** Collations the database defines in its schemas. */
  collations: z.record(z.string(), z.object({ provider: z.string(), locale: z.string() })),
});

const tablePrint = z.object({
  rows: z.number(),
  /** The row count is pg_class's estimate (the table is over VERITY_EXACT_COUNT_MAX_ROWS). */
  estimated: z.boolean(),
  /** The newest value of each timestamp column (ISO), null when all are null. */
  newest: z.record(z.string(), z.string().nullable()),
  /** The highest value of a single-column integer primary key. */
  maxKey: z.object({ column: z.string(), value: z.string() }).optional(),
});
const dataFingerprint = z.object({
  /** By "schema.table". Partitions are counted with their parent. */
  tables: z.record(z.string(), tablePrint),
  /** By "schema.sequence": last_value, null when never used or unreadable by the role. */
  sequences: z.record(z.string(), z.string().nullable()),
});

/** A finding accepted as the known-good state: matched by probe, table, column and message shape. */
const acceptedFinding = z.object({
  probe: z.string(),
  severity: z.enum(['critical', 'major', 'minor', 'info']),
  message: z.string(),
  table: z.string().optional(),
  column: z.string().optional(),
  /** The count when accepted: a higher one is worse, and fails again. */
  count: z.number().optional(),
  /** Why this is fine, in a person's words: empty until someone reviewed it. */
  reason: z.string(),
  /** A date (YYYY-MM-DD) after which the finding fails again. */
  until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date, YYYY-MM-DD').optional(),
});

export const baselineSchema = z.object({
  verity: z.literal('baseline/1'),
  recordedAt: z.string(),
  /** The database it was recorded from, without its password. */
  database: z.string(),
  schemas: z.array(z.string()),
  schema: schemaSnapshot,
  data: dataFingerprint,
  accepted: z.array(acceptedFinding),
});

export type Baseline = z.infer<typeof baselineSchema>;
export type SchemaSnapshot = z.infer<typeof schemaSnapshot>;
export type DataFingerprint = z.infer<typeof dataFingerprint>;
export type TablePrint = z.infer<typeof tablePrint>;
export type AcceptedFinding = z.infer<typeof acceptedFinding>;

/** Reads and checks a baseline file; throws one line naming the setting, the file and what is wrong. */
export function loadBaseline(file: string, setting: string): Baseline {
  if (!existsSync(file)) throw new Error(`${setting}: ${file} does not exist (record one with npm run baseline -- --out ${file})`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${setting}: ${file} is not JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = baselineSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${setting}: ${file} is not a Verity baseline: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** How a table or other object is named in messages: schema-qualified unless in public. */
export function displayName(key: string): string {
  return key.startsWith('public.') ? key.slice('public.'.length) : key;
}

const relationKinds: Record<string, z.infer<typeof relation>['kind']> = { r: 'table', p: 'partitioned table', v: 'view', m: 'materialized view', f: 'foreign table' };
const constraintKinds: Record<string, z.infer<typeof constraint>['kind']> = { p: 'primary key', f: 'foreign key', u: 'unique constraint', c: 'check constraint', x: 'exclusion constraint' };

/** Objects an extension created belong to it, not to the app: they come and go with the extension. */
const notFromAnExtension = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

/** The schema of the database in the given schemas, from the system catalogs alone. */
export async function readSchema(query: Query, schemas: string[]): Promise<SchemaSnapshot> {
  const snapshot: SchemaSnapshot = { relations: {}, constraints: {}, indexes: {}, sequences: {}, triggers: {}, functions: {}, grants: {}, extensions: {}, collations: {} };

  const relations = await query<{ key: string; kind: string; owner: string; definition: string | null }>(`
    SELECT n.nspname || '.' || c.relname AS key, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner,
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS definition
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${notFromAnExtension('pg_class', 'c.oid')}`, [schemas]);
  for (const r of relations) {
    snapshot.relations[r.key] = { kind: relationKinds[r.kind]!, owner: r.owner, columns: {}, ...(r.definition !== null ? { definition: r.definition.trim() } : {}) };
  }

  const columns = await query<{ relation: string; name: string; type: string; not_null: boolean; default: string | null }>(`
    SELECT n.nspname || '.' || c.relname AS relation, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY 1, a.attnum`, [schemas]);
  for (const c of columns) {
    const owner = snapshot.relations[c.relation];
    if (owner) owner.columns[c.name] = { type: c.type, notNull: c.not_null, default: c.default };
  }

  // Constraints cloned onto partitions (conparentid) come and go with their parent's.
  const constraints = await query<{ key: string; table: string; kind: string; definition: string; validated: boolean }>(`
    SELECT n.nspname || '.' || c.relname || '.' || k.conname AS key, n.nspname || '.' || c.relname AS table,
           k.contype AS kind, pg_get_constraintdef(k.oid) AS definition, k.convalidated AS validated
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND k.contype IN ('p', 'f', 'u', 'c', 'x') AND k.conparentid = 0`, [schemas]);
  // NOT VALID is told by `validated`, so that losing validation reads as that, not as a new definition.
  for (const k of constraints) snapshot.constraints[k.key] = { table: k.table, kind: constraintKinds[k.kind]!, definition: k.definition.replace(/ NOT VALID$/, ''), validated: k.validated };

  const indexes = await query<{ key: string; table: string; definition: string }>(`
    SELECT n.nspname || '.' || i.relname AS key, n.nspname || '.' || t.relname AS table, pg_get_indexdef(i.oid) AS definition
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = i.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND NOT i.relispartition AND ${notFromAnExtension('pg_class', 'i.oid')}`, [schemas]);
  for (const i of indexes) snapshot.indexes[i.key] = { table: i.table, definition: i.definition };

  const sequences = await query<{ key: string; type: string; owner: string }>(`
    SELECT n.nspname || '.' || c.relname AS key, format_type(s.seqtypid, NULL) AS type, pg_get_userbyid(c.relowner) AS owner
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND ${notFromAnExtension('pg_class', 'c.oid')}`, [schemas]);
  for (const s of sequences) snapshot.sequences[s.key] = { type: s.type, owner: s.owner };

  const triggers = await query<{ key: string; table: string; definition: string; enabled: string }>(`
    SELECT n.nspname || '.' || c.relname || '.' || t.tgname AS key, n.nspname || '.' || c.relname AS table,
           pg_get_triggerdef(t.oid) AS definition, t.tgenabled AS enabled
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND NOT t.tgisinternal AND t.tgparentid = 0`, [schemas]);
  for (const t of triggers) snapshot.triggers[t.key] = { table: t.table, definition: t.definition, enabled: t.enabled };

  const functions = await query<{ key: string; returns: string; owner: string }>(`
    SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key,
           coalesce(pg_get_function_result(p.oid), p.prokind::text) AS returns, pg_get_userbyid(p.proowner) AS owner
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY($1::text[]) AND ${notFromAnExtension('pg_proc', 'p.oid')}`, [schemas]);
  for (const f of functions) snapshot.functions[f.key] = { returns: f.returns, owner: f.owner };

  // A NULL acl means the owner's defaults: spelt out, so that a later explicit REVOKE shows.
  const grants = await query<{ relation: string; grantee: string; privileges: string[] }>(`
    SELECT n.nspname || '.' || c.relname AS relation,
           CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(g.grantee) END AS grantee,
           array_agg(g.privilege_type ORDER BY g.privilege_type) AS privileges
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
         aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) g
    WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${notFromAnExtension('pg_class', 'c.oid')}
    GROUP BY 1, 2`, [schemas]);
  for (const g of grants) (snapshot.grants[g.relation] ??= {})[g.grantee] = g.privileges;

  for (const e of await query<{ name: string; version: string; schema: string }>(`
    SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace`)) {
    snapshot.extensions[e.name] = { version: e.version, schema: e.schema };
  }
  for (const c of await query<{ key: string; provider: string; locale: string }>(`
    SELECT n.nspname || '.' || c.collname AS key, c.collprovider::text AS provider, coalesce(c.collcollate, to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale', '') AS locale
    FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
    WHERE n.nspname = ANY($1::text[]) AND ${notFromAnExtension('pg_collation', 'c.oid')}`, [schemas])) {
    snapshot.collations[c.key] = { provider: c.provider, locale: c.locale };
  }
  return snapshot;
}

/** SQL text for an identifier taken from the catalogs. */
const quote = (name: string) => '"' + name.replace(/"/g, '""') + '"';

/** The tables of the fingerprint: what to count and which columns to take the maximum of. */
export interface FingerprintTarget {
  key: string;
  schema: string;
  table: string;
  partitioned: boolean;
  /** pg_class's estimate, summed over partitions; below 0 when there is none. */
  estimate: number;
  timestampColumns: string[];
  /** A single-column integer primary key. */
  integerKey?: string;
  /** UNLOGGED while the server is in recovery: PostgreSQL refuses to read it. */
  unreadable: boolean;
}

/** What the data fingerprint looks at: every table (partitions with their parent), its timestamp columns and integer key. */
export async function fingerprintTargets(query: Query, schemas: string[]): Promise<FingerprintTarget[]> {
  const rows = await query<{ key: string; schema: string; table: string; partitioned: boolean; unreadable: boolean; estimate: number; timestamps: string[] | null; integer_key: string | null }>(`
    SELECT n.nspname || '.' || c.relname AS key, n.nspname AS schema, c.relname AS table, c.relkind = 'p' AS partitioned,
           c.relpersistence = 'u' AND pg_is_in_recovery() AS unreadable,
           CASE WHEN c.relkind = 'p' THEN
             coalesce((SELECT CASE WHEN bool_or(p.reltuples < 0) THEN -1 ELSE sum(p.reltuples) END
                       FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf), 0)
           ELSE c.reltuples END::float8 AS estimate,
           (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)) AS timestamps,
           (SELECT a.attname::text FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
             WHERE k.conrelid = c.oid AND k.contype = 'p' AND cardinality(k.conkey) = 1
               AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)) AS integer_key
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relpersistence <> 't' AND ${notFromAnExtension('pg_class', 'c.oid')}
    ORDER BY 1`, [schemas]);
  return rows.map((r) => ({
    key: r.key, schema: r.schema, table: r.table, partitioned: r.partitioned, unreadable: r.unreadable, estimate: Number(r.estimate),
    timestampColumns: r.timestamps ?? [], ...(r.integer_key ? { integerKey: r.integer_key } : {}),
  }));
}

/**
 * One table's fingerprint in one scan: its rows (exact up to exactCountMaxRows, past that the
 * estimate, marked as one), the newest value of each timestamp column, the highest integer key.
 */
export async function readTablePrint(query: Query, target: FingerprintTarget, exactCountMaxRows: number): Promise<TablePrint> {
  const estimated = target.estimate >= exactCountMaxRows;
  // An ordinary table's inheritance children are tables of their own: ONLY counts its own rows.
  const from = `${target.partitioned ? '' : 'ONLY '}${quote(target.schema)}.${quote(target.table)}`;
  const maxima = target.timestampColumns.map((c, i) => `to_json(max(${quote(c)}))::text AS t${i}`);
  if (target.integerKey) maxima.push(`max(${quote(target.integerKey)})::text AS max_key`);
  const selected = [estimated ? 'NULL::bigint AS n' : 'count(*)::bigint AS n', ...maxima];
  const [row] = await query<Record<string, string | null>>(`SELECT ${selected.join(', ')} FROM ${from}`);
  const newest: Record<string, string | null> = {};
  target.timestampColumns.forEach((c, i) => (newest[c] = row![`t${i}`] === null ? null : JSON.parse(row![`t${i}`]!)));
  return {
    rows: estimated ? Math.round(target.estimate) : Number(row!.n),
    estimated,
    newest,
    ...(target.integerKey && row!.max_key !== null ? { maxKey: { column: target.integerKey, value: row!.max_key! } } : {}),
  };
}

/** Each sequence's position (null: never used since it was created or restarted), and whether the role may read it at all. */
export async function readSequencePositions(query: Query, schemas: string[]): Promise<Record<string, { position: string | null; readable: boolean }>> {
  const rows = await query<{ key: string; position: string | null; readable: boolean }>(`
    SELECT s.schemaname || '.' || s.sequencename AS key, s.last_value::text AS position,
           has_sequence_privilege(format('%I.%I', s.schemaname, s.sequencename), 'SELECT') AS readable
    FROM pg_sequences s WHERE s.schemaname = ANY($1::text[])`, [schemas]);
  return Object.fromEntries(rows.map((r) => [r.key, { position: r.position, readable: r.readable }]));
}

/** The schema and the data fingerprint, read in one snapshot (the caller's REPEATABLE READ transaction). */
export async function readState(query: Query, schemas: string[], exactCountMaxRows: number): Promise<Pick<Baseline, 'schema' | 'data'>> {
  const schema = await readSchema(query, schemas);
  const tables: Baseline['data']['tables'] = {};
  for (const target of await fingerprintTargets(query, schemas)) tables[target.key] = await readTablePrint(query, target, exactCountMaxRows);
  const positions = await readSequencePositions(query, schemas);
  const sequences = Object.fromEntries(Object.entries(positions).map(([key, p]) => [key, p.position]));
  return { schema, data: { tables, sequences } };
}
