import { defineProbe } from './probe.ts';

interface Usage {
  max_connections: number;
  superuser_reserved: number;
  reserved: number;
  clients: number;
  sees_all: boolean;
}

export default defineProbe({
  id: 'connection-saturation',
  title: 'Connection slots in use',
  group: 'Activity',
  severity: 'major',
  what: 'Client connections open on the server against the slots ordinary roles may use (max_connections minus the reserved ones), compared with VERITY_CONNECTION_SATURATION_MAX, with the application names holding the most.',
  why: 'When the slots run out PostgreSQL refuses new connections ("too many clients already") and the app fails for everyone. After a crash or a restart, clients that reconnect in bulk or leak connections fill the server quickly; seeing it early, with who holds them, avoids an outage.',
  async run(ctx) {
    const max = ctx.thresholds.connectionSaturationMax;
    await ctx.step(`Client connections at most ${Math.round(max * 100)}% of the available slots`, async () => {
      const [row] = await ctx.query<Usage>(`
        SELECT current_setting('max_connections')::int AS max_connections,
               current_setting('superuser_reserved_connections')::int AS superuser_reserved,
               coalesce(current_setting('reserved_connections', true), '0')::int AS reserved,
               (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS clients,
               pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS sees_all`);
      const u = row!;
      const available = u.max_connections - u.superuser_reserved - u.reserved;
      const ratio = available > 0 ? u.clients / available : 1;
      const reservedText = `${u.superuser_reserved} reserved for superusers${u.reserved ? `, ${u.reserved} for pg_use_reserved_connections` : ''}`;
      ctx.fact('Client connections', `${u.clients} of ${available} available (max_connections ${u.max_connections}, ${reservedText}): ${percent(ratio)}`);
      if (!u.sees_all) {
        ctx.finding({ severity: 'minor', message: "Verity's role is not a member of pg_read_all_stats (pg_monitor): other roles' sessions may not be counted, so the saturation shown can be too low" });
      }
      if (ratio <= max) return;
      const apps = await ctx.query<{ app: string; n: number; idle: number }>(`
        SELECT coalesce(nullif(application_name, ''), '(no application_name)') AS app, count(*)::int AS n,
               count(*) FILTER (WHERE state = 'idle')::int AS idle
        FROM pg_stat_activity WHERE backend_type = 'client backend'
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`);
      const top = apps.map((a) => `${a.app} ${a.n} (${a.idle} idle)`).join(', ');
      ctx.finding({
        severity: 'major',
        count: u.clients,
        message: `${u.clients} of ${available} connection slots are in use (${percent(ratio)}), above VERITY_CONNECTION_SATURATION_MAX ${percent(max)}: new connections will soon be refused. Most connections by application_name: ${top}`,
      });
    });
  },
});

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
