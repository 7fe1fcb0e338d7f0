import { displayName, readSchema, type SchemaSnapshot } from '../src/baseline.ts';
import { defineProbe, type Finding, type ProbeContext, type Severity } from './probe.ts';

type Kind = keyof SchemaSnapshot;
/** How each kind of object is called in a message. */
const noun: Record<Kind, string> = {
  relations: 'table', constraints: 'constraint', indexes: 'index', sequences: 'sequence', triggers: 'trigger',
  functions: 'function', grants: 'grants on', extensions: 'extension', collations: 'collation',
};

export default defineProbe({
  id: 'schema-drift',
  title: 'Schema as in the baseline',
  group: 'Baseline',
  severity: 'critical',
  what: "The schema now against the baseline's (npm run baseline): tables, views and columns (type, NOT NULL, default), primary, foreign, unique, check and exclusion constraints and their validation, indexes, sequences, triggers and whether they fire, functions by signature, grants, extensions, collations and owners. What is missing or changed fails (critical on the profile's critical tables); what was added since is reported as a fact, not a failure: migrations happen.",
  why: 'A restore that skipped its post-data step, or a hand-made repair, leaves a schema that still answers queries but no longer guards the data: a dropped NOT NULL or unique constraint, a foreign key gone from a column no probe can guess is a reference, a column turned to text, a revoked grant. Only the record of before can tell.',
  async run(ctx) {
    if (!ctx.baseline) return ctx.skip('no baseline: record the known-good state with npm run baseline -- --out FILE, then set VERITY_BASELINE=FILE');
    const before = ctx.baseline.recorded.schema;
    let now: SchemaSnapshot | undefined;
    await ctx.step(`Schema of ${ctx.baseline.recorded.schemas.join(', ')} read from the catalogs`, async () => {
      now = await readSchema(ctx.query, ctx.baseline!.recorded.schemas);
    });
    if (!now) return;
    const critical = new Set(ctx.profile.criticalTables);
    // A table that is gone is told once: not again for each of its constraints, indexes, triggers and grants.
    const stillThere = (table: string) => table in now!.relations;
    const severityOf = (table: string | undefined): Severity => (table && critical.has(table.slice(table.indexOf('.') + 1)) ? 'critical' : 'major');
    const drift = (message: string, table?: string, extra: Partial<Finding> = {}) =>
      ctx.finding({ severity: severityOf(table), message, ...(table ? { table: displayName(table) } : {}), ...extra });

    await ctx.step('Tables, views and their columns', async () => compareRelations(before, now!, drift));
    await ctx.step('Constraints', async () => {
      for (const [key, was] of Object.entries(before.constraints)) {
        const is = now!.constraints[key];
        const name = `${was.kind} ${key.slice(key.lastIndexOf('.') + 1)} on ${displayName(was.table)}`;
        if (!stillThere(was.table)) continue;
        if (!is) drift(`${name} is gone (it was ${was.definition})`, was.table);
        else if (is.definition !== was.definition) drift(`${name} changed from ${was.definition} to ${is.definition}`, was.table);
        else if (was.validated && !is.validated) drift(`${name} is no longer validated (NOT VALID): rows written meanwhile were not checked`, was.table);
      }
    });
    await ctx.step('Indexes', async () => {
      for (const [key, was] of Object.entries(before.indexes)) {
        const is = now!.indexes[key];
        if (!stillThere(was.table)) continue;
        if (!is) drift(`index ${displayName(key)} on ${displayName(was.table)} is gone (it was ${was.definition})`, was.table);
        else if (is.definition !== was.definition) drift(`index ${displayName(key)} changed from ${was.definition} to ${is.definition}`, was.table);
      }
    });
    await ctx.step('Sequences, triggers and functions', async () => {
      for (const [key, was] of Object.entries(before.sequences)) {
        const is = now!.sequences[key];
        if (!is) drift(`sequence ${displayName(key)} is gone`);
        else if (is.type !== was.type) drift(`sequence ${displayName(key)} changed type from ${was.type} to ${is.type}`);
      }
      for (const [key, was] of Object.entries(before.triggers)) {
        const is = now!.triggers[key];
        const name = `trigger ${key.slice(key.lastIndexOf('.') + 1)} on ${displayName(was.table)}`;
        if (!stillThere(was.table)) continue;
        if (!is) drift(`${name} is gone`, was.table);
        else if (is.definition !== was.definition) drift(`${name} changed from ${was.definition} to ${is.definition}`, was.table);
        else if (was.enabled !== 'D' && is.enabled === 'D') drift(`${name} is disabled: it no longer fires`, was.table);
      }
      for (const [key, was] of Object.entries(before.functions)) {
        const is = now!.functions[key];
        if (!is) drift(`function ${displayName(key)} is gone`);
        else if (is.returns !== was.returns) drift(`function ${displayName(key)} changed its result from ${was.returns} to ${is.returns}`);
      }
    });
    await ctx.step('Grants and owners', async () => {
      for (const [relation, byGrantee] of Object.entries(before.grants)) {
        if (!now!.relations[relation]) continue; // its loss is told once, above
        for (const [grantee, privileges] of Object.entries(byGrantee)) {
          const held = new Set(now!.grants[relation]?.[grantee] ?? []);
          const gone = privileges.filter((p) => !held.has(p));
          if (gone.length) drift(`${gone.join(', ')} on ${displayName(relation)} for ${grantee} ${gone.length === 1 ? 'is' : 'are'} gone`, relation);
        }
      }
      for (const [key, was] of Object.entries(before.relations)) {
        const is = now!.relations[key];
        if (is && is.owner !== was.owner) drift(`owner of ${displayName(key)} changed from ${was.owner} to ${is.owner}`, key);
      }
    });
    await ctx.step('Extensions and collations', async () => {
      for (const [name, was] of Object.entries(before.extensions)) {
        const is = now!.extensions[name];
        if (!is) drift(`extension ${name} is gone`);
        // An extension's update is a deliberate step more often than damage: a warning to read.
        else if (is.version !== was.version) ctx.finding({ severity: 'minor', message: `extension ${name} changed version from ${was.version} to ${is.version}` });
      }
      for (const [key, was] of Object.entries(before.collations)) {
        const is = now!.collations[key];
        if (!is) drift(`collation ${displayName(key)} is gone`);
        else if (is.locale !== was.locale) drift(`collation ${displayName(key)} changed locale from ${was.locale} to ${is.locale}`);
      }
    });
    reportAdded(ctx, before, now);
  },
});

