// Sign-in, token refresh with rotation and reuse detection, and sign-out.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type pg from 'pg';
import { HttpError, type AppContext } from '../app.ts';
import { unusableHash, verifyPassword } from '../passwords.ts';
import { hashToken, newRefreshToken } from '../tokens.ts';
import { errors, securedBy, tokenPair } from '../schemas.ts';

const invalidCredentials = (status: number) => new HttpError(status, 'invalid_credentials', 'Invalid email or password');
const invalidRefresh = () => new HttpError(401, 'invalid_refresh_token', 'Refresh token is invalid, expired or revoked');

export async function authRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db, options, tokens } = ctx;
  const cookieMode = options.authMode === 'cookie';
  // The 'nested' contract: an extra login field, tokens under "data", refresh takes { token }, refusals 400.
  const nested = options.contract === 'nested';
  const refusedStatus = nested ? 400 : 401;
  const answer = nested ? { type: 'object', required: ['data'], properties: { data: tokenPair } } : tokenPair;

  /** Answers with a new token pair: in the body (bearer mode) or as HttpOnly cookies. */
  async function sendTokens(reply: FastifyReply, userId: string, sessionId: string, refreshToken: string) {
    const accessToken = await tokens.issueAccess(userId, sessionId);
    if (!cookieMode) {
      const pair = { access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: options.accessTtlSeconds };
      return nested ? { data: pair } : pair;
    }
    const base = { httpOnly: true, sameSite: 'strict' as const, secure: false };
    reply.setCookie('pa_access', accessToken, { ...base, path: '/api', maxAge: options.accessTtlSeconds });
    reply.setCookie('pa_refresh', refreshToken, { ...base, path: '/api/v1/auth', maxAge: options.refreshTtlSeconds });
    const pair = { token_type: 'cookie', expires_in: options.accessTtlSeconds };
    return nested ? { data: pair } : pair;
  }

  app.post<{ Body: { email: string; password: string; client?: string } }>('/api/v1/auth/login', {
    schema: {
      tags: ['auth'],
      summary: 'Sign in with email and password',
      body: {
        type: 'object',
        required: ['email', 'password'],
        properties: {
          email: { type: 'string', minLength: 1, maxLength: 320 },
          password: { type: 'string', minLength: 1, maxLength: 1024 },
          ...(nested ? { client: { type: 'string', maxLength: 64 } } : {}),
        },
      },
      response: { 200: answer, ...errors(...(nested ? [400] : []), 401, 404, 422) },
    },
  }, async (request, reply) => {
    const { email, password } = request.body;
    if (nested && request.body.client !== 'web') throw new HttpError(400, 'client_required', 'The sign-in must name its client ("client": "web")');
    const { rows } = await db.query<{ id: string; password_hash: string }>(
      'SELECT id, password_hash FROM users WHERE lower(email) = lower($1) AND is_active',
      [email],
    );
    const user = rows[0];
    // Unknown emails cost the same hash check as wrong passwords, and get the same answer.
    const passwordOk = await verifyPassword(password, user?.password_hash ?? unusableHash);
    if (!user && options.faults.has('login-reveals-email')) {
      throw new HttpError(404, 'unknown_email', 'No account exists for this email');
    }
    if (!user || !passwordOk) {
      await db.query("INSERT INTO security_events (user_id, event_type, ip_address) VALUES ($1, 'login_failed', $2)", [user?.id ?? null, request.ip]);
      throw invalidCredentials(refusedStatus);
    }
    const refreshToken = newRefreshToken();
    const sessionId = await inTransaction(db, async (tx) => {
      const session = await tx.query<{ id: string }>(
        `INSERT INTO user_sessions (user_id, session_token, expires_at, ip_address, user_agent, last_seen_at)
         VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5, now()) RETURNING id`,
        [user.id, hashToken(randomBytes(32).toString('hex')), options.refreshTtlSeconds, request.ip, request.headers['user-agent'] ?? null],
      );
      const id = session.rows[0]!.id;
      await tx.query(
        `INSERT INTO auth_tokens (user_id, session_id, family_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
        [user.id, id, randomUUID(), hashToken(refreshToken), options.refreshTtlSeconds],
      );
      await tx.query('UPDATE users SET last_login_at = now() WHERE id = $1', [user.id]);
      await tx.query("INSERT INTO security_events (user_id, event_type, ip_address) VALUES ($1, 'login_succeeded', $2)", [user.id, request.ip]);
      return id;
    });
    return sendTokens(reply, String(user.id), String(sessionId), refreshToken);
  });

  app.post<{ Body: { refresh_token?: string; token?: string } }>('/api/v1/auth/refresh', {
    schema: {
      tags: ['auth'],
      summary: 'Exchange a refresh token for a new pair (the old one is revoked)',
      body: { type: 'object', properties: nested ? { token: { type: 'string', maxLength: 512 } } : { refresh_token: { type: 'string', maxLength: 512 } } },
      response: { 200: answer, ...errors(401, 422) },
    },
  }, async (request, reply) => {
    if (options.faults.has('refresh-500')) throw new Error('refresh failed: token store unavailable');
    const presented = cookieMode ? request.cookies['pa_refresh'] : nested ? request.body?.token : request.body?.refresh_token;
    if (!presented) throw invalidRefresh();
    const next = newRefreshToken();
    const outcome = await inTransaction(db, async (tx) => {
      const { rows } = await tx.query<{ id: string; user_id: string; session_id: string; family_id: string; revoked: boolean; usable: boolean }>(
        `SELECT t.id, t.user_id, t.session_id, t.family_id, t.revoked_at IS NOT NULL AS revoked,
                (t.expires_at > now() AND s.is_active AND s.expires_at > now()) AS usable
         FROM auth_tokens t JOIN user_sessions s ON s.id = t.session_id
         WHERE t.token_hash = $1 FOR UPDATE OF t`,
        [hashToken(presented)],
      );
      const token = rows[0];
      if (!token) return 'unknown' as const;
      if (token.revoked) {
        // A revoked token presented again means it was stolen or replayed: end the whole family.
        await tx.query('UPDATE auth_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [token.family_id]);
        await tx.query('UPDATE user_sessions SET is_active = false WHERE id = $1', [token.session_id]);
        await tx.query("INSERT INTO security_events (user_id, event_type, details) VALUES ($1, 'refresh_token_reused', $2)", [token.user_id, { family_id: token.family_id }]);
        return 'reused' as const;
      }
      if (!token.usable) return 'expired' as const;
      await tx.query('UPDATE auth_tokens SET revoked_at = now() WHERE id = $1', [token.id]);
      await tx.query(
        `INSERT INTO auth_tokens (user_id, session_id, family_id, token_hash, expires_at)
         SELECT user_id, session_id, family_id, $2, expires_at FROM auth_tokens WHERE id = $1`,
        [token.id, hashToken(next)],
      );
      await tx.query('UPDATE user_sessions SET last_seen_at = now() WHERE id = $1', [token.session_id]);
      return token;
    });
    if (typeof outcome === 'string') throw invalidRefresh();
    return sendTokens(reply, String(outcome.user_id), String(outcome.session_id), next);
  });

  app.post('/api/v1/auth/logout', {
    schema: {
      tags: ['auth'],
      summary: 'End the session: its access and refresh tokens stop working at once',
      security: securedBy(options.authMode),
      response: { 204: { type: 'null' }, ...errors(401) },
    },
  }, async (request, reply) => {
    const caller = await ctx.authenticate(request);
    await inTransaction(db, async (tx) => {
      await tx.query('UPDATE user_sessions SET is_active = false WHERE id = $1', [caller.sessionId]);
      await tx.query('UPDATE auth_tokens SET revoked_at = now() WHERE session_id = $1 AND revoked_at IS NULL', [caller.sessionId]);
    });
    if (cookieMode) {
      reply.clearCookie('pa_access', { path: '/api' });
      reply.clearCookie('pa_refresh', { path: '/api/v1/auth' });
    }
    return reply.code(204).send();
  });
}

async function inTransaction<T>(db: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await db.connect();
  // A checked-out client has no pool listener: a connection lost mid-transaction (a crash, a
  // restart) is told to the query that meets it, and must not crash the process hosting the app.
  let lost: Error | undefined;
  const onLost = (err: Error) => {
    lost = err;
  };
  tx.on('error', onLost);
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.removeListener('error', onLost);
    // A lost connection is destroyed, not returned to the pool.
    tx.release(lost);
  }
}
