// The signed-in user's data. Every route resolves the caller from the token and its session.
import type { FastifyInstance } from 'fastify';
import { HttpError, isAdmin, type AppContext } from '../app.ts';
import { adminUsers, conversation, conversationList, dashboard, errors, oauthProviders, securedBy, smsUsage, userProfile } from '../schemas.ts';

const providers = [
  { name: 'google', display_name: 'Google' },
  { name: 'microsoft', display_name: 'Microsoft' },
  { name: 'github', display_name: 'GitHub' },
];

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function apiRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db, options } = ctx;
  const protectedRoute = (summary: string, body: object, ...errorCodes: number[]) => ({
    schema: { tags: ['user'], summary, security: securedBy(options.authMode), response: { 200: body, ...errors(401, ...errorCodes) } },
  });

  app.get('/api/v1/users/me', protectedRoute('The signed-in user', userProfile), async (request) => {
    const { userId } = await ctx.authenticate(request);
    if (options.faults.has('users-me-500')) throw new Error('profile query failed: relation "users" is being restored');
    const { rows } = await db.query(
      `SELECT u.id, u.email, u.full_name, u.created_at, u.last_login_at,
              coalesce(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
       FROM users u LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id
       WHERE u.id = $1 GROUP BY u.id`,
      [userId],
    );
    if (!rows[0]) throw new HttpError(401, 'unauthorized', 'User no longer exists');
    return rows[0];
  });

  // Served from the UNLOGGED cache, recomputed when the user's row is missing.
  app.get('/api/v1/dashboard', protectedRoute('Counts for the dashboard', dashboard), async (request) => {
    const { userId } = await ctx.authenticate(request);
    const cached = await db.query('SELECT conversations, messages, sms_messages, refreshed_at FROM dashboard_counts WHERE user_id = $1', [userId]);
    if (cached.rows[0]) return cached.rows[0];
    const { rows } = await db.query(
      `INSERT INTO dashboard_counts (user_id, conversations, messages, sms_messages)
       SELECT $1,
         (SELECT count(*) FROM conversation_states WHERE user_id = $1),
         (SELECT count(*) FROM conversation_messages m JOIN conversation_states c USING (conversation_id) WHERE c.user_id = $1),
         (SELECT count(*) FROM sms_usage_logs WHERE user_id = $1)
       ON CONFLICT (user_id) DO UPDATE SET conversations = EXCLUDED.conversations, messages = EXCLUDED.messages,
         sms_messages = EXCLUDED.sms_messages, refreshed_at = now()
       RETURNING conversations, messages, sms_messages, refreshed_at`,
      [userId],
    );
    return rows[0];
  });

  app.get('/api/v1/chat/conversations', protectedRoute('The signed-in user\'s conversations', conversationList), async (request) => {
    const { userId } = await ctx.authenticate(request);
    if (options.faults.has('slow-endpoint')) await db.query('SELECT pg_sleep($1)', [options.slowEndpointSeconds]);
    const { rows } = await db.query(
      `SELECT c.conversation_id, c.title, c.status, c.updated_at,
              (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.conversation_id) AS message_count
       FROM conversation_states c WHERE c.user_id = $1 ORDER BY c.updated_at DESC, c.id`,
      [userId],
    );
    return { items: rows, total: rows.length };
  });

  app.get<{ Params: { conversation_id: string } }>('/api/v1/chat/conversations/:conversation_id', {
    schema: {
      ...protectedRoute('One conversation with its messages', conversation, 404).schema,
      params: { type: 'object', required: ['conversation_id'], properties: { conversation_id: { type: 'string' } } },
    },
  }, async (request) => {
    const { userId } = await ctx.authenticate(request);
    const id = request.params.conversation_id;
    const notFound = new HttpError(404, 'not_found', 'Conversation not found');
    if (!uuidPattern.test(id)) throw notFound;
    const ownerCheck = options.faults.has('conversation-idor') ? '' : 'AND user_id = $2';
    const { rows } = await db.query(
      `SELECT conversation_id, title, status, created_at FROM conversation_states WHERE conversation_id = $1 ${ownerCheck}`,
      options.faults.has('conversation-idor') ? [id] : [id, userId],
    );
    if (!rows[0]) throw notFound;
    const messages = await db.query(
      'SELECT id, role, content, created_at FROM conversation_messages WHERE conversation_id = $1 ORDER BY created_at, id',
      [id],
    );
    return { ...rows[0], messages: messages.rows };
  });

  app.get('/api/v1/oauth/providers', protectedRoute('Sign-in providers and whether they are connected', oauthProviders), async (request) => {
    let userId: string | null = null;
    try {
      userId = (await ctx.authenticate(request)).userId;
    } catch (err) {
      if (!options.faults.has('endpoint-without-auth')) throw err;
    }
    const { rows } = await db.query<{ settings_key: string }>(
      "SELECT settings_key FROM user_settings WHERE user_id = $1 AND settings_key LIKE 'oauth.%'",
      [userId],
    );
    const connected = new Set(rows.map((r) => r.settings_key.slice('oauth.'.length)));
    return { providers: providers.map((p) => ({ ...p, connected: connected.has(p.name) })) };
  });

  app.get('/api/v1/analytics/sms/usage', protectedRoute('SMS sent and received in the last 30 days', smsUsage), async (request, reply) => {
    const { userId } = await ctx.authenticate(request);
    if (options.faults.has('json-endpoint-html')) {
      return reply.type('text/html').serializer((x: unknown) => String(x)).send('<!doctype html><html><body><h1>Maintenance</h1></body></html>');
    }
    const { rows } = await db.query(
      `SELECT created_at::date::text AS day, count(*) AS count,
              count(*) FILTER (WHERE direction = 'inbound') AS inbound,
              count(*) FILTER (WHERE direction = 'outbound') AS outbound,
              sum(cost_cents) AS cost
       FROM sms_usage_logs WHERE user_id = $1 AND created_at > now() - interval '30 days'
       GROUP BY 1 ORDER BY 1`,
      [userId],
    );
    const sum = (key: string) => rows.reduce((acc, r) => acc + Number(r[key]), 0);
    return {
      total: sum('count'),
      inbound: sum('inbound'),
      outbound: sum('outbound'),
      total_cost_cents: sum('cost'),
      by_day: rows.map((r) => ({ day: r.day, count: Number(r.count) })),
    };
  });

  app.get('/api/v1/admin/users', {
    schema: { ...protectedRoute('All users (admin only)', adminUsers, 403).schema, tags: ['admin'] },
  }, async (request) => {
    const { userId } = await ctx.authenticate(request);
    if (!(await isAdmin(db, userId)) && !options.faults.has('admin-open')) throw new HttpError(403, 'forbidden', 'Requires the admin.users.read permission');
    const { rows } = await db.query(
      `SELECT u.id, u.email, coalesce(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
       FROM (SELECT id, email FROM users ORDER BY id LIMIT 50) u
       LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id
       GROUP BY u.id, u.email ORDER BY u.id`,
    );
    const total = await db.query<{ n: string }>("SELECT reltuples::bigint AS n FROM pg_class WHERE oid = 'users'::regclass");
    return { items: rows, total: Math.max(Number(total.rows[0]?.n ?? 0), rows.length) };
  });
}