function compareRelations(before: SchemaSnapshot, now: SchemaSnapshot, drift: (message: string, table?: string) => void): void {
  for (const [key, was] of Object.entries(before.relations)) {
    const is = now.relations[key];
    const name = displayName(key);
    if (!is) {
      drift(`${was.kind} ${name} is gone`, key);
      continue;
    }
    if (is.kind !== was.kind) drift(`${name} changed from a ${was.kind} to a ${is.kind}`, key);
    if (was.definition !== undefined && is.definition !== was.definition) drift(`${was.kind} ${name} changed its query`, key);
    for (const [column, c] of Object.entries(was.columns)) {
      const now = is.columns[column];
      if (!now) drift(`${name}.${column} is gone`, key);
      else {
        if (now.type !== c.type) drift(`${name}.${column} changed type from ${c.type} to ${now.type}`, key);
        if (c.notNull && !now.notNull) drift(`${name}.${column} lost NOT NULL`, key);
        if (!c.notNull && now.notNull) drift(`${name}.${column} gained NOT NULL`, key);
        if (now.default !== c.default) drift(`${name}.${column} changed its default from ${c.default ?? 'none'} to ${now.default ?? 'none'}`, key);
      }
    }
  }
}

/** Objects added since the baseline: facts, one line per kind. */
function reportAdded(ctx: ProbeContext, before: SchemaSnapshot, now: SchemaSnapshot): void {
  const added: string[] = [];
  for (const kind of Object.keys(noun) as Kind[]) {
    if (kind === 'grants') continue;
    const names = Object.keys(now[kind]).filter((key) => !(key in before[kind]));
    if (names.length) added.push(`${noun[kind]} ${names.map(displayName).join(', ')}`);
  }
  for (const [key, is] of Object.entries(now.relations)) {
    const was = before.relations[key];
    const columns = was ? Object.keys(is.columns).filter((c) => !(c in was.columns)) : [];
    if (columns.length) added.push(`columns ${columns.map((c) => `${displayName(key)}.${c}`).join(', ')}`);
  }
  ctx.fact('Added since the baseline', added.length ? added.join('; ') : 'nothing');
}
