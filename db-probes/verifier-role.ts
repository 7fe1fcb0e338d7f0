import { defineProbe } from './probe.ts';

interface Role {
  role: string;
  superuser: boolean;
  session_read_only: string;
  role_settings: string[];
}

const readOnlySetting = /^default_transaction_read_only=(on|true|yes|1)$/i;
/** How many writable tables one finding names; the count covers them all. */
const listed = 10;

export default defineProbe({
  id: 'verifier-role',
  title: "Verity's own role is read-only",
  group: 'Privileges',
  severity: 'minor',
  what: 'The role Verity connects as: whether it is a superuser or could write (INSERT, UPDATE, DELETE or TRUNCATE on a table, CREATE on a schema), whether it holds pg_monitor and pg_read_all_data, and whether read-only is its default.',
  why: "Verity only ever reads, in READ ONLY transactions, but a verifier pointed at production right after a crash or a restore should not be able to change anything even by mistake. A dedicated role with pg_monitor and pg_read_all_data sees everything it needs and can write nothing.",
  async run(ctx) {
    await ctx.step("Verity's role cannot write", async () => {
      const [row] = await ctx.query<Role>(`
        SELECT current_user AS role, r.rolsuper AS superuser,
               current_setting('default_transaction_read_only') AS session_read_only,
               ARRAY(SELECT unnest(s.setconfig) FROM pg_db_role_setting s
                     WHERE s.setrole = r.oid AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))) AS role_settings
        FROM pg_roles r WHERE r.rolname = current_user`);
      const role = row!;
      const roleReadOnly = role.role_settings.some((s) => readOnlySetting.test(s));
      ctx.fact('Verity connects as', `${role.role}${role.superuser ? ' (superuser)' : ''}`);
      ctx.fact('default_transaction_read_only', `${role.session_read_only} in Verity's sessions; ${roleReadOnly ? 'on' : 'not set'} for the role itself`);

      const writable = await ctx.query<{ table: string }>(`
        SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p')
          AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
        ORDER BY 1`, [ctx.profile.schemas]);
      const creatable = await ctx.query<{ schema: string }>(`
        SELECT nspname AS schema FROM pg_namespace WHERE nspname = ANY($1::text[]) AND has_schema_privilege(oid, 'CREATE') ORDER BY 1`, [ctx.profile.schemas]);

      const reasons: string[] = [];
      if (role.superuser) reasons.push('it is a superuser');
      if (writable.length) {
        const names = writable.slice(0, listed).map((w) => w.table).join(', ') + (writable.length > listed ? ` and ${writable.length - listed} more` : '');
        reasons.push(`it can write to ${writable.length} tables (${names})`);
      }
      if (creatable.length) reasons.push(`it can CREATE in schema ${creatable.map((c) => c.schema).join(', ')}`);
      if (reasons.length) {
        ctx.finding({
          severity: 'minor',
          count: writable.length || undefined,
          message: `Verity connects as ${role.role}, and ${reasons.join('; ')}: connect as a read-only role instead` +
            ' (CREATE ROLE verity_ro LOGIN; GRANT pg_monitor, pg_read_all_data TO verity_ro; ALTER ROLE verity_ro SET default_transaction_read_only = on)',
        });
      }
    });

    await ctx.step("Verity's role can see what it checks", async () => {
      const [row] = await ctx.query<{ monitor: boolean; read_all: boolean; role: string }>(`
        SELECT current_user AS role, pg_has_role(current_user, 'pg_monitor', 'USAGE') AS monitor,
               pg_has_role(current_user, 'pg_read_all_data', 'USAGE') AS read_all`);
      const missing = [!row!.monitor && 'pg_monitor (other sessions and server statistics)', !row!.read_all && 'pg_read_all_data (the rows of every table)'].filter(Boolean);
      if (missing.length) {
        ctx.finding({
          severity: 'minor',
          message: `Verity's role ${row!.role} lacks ${missing.join(' and ')}: probes may see less than there is and report it as sound; GRANT them to ${row!.role}`,
        });
      }
    });
  },
});
