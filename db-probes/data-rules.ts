import { defineProbe, ident, qualified, type ProbeContext, type Severity } from './probe.ts';

interface ColumnRef {
  table: string;
  column: string;
}

/** Where a profile's table and column live, resolved from the catalog in the profile's schema order. */
interface Resolved {
  schema: string;
  table: string;
  column: string;
}

const noun = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export default defineProbe({
  id: 'data-rules',
  title: 'Data rules of the application',
  group: 'Integrity',
  severity: 'critical',
  what: "The profile's data rules, checked on every row: columns that must hold a non-blank value (on every row, or where a condition holds), columns whose values must match a pattern (a password hash's format), columns unique regardless of letter case, and parent rows that must each have a child row (a user's role, a user's default settings).",
  why: 'These rules are kept by the application or by constraints a restore can lose: after a partial restore, a manual repair or a lost constraint, users can exist without an email, a role or their settings, and sign-in or the pages that assume them break for those users only.',
  async run(ctx) {
    const { notBlank, matches, uniqueIgnoringCase, everyParentHasChild } = ctx.profile.rules;
    const critical = new Set(ctx.profile.criticalTables);
    const severityFor = (...tables: string[]): Severity => (tables.some((t) => critical.has(t)) ? 'critical' : 'major');
    const columns = await resolveColumns(ctx, [
      ...notBlank,
      ...matches,
      ...uniqueIgnoringCase,
      ...everyParentHasChild.flatMap((r) => [r.parent, r.child]),
    ]);
    const where = (ref: ColumnRef) => columns.found.get(key(ref));
    // A missing table is schema-presence's finding; a missing column is nobody else's.
    const notFound = (ref: ColumnRef) => {
      if (!columns.tables.has(ref.table)) {
        ctx.finding({
          severity: 'info',
          table: ref.table,
          message: `${ref.table}.${ref.column}: not checked: table ${ref.table} does not exist in schema ${ctx.profile.schemas.join(', ')} (see schema-presence)`,
        });
        return;
      }
      ctx.finding({
        severity: 'major',
        table: ref.table,
        column: ref.column,
        message: `${ref.table}.${ref.column}: cannot check the rule: table ${ref.table} has no column ${ref.column}`,
      });
    };
    ctx.fact('Data rules', notBlank.length + matches.length + uniqueIgnoringCase.length + everyParentHasChild.length);

    // notBlank: one scan per table, however many of its columns have the rule; one step per rule.
    type Counted = Resolved & { condition?: string };
    const byTable = new Map<string, Counted[]>();
    const sameRule = (a: Counted, b: Counted) => a.column === b.column && a.condition === b.condition;
    for (const ref of notBlank) {
      const col = where(ref);
      if (!col) continue;
      const counted = { ...col, condition: ref.where };
      const tableKey = `${col.schema}.${col.table}`;
      if (!byTable.has(tableKey)) byTable.set(tableKey, []);
      if (!byTable.get(tableKey)!.some((c) => sameRule(c, counted))) byTable.get(tableKey)!.push(counted);
    }
    const scans = new Map<string, Promise<{ sql: string; blanks: number[] }>>();
    const scan = (tableKey: string) => {
      let result = scans.get(tableKey);
      if (!result) {
        const cols = byTable.get(tableKey)!;
        const { schema, table } = cols[0]!;
        const counts = cols.map((c, i) => {
          const v = `${ident(c.column)}::text`;
          const condition = c.condition ? `(${c.condition}) AND ` : '';
          return `count(*) FILTER (WHERE ${condition}(${v} IS NULL OR btrim(${v}, E' \\t\\r\\n') = ''))::bigint AS c${i}`;
        });
        const sql = `SELECT ${counts.join(', ')} FROM ${qualified(schema, table)}`;
        result = ctx.query<Record<string, string>>(sql).then(([row]) => ({ sql, blanks: cols.map((_, i) => Number(row![`c${i}`])) }));
        // A failed scan is reported by each of its rules' steps; never as an unhandled rejection.
        result.catch(() => undefined);
        scans.set(tableKey, result);
      }
      return result;
    };
    for (const ref of notBlank) {
      const condition = ref.where ? ` where ${ref.where}` : '';
      await ctx.step(`${ref.table}.${ref.column} is not blank${condition}`, async () => {
        const col = where(ref);
        if (!col) return notFound(ref);
        const tableKey = `${col.schema}.${col.table}`;
        const { sql, blanks } = await scan(tableKey);
        const n = blanks[byTable.get(tableKey)!.findIndex((c) => sameRule(c, { ...col, condition: ref.where }))]!;
        if (n > 0) {
          ctx.finding({
            severity: severityFor(col.table),
            table: col.table,
            column: col.column,
            count: n,
            message: `${col.table}.${col.column}: ${noun(n, 'row is', 'rows are')} NULL, empty or blank${condition}`,
            query: normalize(sql),
          });
        }
      });
    }

    for (const rule of matches) {
      const condition = rule.where ? ` where ${rule.where}` : '';
      await ctx.step(`${rule.table}.${rule.column} matches ${rule.pattern}${condition}`, async () => {
        const col = where(rule);
        if (!col) return notFound(rule);
        // Values are never reported: they are often secrets or personal data (hashes, emails).
        const v = `${ident(col.column)}::text`;
        const sql = `SELECT count(*)::bigint AS n FROM ${qualified(col.schema, col.table)}
                     WHERE ${v} IS NOT NULL AND ${v} !~ $1${rule.where ? ` AND (${rule.where})` : ''}`;
        const [row] = await ctx.query<{ n: string }>(sql, [rule.pattern]);
        const n = Number(row!.n);
        if (n > 0) {
          ctx.finding({
            severity: severityFor(col.table),
            table: col.table,
            column: col.column,
            count: n,
            message: `${col.table}.${col.column}: ${noun(n, 'value does', 'values do')} not match ${rule.pattern}${condition}`,
            query: normalize(sql),
          });
        }
      });
    }

    for (const ref of uniqueIgnoringCase) {
      await ctx.step(`${ref.table}.${ref.column} is unique ignoring case`, async () => {
        const col = where(ref);
        if (!col) return notFound(ref);
        // Values are never reported: they are often personal data (emails).
        const c = ident(col.column);
        const sql = `SELECT count(*)::bigint AS values, coalesce(sum(n), 0)::bigint AS rows
                     FROM (SELECT count(*) AS n FROM ${qualified(col.schema, col.table)}
                           WHERE ${c} IS NOT NULL GROUP BY lower(${c}::text) HAVING count(*) > 1) d`;
        const [row] = await ctx.query<{ values: string; rows: string }>(sql);
        const values = Number(row!.values);
        const rows = Number(row!.rows);
        if (values > 0) {
          ctx.finding({
            severity: severityFor(col.table),
            table: col.table,
            column: col.column,
            count: rows,
            message: `${col.table}.${col.column}: ${noun(values, 'value is', 'values are')} duplicated ignoring letter case, across ${noun(rows, 'row', 'rows')}`,
            query: normalize(sql),
          });
        }
      });
    }

    for (const rule of everyParentHasChild) {
      await ctx.step(rule.name, async () => {
        const parent = where(rule.parent);
        const child = where(rule.child);
        if (!parent) return notFound(rule.parent);
        if (!child) return notFound(rule.child);
        const extra = rule.childWhere ? ` AND (${rule.childWhere})` : '';
        const sql = `SELECT count(*)::bigint AS n FROM ${qualified(parent.schema, parent.table)} p
                     WHERE p.${ident(parent.column)} IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM ${qualified(child.schema, child.table)} c
                                       WHERE c.${ident(child.column)} = p.${ident(parent.column)}${extra})`;
        const [row] = await ctx.query<{ n: string }>(sql);
        const n = Number(row!.n);
        if (n > 0) {
          const kind = rule.childWhere ? ` where ${rule.childWhere}` : '';
          ctx.finding({
            severity: severityFor(parent.table, child.table),
            table: parent.table,
            column: parent.column,
            count: n,
            message: `${parent.table}.${parent.column}: ${noun(n, 'row has', 'rows have')} no ${child.table}.${child.column} row${kind} (${rule.name})`,
            query: normalize(sql),
          });
        }
      });
    }
  },
});

const key = (ref: ColumnRef) => `${ref.table}.${ref.column}`;

function normalize(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

/** Finds each table's schema (the first of the profile's schemas that has it) and checks the column exists. */
async function resolveColumns(ctx: ProbeContext, refs: ColumnRef[]): Promise<{ found: Map<string, Resolved>; tables: Set<string> }> {
  const tables = [...new Set(refs.map((r) => r.table))];
  const resolved = new Map<string, Resolved>();
  if (!tables.length) return { found: resolved, tables: new Set() };
  const rows = await ctx.query<{ schema: string; table: string; columns: string[] }>(`
    SELECT DISTINCT ON (c.relname) n.nspname AS schema, c.relname AS table,
           ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)::text[] AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1::text[]) AND c.relname = ANY($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    ORDER BY c.relname, array_position($1::text[], n.nspname::text)`, [ctx.profile.schemas, tables]);
  const found = new Map(rows.map((r) => [r.table, r]));
  for (const ref of refs) {
    const table = found.get(ref.table);
    if (table?.columns.includes(ref.column)) resolved.set(key(ref), { schema: table.schema, table: table.table, column: ref.column });
  }
  return { found: resolved, tables: new Set(found.keys()) };
}
