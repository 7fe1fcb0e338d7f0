import { defineProbe } from './probe.ts';

interface RoleRow {
  can_login: boolean;
  valid_until: Date | null;
  expired: boolean;
  can_connect: boolean;
}

export default defineProbe({
  id: 'app-role-privileges',
  title: "The application role's privileges",
  group: 'Privileges',
  severity: 'critical',
  what: "The role the application connects as: it exists, can log in and connect, and holds every privilege the profile lists on each of the app's tables (those the profile expects, found in its schemas, except the ones it excludes), with USAGE on the schemas and on the sequences its inserts draw from.",
  why: 'Roles and grants live outside a single database: a pg_dump restore run with --no-privileges or --no-owner, or onto a new server, brings the tables back without them. The database then looks whole, but every request the app makes fails with "permission denied".',
  async run(ctx) {
    const { applicationRole: role, schemas, expectedTables, criticalTables } = ctx.profile;
    if (!role) return ctx.skip('the profile names no application role');
    // The app's tables are the ones the profile expects; a table nobody expects (a leftover
    // backup copy) needs no grants, and schema-presence reports it. No list: every table.
    const appTables = [...new Set([...expectedTables, ...criticalTables])];

    let exists = false;
    await ctx.step(`Role ${role.name} exists and can log in`, async () => {
      const [row] = await ctx.query<RoleRow>(`
        SELECT r.rolcanlogin AS can_login, r.rolvaliduntil AS valid_until, coalesce(r.rolvaliduntil < now(), false) AS expired,
               has_database_privilege(r.oid, current_database(), 'CONNECT') AS can_connect
        FROM pg_roles r WHERE r.rolname = $1`, [role.name]);
      if (!row) {
        ctx.finding({ severity: 'critical', message: `The application role ${role.name} does not exist: the app cannot connect (roles are not part of a pg_dump of one database)` });
        return;
      }
      exists = true;
      ctx.fact('Application role', `${role.name}${row.valid_until ? `, valid until ${new Date(row.valid_until).toISOString()}` : ''}`);
      if (!row.can_login) ctx.finding({ severity: 'critical', message: `The application role ${role.name} cannot log in (NOLOGIN)` });
      if (row.expired) ctx.finding({ severity: 'critical', message: `The application role ${role.name}'s password expired at ${new Date(row.valid_until!).toISOString()} (VALID UNTIL)` });
      if (!row.can_connect) ctx.finding({ severity: 'critical', message: `The application role ${role.name} lacks CONNECT on this database` });
    });
    if (!exists) return;

    await ctx.step(`${role.name} has USAGE on the schemas`, async () => {
      const rows = await ctx.query<{ schema: string }>(`
        SELECT n.nspname AS schema FROM pg_namespace n
        WHERE n.nspname = ANY($2::text[]) AND NOT has_schema_privilege($1, n.oid, 'USAGE')
        ORDER BY n.nspname`, [role.name, schemas]);
      for (const { schema } of rows) {
        ctx.finding({ severity: 'critical', message: `The application role ${role.name} lacks USAGE on schema ${schema}: none of its tables can be reached` });
      }
    });

    await ctx.step(`${role.name} has ${role.privileges.join(', ')} on every table of the app`, async () => {
      const all = await ctx.query<{ table: string; name: string; missing: string[] }>(`
        SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS table, c.relname AS name,
               ARRAY(SELECT p FROM unnest($2::text[]) WITH ORDINALITY AS u(p, ord)
                     WHERE NOT has_table_privilege($1, c.oid, p) ORDER BY ord) AS missing
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($3::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND NOT (c.relname = ANY($4::text[]))
        ORDER BY n.nspname, c.relname`, [role.name, role.privileges, schemas, role.exceptTables]);
      const rows = appTables.length ? all.filter((r) => appTables.includes(r.name)) : all;
      if (rows.length < all.length) {
        ctx.fact('Tables not in the profile, not checked for the application role', all.filter((r) => !rows.includes(r)).map((r) => r.table).join(', '));
      }
      const lacking = rows.filter((r) => r.missing.length);
      const missingCount = lacking.reduce((sum, r) => sum + r.missing.length, 0);
      ctx.fact('Tables checked for the application role', `${rows.length} (${role.exceptTables.length} excepted: ${role.exceptTables.join(', ') || 'none'})`);
      if (!lacking.length) return;
      // Tables that lack the same privileges are listed together: "SELECT, INSERT on 39 tables: a, b, …".
      const bySet = new Map<string, string[]>();
      for (const r of lacking) bySet.set(r.missing.join(', '), [...(bySet.get(r.missing.join(', ')) ?? []), r.table]);
      const groups = [...bySet].map(([privileges, tables]) => `${privileges} on ${tables.length} table${tables.length === 1 ? '' : 's'} (${tables.join(', ')})`);
      ctx.finding({
        severity: 'critical',
        table: lacking.length === 1 ? lacking[0]!.table : undefined,
        count: missingCount,
        message: `The application role ${role.name} lacks ${missingCount} privileges on ${lacking.length} of ${rows.length} tables: ${groups.join('; ')} (grants not restored?)`,
      });
    });

    if (role.privileges.includes('INSERT')) {
      await ctx.step(`${role.name} can draw from serial sequences`, async () => {
        // Serial columns call nextval() as the inserting role; identity columns need no privilege.
        // The CASE keeps has_sequence_privilege() from being tried on rows that are no sequence.
        const rows = await ctx.query<{ sequence: string; table: string }>(`
          SELECT s.relname AS sequence, t.relname AS table
          FROM pg_depend d
          JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
          JOIN pg_class t ON t.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
          JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'a'
            AND n.nspname = ANY($2::text[]) AND NOT (t.relname = ANY($3::text[]))
            AND (cardinality($4::text[]) = 0 OR t.relname = ANY($4::text[]))
            AND CASE WHEN s.relkind = 'S' THEN NOT has_sequence_privilege($1, s.oid, 'USAGE') ELSE false END
          ORDER BY t.relname, s.relname`, [role.name, schemas, role.exceptTables, appTables]);
        if (!rows.length) return;
        ctx.finding({
          severity: 'critical',
          count: rows.length,
          message: `The application role ${role.name} lacks USAGE on ${rows.length} serial sequences, so inserts into their tables fail: ${rows.map((r) => `${r.sequence} (${r.table})`).join(', ')}`,
        });
      });
    }
  },
});
