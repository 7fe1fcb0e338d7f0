import { defineProbe } from './probe.ts';

interface BadIndex {
  schema: string;
  table: string;
  index: string;
  valid: boolean;
  ready: boolean;
  live: boolean;
  is_unique: boolean;
  definition: string;
  /** A CREATE INDEX or REINDEX is running on this index right now. */
  building: boolean;
}

export default defineProbe({
  id: 'invalid-indexes',
  title: 'Invalid indexes',
  group: 'Indexes',
  severity: 'major',
  what: "Indexes in the profile's schemas that PostgreSQL marks INVALID or not ready: the leftovers of a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY that failed or was interrupted.",
  why: 'An invalid index is never used to read, so the queries it was built for scan whole tables, and an invalid unique index guarantees nothing about the rows already there; a crash or a cancelled migration during an index build leaves one behind silently.',
  async run(ctx) {
    await ctx.step('Every index is valid and ready', async () => {
      const [total] = await ctx.query<{ n: number }>(`
        SELECT count(*)::int AS n FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
        WHERE ns.nspname = ANY($1::text[])`, [ctx.profile.schemas]);
      ctx.fact('Indexes checked', total!.n);
      const bad = await ctx.query<BadIndex>(`
        SELECT ns.nspname AS schema, t.relname AS table, ic.relname AS index,
               i.indisvalid AS valid, i.indisready AS ready, i.indislive AS live, i.indisunique AS is_unique,
               pg_get_indexdef(i.indexrelid) AS definition,
               EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) AS building
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
        WHERE ns.nspname = ANY($1::text[]) AND NOT (i.indisvalid AND i.indisready AND i.indislive)
        ORDER BY t.relname, ic.relname`, [ctx.profile.schemas]);
      for (const index of bad) {
        const state = [
          !index.valid && 'INVALID',
          !index.ready && 'not ready (writes do not maintain it)',
          !index.live && 'being dropped',
        ].filter(Boolean).join(' and ');
        if (index.building) {
          ctx.finding({
            severity: 'minor',
            table: index.table,
            message: `Index ${index.index} on ${index.table} is ${state} because it is being built right now: run Verity again after the build`,
          });
          continue;
        }
        const consequence = !index.is_unique ? 'queries do not use it'
          : index.ready ? 'queries do not use it, and the rows already there may break the uniqueness it promises'
          : 'queries do not use it, and it enforces no uniqueness';
        ctx.finding({
          severity: 'major',
          table: index.table,
          message: `Index ${index.index} on ${index.table} is ${state}: ${consequence}; drop it and build it again (${index.definition})`,
        });
      }
    });
  },
});
