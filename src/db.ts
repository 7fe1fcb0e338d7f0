// The one way Verity talks to a target's database: a small pool whose every session is
// read-only, time-boxed and named 'verity', so Verity is safe to point at production.
import pg from 'pg';

export interface DbSettings {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface ReadOnlySession {
  query<T extends object = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export const maxConnections = 4;

export class GuardedDatabase {
  private readonly pool: pg.Pool;

  constructor(connectionString: string, settings: DbSettings) {
    this.pool = new pg.Pool({
      connectionString,
      max: maxConnections,
      application_name: 'verity',
      statement_timeout: settings.statementTimeoutMs,
      lock_timeout: settings.lockTimeoutMs,
      idle_in_transaction_session_timeout: settings.statementTimeoutMs * 2,
      connectionTimeoutMillis: 10_000,
      // Even a statement outside a transaction block cannot write.
      options: '-c default_transaction_read_only=on',
    });
    this.pool.on('error', () => undefined);
  }

  /**
   * Runs work in one READ ONLY transaction, always rolled back. `savepoint` lets a caller
   * isolate a statement so that its failure does not abort the rest of the transaction.
   */
  async readOnly<T>(work: (session: ReadOnlySession & { isolated<R>(fn: () => Promise<R>): Promise<R> }) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    let savepoints = 0;
    try {
      await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const session = {
        query: async <R extends object>(sql: string, params?: unknown[]) => (await client.query<R>(sql, params)).rows,
        isolated: async <R>(fn: () => Promise<R>): Promise<R> => {
          const name = `verity_${++savepoints}`;
          await client.query(`SAVEPOINT ${name}`);
          try {
            const result = await fn();
            await client.query(`RELEASE SAVEPOINT ${name}`);
            return result;
          } catch (err) {
            await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
            throw err;
          }
        },
      };
      return await work(session);
    } catch (err) {
      broken = isConnectionError(err);
      throw err;
    } finally {
      await client.query('ROLLBACK').catch(() => (broken = true));
      client.release(broken);
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return code.startsWith('08') || code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === '57P01';
}

/** A connection string with its password hidden, safe for reports and logs. */
export function redactConnectionString(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return '(unparseable connection string)';
  }
}

/** Turns a pg or network error into one line that names the cause without secrets. */
export function describeConnectionError(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string };
  const where = (() => {
    try {
      const u = new URL(url);
      return `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}`;
    } catch {
      return 'the database';
    }
  })();
  const known: Record<string, string> = {
    ECONNREFUSED: `nothing accepts connections at ${where}`,
    ENOTFOUND: `host not found for ${where}`,
    ETIMEDOUT: `connection to ${where} timed out`,
    '28P01': `password authentication failed for ${where}`,
    '28000': `the server refused this role at ${where}`,
    '3D000': `database does not exist at ${where}`,
    '57P03': `the database at ${where} is starting up or shutting down`,
  };
  return known[e.code ?? ''] ?? `cannot connect to ${where}: ${(e.message ?? String(err)).split('\n')[0]}`;
}
