import { defineProbe } from './probe.ts';

/** PostgreSQL refuses new transaction ids a few million short of 2^31; this is the scale. */
const wraparound = 2 ** 31;

export default defineProbe({
  id: 'xid-age',
  title: 'Transaction-id wraparound',
  group: 'Activity',
  severity: 'critical',
  what: "The age in transactions of the database's oldest unfrozen row (age(datfrozenxid)) and of the oldest table in the profile's schemas (age(relfrozenxid), TOAST included), against VERITY_XID_AGE_MAX.",
  why: 'PostgreSQL must freeze old rows before transaction ids wrap around at about 2.1 billion, or it stops accepting writes to protect the data. A restored or crashed server whose vacuum has fallen behind can be days from that stop; the cure (VACUUM FREEZE) takes hours on big tables, so it must be seen early.',
  async run(ctx) {
    const max = ctx.thresholds.xidAgeMax;
    const share = (age: number) => `${((age / wraparound) * 100).toFixed(age / wraparound < 0.001 ? 4 : 1)}% of the way to wraparound`;

    await ctx.step(`Database age(datfrozenxid) at most ${max}`, async () => {
      const [row] = await ctx.query<{ database: string; xid_age: number; mxid_age: number; freeze_max_age: string }>(`
        SELECT datname AS database, age(datfrozenxid)::int AS xid_age, mxid_age(datminmxid)::int AS mxid_age,
               current_setting('autovacuum_freeze_max_age') AS freeze_max_age
        FROM pg_database WHERE datname = current_database()`);
      const { database, xid_age: age } = row!;
      ctx.fact(`age(datfrozenxid) of ${database}`, `${age} transactions (${share(age)})`);
      ctx.fact(`mxid_age(datminmxid) of ${database}`, row!.mxid_age);
      ctx.fact('autovacuum_freeze_max_age', row!.freeze_max_age);
      if (age > max) {
        ctx.finding({
          severity: 'critical',
          count: age,
          message: `Database ${database}: age(datfrozenxid) is ${age} transactions, above VERITY_XID_AGE_MAX ${max} (${share(age)}): transaction-id wraparound risk; VACUUM (FREEZE) the oldest tables`,
          query: 'SELECT age(datfrozenxid) FROM pg_database WHERE datname = current_database()',
        });
      }
    });

    await ctx.step(`Oldest table age(relfrozenxid) at most ${max}`, async () => {
      const [row] = await ctx.query<{ table: string; xid_age: number }>(`
        SELECT n.nspname || '.' || c.relname AS table,
               greatest(age(c.relfrozenxid), age(t.relfrozenxid))::int AS xid_age
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
        WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'm')
        ORDER BY 2 DESC, 1 LIMIT 1`, [ctx.profile.schemas]);
      if (!row) {
        ctx.fact('Oldest table age(relfrozenxid)', "no tables in the profile's schemas");
        return;
      }
      ctx.fact('Oldest table age(relfrozenxid)', `${row.table}: ${row.xid_age} transactions`);
      if (row.xid_age > max) {
        ctx.finding({
          severity: 'critical',
          table: row.table,
          count: row.xid_age,
          message: `Table ${row.table}: age(relfrozenxid) is ${row.xid_age} transactions, above VERITY_XID_AGE_MAX ${max} (${share(row.xid_age)}): transaction-id wraparound risk; VACUUM (FREEZE) ${row.table}`,
        });
      }
    });
  },
});
