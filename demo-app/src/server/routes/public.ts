// Routes anyone may call: health, app info, the SPA's boot config, JWKS and the API document.
import type { FastifyInstance } from 'fastify';
import { appVersion, isAdmin, type AppContext } from '../app.ts';


export async function publicRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/health', {
    schema: {
      tags: ['public'],
      summary: 'Liveness and database reachability',
      response: {
        200: healthSchema,
        503: healthSchema,
      },
    },
  }, async (_request, reply) => {
    const mediaType = ctx.options.conventions?.healthMediaType;
    if (mediaType) reply.type(mediaType);
    const started = process.hrtime.bigint();
    try {
      await ctx.db.query('SELECT 1');
      const latency = Number(process.hrtime.bigint() - started) / 1e6;
      return { status: 'ok', version: appVersion, database: { reachable: true, latency_ms: Math.round(latency * 100) / 100 } };
    } catch {
      return reply.code(503).send({ status: 'unavailable', version: appVersion, database: { reachable: false, latency_ms: null } });
    }
  });

  app.get('/api/v1/info', {
    schema: {
      tags: ['public'],
      summary: 'Application name and version',
      response: {
        200: {
          type: 'object',
          required: ['name', 'version', 'auth_mode'],
          properties: { name: { type: 'string' }, version: { type: 'string' }, auth_mode: { type: 'string', enum: ['bearer', 'cookie'] } },
        },
      },
    },
  }, async () => ({ name: 'Personal Assistant', version: appVersion, auth_mode: ctx.options.authMode }));

  // Read by the SPA at boot. The two SPA faults live here: they change what the page does.
  app.get('/app-config.json', { schema: { hide: true } }, async (request) => {
    const faults = ctx.options.faults;
    const host = request.headers.host ?? '';
    const otherOrigin = host.startsWith('127.0.0.1') ? `http://${host.replace('127.0.0.1', 'localhost')}` : `http://${host.replace('localhost', '127.0.0.1')}`;
    return {
      api_base: faults.has('spa-cross-origin-api') ? otherOrigin : '',
      auth_mode: ctx.options.authMode,
      refresh_on_401: !faults.has('spa-refresh-broken'),
      login_labels: !ctx.options.conventions?.unlabelledLogin,
      dashboard_optional: ctx.options.conventions?.dashboardOptional404 ? '/api/v1/dashboard/announcements' : null,
      auth_contract: ctx.options.contract ?? 'standard',
    };
  });

  app.get('/.well-known/jwks.json', {
    schema: {
      tags: ['public'],
      summary: 'Public keys that verify access tokens',
      response: { 200: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
    },
  }, async () => ctx.tokens.jwks());

  app.get('/openapi.json', { schema: { hide: true } }, async (request) => {
    const document = app.swagger() as { paths?: Record<string, Record<string, { security?: unknown[] }>> };
    if (!ctx.options.conventions?.openApiSignedInOnly) return document;
    const caller = await ctx.authenticate(request).catch(() => undefined);
    const adminOnly = ctx.options.conventions.openApiSignedInOnly === 'admin';
    if (caller && (!adminOnly || (await isAdmin(ctx.db, caller.userId)))) return document;
    // An anonymous caller is shown only the operations anyone may call.
    const paths: Record<string, Record<string, unknown>> = {};
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      const open = Object.fromEntries(Object.entries(item).filter(([, operation]) => !operation?.security?.length));
      if (Object.keys(open).length) paths[path] = open;
    }
    return { ...document, paths };
  });

}

const healthSchema = {
  type: 'object',
  required: ['status', 'version', 'database'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    version: { type: 'string' },
    database: {
      type: 'object',
      required: ['reachable', 'latency_ms'],
      properties: { reachable: { type: 'boolean' }, latency_ms: { type: ['number', 'null'] } },
    },
  },
} as const;
