// The Personal Assistant server: Fastify, PostgreSQL through pg, JWT access tokens, the SPA.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ServerOptions } from './options.ts';
import { TokenService, newSigningKey, writePublicKeys } from './tokens.ts';
import { authRoutes } from './routes/auth.ts';
import { apiRoutes } from './routes/api.ts';
import { publicRoutes } from './routes/public.ts';
import { errorSchema } from './schemas.ts';

export const appVersion: string = JSON.parse(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8'),
).version;

export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface AppContext {
  options: ServerOptions;
  db: pg.Pool;
  tokens: TokenService;
  /** Resolves the caller from the request's token and its active session, or throws 401. */
  authenticate(request: FastifyRequest): Promise<{ userId: string; sessionId: string }>;
}

export async function buildServer(options: ServerOptions): Promise<{
  app: FastifyInstance;
  close(): Promise<void>;
  /** The HMAC secret that signs access tokens, under HS256 only: a verifier cannot check them without it. */
  jwtSecret?: string;
}> {
  const app = Fastify({
    logger: {
      level: 'info',
      file: options.logFile,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    },
    trustProxy: false,
  });

  const db = new pg.Pool({
    connectionString: options.databaseURL,
    max: 10,
    application_name: 'pa-app',
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 10_000,
  });
  // A restart of the database drops idle connections; the pool replaces them on next use.
  db.on('error', (err) => app.log.warn({ err: err.message }, 'idle database connection lost'));

  const signingAlg = options.signingAlg ?? 'RS256';
  // The rogue key is of the same algorithm, so the foreign-signing-key fault differs from health by the key alone.
  const [published, next, rogue] = await Promise.all([newSigningKey(signingAlg), newSigningKey(signingAlg), newSigningKey(signingAlg)]);
  await writePublicKeys(options.keysDir, [published, next]);
  const tokens = new TokenService(
    { published, next, keysDir: options.keysDir, signing: () => (options.faults.has('foreign-signing-key') ? rogue : published) },
    options,
    () => ({ signatureUnchecked: options.faults.has('signature-unchecked'), kidReadAsPath: options.faults.has('kid-read-as-path') }),
  );

  const ctx: AppContext = {
    options,
    db,
    tokens,
    async authenticate(request) {
      const token = accessTokenOf(request, options.authMode);
      if (!token) throw new HttpError(options.conventions?.anonymous403 ? 403 : 401, 'unauthorized', 'Authentication required');
      let claims;
      try {
        claims = await tokens.verifyAccess(token);
      } catch {
        throw new HttpError(401, 'unauthorized', 'Invalid or expired access token');
      }
      if (!options.faults.has('logout-keeps-token')) {
        const { rowCount } = await db.query(
          'SELECT 1 FROM user_sessions WHERE id = $1 AND user_id = $2 AND is_active AND expires_at > now()',
          [claims.sid, claims.sub],
        );
        if (!rowCount) throw new HttpError(401, 'unauthorized', 'Session is no longer active');
      }
      return { userId: claims.sub, sessionId: claims.sid };
    },
  };

  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // HSTS only means something over HTTPS; the demo serves plain HTTP on loopback.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Personal Assistant API', version: appVersion },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'pa_access' },
        },
      },
    },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Swagger UI's bundle injects one inline <style> (the small logo SVG, swagger-api/swagger-ui#10655);
    // allow exactly that element by hash instead of 'unsafe-inline'.
    transformStaticCSP: (header: string) =>
      header.replace("style-src 'self' https:", "style-src 'self' https: 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"),
  });

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if ('validation' in error && error.validation) {
      return reply.code(422).send({ error: 'validation_error', message: error.message });
    }
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send({ error: error.code, message: error.message });
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal_error', message: 'Internal server error' });
  });

  app.addHook('onResponse', async (request) => {
    if (options.faults.has('app-log-errors') && request.url.startsWith('/api/')) {
      request.log.error({ url: request.url }, 'database pool exhausted while serving request');
    }
  });

  app.addSchema(errorSchema);
  await app.register(async (scope) => publicRoutes(scope, ctx));
  await app.register(async (scope) => authRoutes(scope, ctx));
  await app.register(async (scope) => apiRoutes(scope, ctx));

  const indexFile = path.join(options.webDist, 'index.html');
  if (existsSync(indexFile)) {
    await app.register(fastifyStatic, { root: options.webDist, prefix: '/', wildcard: true, index: 'index.html' });
  }
  app.setNotFoundHandler((request, reply) => {
    const wantsPage = request.method === 'GET' && !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
    if (wantsPage && existsSync(indexFile)) {
      return reply.type('text/html').header('cache-control', 'no-cache').send(readFileSync(indexFile));
    }
    return reply.code(404).send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` });
  });

  const sweeper = setInterval(() => {
    if (options.faults.has('session-sweeper-stopped')) return;
    sweepExpiredSessions(db).catch((err) => app.log.warn({ err: err.message }, 'session sweep failed'));
  }, options.sweepIntervalMs);
  sweeper.unref();

  return {
    app,
    ...(published.secret !== undefined ? { jwtSecret: published.secret } : {}),
    async close() {
      clearInterval(sweeper);
      await app.close();
      await db.end();
    },
  };
}

/** Whether the user may read every user: what the demo calls an admin. */
export async function isAdmin(db: pg.Pool, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id
     JOIN permissions p ON p.id = rp.permission_id WHERE ur.user_id = $1 AND p.name = 'admin.users.read'`,
    [userId],
  );
  return Boolean(rowCount);
}

/** Closes sessions past their expiry and revokes their refresh tokens. */
export async function sweepExpiredSessions(db: pg.Pool): Promise<number> {
  const { rowCount } = await db.query(`
    WITH closed AS (
      UPDATE user_sessions SET is_active = false WHERE is_active AND expires_at < now() RETURNING id
    )
    UPDATE auth_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND session_id IN (SELECT id FROM closed)`);
  return rowCount ?? 0;
}

function accessTokenOf(request: FastifyRequest, mode: ServerOptions['authMode']): string | undefined {
  if (mode === 'cookie') return request.cookies['pa_access'] || undefined;
  const header = request.headers.authorization ?? '';
  const match = /^Bearer ([^\s]+)$/i.exec(header);
  return match?.[1];
}

export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string) {
  return reply.code(statusCode).send({ error: code, message });
}
