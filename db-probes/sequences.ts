import { defineProbe, ident, qualified } from './probe.ts';

interface SequenceUse {
  table_schema: string;
  table_name: string;
  column_name: string;
  seq_schema: string;
  seq_name: string;
  increment_by: string;
  readable: boolean;
}

/** A sequence's own state, read from the sequence relation itself. */
interface SequenceState {
  last_value: string;
  /** false after setval(…, false), ALTER SEQUENCE … RESTART or before first use: nextval() returns last_value itself. */
  is_called: boolean;
}

export default defineProbe({
  id: 'sequences',
  title: 'Sequences ahead of their columns',
  group: 'Integrity',
  severity: 'critical',
  what: "Every sequence that feeds a column (identity, serial, or a DEFAULT nextval) in the profile's schemas: the next value it hands out is not already in the column.",
  why: 'A restore of data without its sequence values, or a sequence reset by hand, makes the next insert reuse an existing id: sign-ups, sessions and messages then fail with a duplicate key until someone moves the sequence forward.',
  async run(ctx) {
    // Owned sequences (identity: deptype i, serial: deptype a) and sequences named in a column's
    // DEFAULT (the attrdef depends on them, deptype n), one row per column and sequence.
    const uses = await ctx.query<SequenceUse>(`
      WITH feeds AS (
        SELECT d.refobjid AS table_oid, d.refobjsubid AS attnum, d.objid AS seq_oid
        FROM pg_depend d
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        UNION
        SELECT ad.adrelid, ad.adnum, d.refobjid
        FROM pg_attrdef ad JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
        WHERE d.refclassid = 'pg_class'::regclass
      )
      SELECT tn.nspname AS table_schema, t.relname AS table_name, a.attname AS column_name,
             sn.nspname AS seq_schema, s.relname AS seq_name,
             seq.seqincrement::text AS increment_by,
             has_sequence_privilege(s.oid, 'SELECT') AS readable
      FROM feeds f
      JOIN pg_class s ON s.oid = f.seq_oid AND s.relkind = 'S'
      JOIN pg_namespace sn ON sn.oid = s.relnamespace
      JOIN pg_class t ON t.oid = f.table_oid AND t.relkind IN ('r', 'p')
      JOIN pg_namespace tn ON tn.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = f.attnum AND NOT a.attisdropped
      JOIN pg_sequence seq ON seq.seqrelid = s.oid
      WHERE tn.nspname = ANY($1::text[]) AND NOT t.relispartition
      ORDER BY t.relname, a.attname, s.relname`, [ctx.profile.schemas]);
    ctx.fact('Sequences checked', new Set(uses.map((u) => `${u.seq_schema}.${u.seq_name}`)).size);
    for (const use of uses) {
      const target = `${use.table_name}.${use.column_name}`;
      await ctx.step(`${target} (${use.seq_name})`, async () => {
        // Verity's role cannot look: not a finding about the database.
        if (!use.readable) return ctx.cannotObserve(`${target}: sequence ${use.seq_name} cannot be read (Verity's role lacks SELECT on it)`);
        const c = ident(use.column_name);
        const sql = `SELECT max(${c})::text AS max, min(${c})::text AS min FROM ${qualified(use.table_schema, use.table_name)}`;
        let row: { max: string | null; min: string | null } | undefined;
        try {
          [row] = await ctx.query<{ max: string | null; min: string | null }>(sql);
        } catch (err) {
          // Damaged pages are the checksum and B-tree probes' finding; here they only mean "unchecked".
          if (!['XX001', 'XX002'].includes((err as { code?: string }).code ?? '')) throw err;
          ctx.finding({ severity: 'minor', table: use.table_name, column: use.column_name, message: `${target}: not checked, the table could not be read (${(err as Error).message})` });
          return;
        }
        const ascending = BigInt(use.increment_by) > 0n;
        const edge = ascending ? row!.max : row!.min;
        if (edge === null) return; // an empty column cannot collide
        const used = BigInt(edge.replace(/\..*$/, ''));
        // pg_sequences.last_value is NULL whenever is_called is false: before first use, but also
        // after ALTER SEQUENCE … RESTART or setval(…, false), when the sequence resumes at a value
        // of its own choosing. The sequence relation holds both fields in every case. It is read
        // after the column, so rows inserted meanwhile drew values it already reflects.
        const stateSql = `SELECT last_value::text AS last_value, is_called FROM ${qualified(use.seq_schema, use.seq_name)}`;
        const [state] = await ctx.query<SequenceState>(stateSql);
        const { last_value: lastValue, is_called: called } = state!;
        // The value nextval() returns next: last_value itself while it has not been handed out.
        const next = called ? BigInt(lastValue) + BigInt(use.increment_by) : BigInt(lastValue);
        const collides = ascending ? next <= used : next >= used;
        if (collides) {
          ctx.finding({
            severity: 'critical',
            table: use.table_name,
            column: use.column_name,
            message: `${target}: sequence ${use.seq_name} is behind the column (last_value ${lastValue}${called ? '' : ' with is_called false'}, ` +
              `so nextval() returns ${next}; ${ascending ? 'max' : 'min'}(${use.column_name}) ${edge}): the next insert will hit a duplicate key`,
            query: `${sql}; ${stateSql}`,
          });
        }
      });
    }
  },
});
