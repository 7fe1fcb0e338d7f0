// The one way Verity talks to a target's database, safe to point at production:
// - every connection is forced, once connected and whatever the connection string or the role's
//   defaults ask, to default_transaction_read_only = on, Verity's statement_timeout, lock_timeout
//   and idle-in-transaction timeout, and application_name 'verity';
// - every transaction is READ ONLY, checked to be so before it runs anything, and rolled back;
// - every statement goes over the extended protocol, one statement per call, so text from a
//   profile cannot smuggle in a second one (a COMMIT, a BEGIN READ WRITE);
// - a statement that gets no answer within statement_timeout and a grace is abandoned: its
//   backend is cancelled and its connection destroyed, so nothing waits on a database that stopped.
import pg from 'pg';

export interface DbSettings {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface ReadOnlySession {
  query<T extends object = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export const maxConnections = 4;

/** How long past statement_timeout Verity waits for an answer before it gives up on a connection. */
const answerGraceMs = 5_000;
/** How long a cancel request or a connection's goodbye may take before the socket is simply destroyed. */
const goodbyeMs = 2_000;

// Our own constant text, so the simple protocol (two statements, one round trip) is safe here.
const beginReadOnly = "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT current_setting('transaction_read_only') AS read_only";

export class GuardedDatabase {
  private readonly pool: pg.Pool;
  private readonly forced = new WeakSet<pg.PoolClient>();
  /** Every connection the pool opened, to destroy what a stopped database leaves hanging. */
  private readonly open = new Set<pg.Client>();

  constructor(private readonly connectionString: string, private readonly settings: DbSettings) {
    this.pool = new pg.Pool({
      connectionString,
      max: maxConnections,
      application_name: 'verity',
      statement_timeout: settings.statementTimeoutMs,
      lock_timeout: settings.lockTimeoutMs,
      idle_in_transaction_session_timeout: settings.statementTimeoutMs * 2,
      query_timeout: settings.statementTimeoutMs + answerGraceMs,
      connectionTimeoutMillis: 10_000,
      // A peer that vanished is noticed by TCP, not only by the next query's timeout.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    this.pool.on('connect', (client) => this.open.add(client));
    this.pool.on('remove', (client) => this.open.delete(client));
    this.pool.on('error', () => undefined);
  }

  /** A connection held by one user (a probe) for a series of short READ ONLY transactions. */
  async connect(): Promise<Connection> {
    const client = await this.pool.connect();
    const connection = new Connection(client, this.connectionString);
    if (!this.forced.has(client)) {
      try {
        await connection.forceSessionSettings(this.settings);
      } catch (err) {
        connection.release();
        throw err;
      }
      this.forced.add(client);
    }
    return connection;
  }

  /** Runs work in one READ ONLY transaction, always rolled back. */
  async readOnly<T>(work: (session: ReadOnlySession) => Promise<T>): Promise<T> {
    const connection = await this.connect();
    try {
      return await connection.transaction(work);
    } finally {
      connection.release();
    }
  }

  /** Closes every connection: politely where the database answers, by destroying the socket where it does not. */
  async end(): Promise<void> {
    await Promise.race([this.pool.end().catch(() => undefined), delay(goodbyeMs)]);
    for (const client of this.open) destroy(client);
  }
}

export class Connection {
  private broken = false;
  private released = false;

  // A checked-out connection has no pool listener: one lost between statements (a crash, a
  // restart) is marked broken and told to the next statement, not thrown at the process.
  private lost: unknown;
  private readonly onLost = (err: unknown) => {
    this.broken = true;
    this.lost ??= err;
  };

  constructor(private readonly client: pg.PoolClient, private readonly connectionString: string) {
    client.on('error', this.onLost);
  }

  /** Forced after connecting, so no connection-string option or role default can loosen them. */
  async forceSessionSettings(settings: DbSettings): Promise<void> {
    const [row] = await this.query<{ read_only: string }>(
      `SELECT set_config('default_transaction_read_only', 'on', false) AS read_only,
              set_config('statement_timeout', $1, false), set_config('lock_timeout', $2, false),
              set_config('idle_in_transaction_session_timeout', $3, false), set_config('application_name', 'verity', false)`,
      [`${settings.statementTimeoutMs}ms`, `${settings.lockTimeoutMs}ms`, `${settings.statementTimeoutMs * 2}ms`],
    );
    if (row?.read_only !== 'on') throw new Error('refusing to go on: the session could not be made read-only');
  }

  /** One READ ONLY transaction, checked to be read-only before work runs, always rolled back. */
  async transaction<T>(work: (session: ReadOnlySession) => Promise<T>): Promise<T> {
    const results = (await this.guard(() => this.client.query(beginReadOnly))) as unknown as pg.QueryResult<{ read_only: string }>[];
    try {
      if (results[1]?.rows[0]?.read_only !== 'on') throw new Error('refusing to go on: the transaction is not read-only');
      return await work({ query: (sql, params) => this.query(sql, params) });
    } finally {
      if (!this.broken) await this.guard(() => this.client.query('ROLLBACK')).catch(() => (this.broken = true));
    }
  }

  /** One statement over the extended protocol: a second statement in the text is an error. */
  async query<T extends object = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const config = { text: sql, values: params, queryMode: 'extended' } as pg.QueryConfig;
    return (await this.guard(() => this.client.query<T>(config))).rows;
  }

  /** Gives the connection back; one that stopped answering is destroyed instead. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.client.removeListener('error', this.onLost);
    if (this.broken) destroy(this.client);
    this.client.release(this.broken ? true : undefined);
  }

  /**
   * Gives up on what the connection is doing (a probe past its time): cancels the statement its
   * backend runs, from a connection of its own, then destroys this one. Bounded: a database that
   * stopped answering gets no more than a short wait.
   */
  async abandon(): Promise<void> {
    this.broken = true;
    const pid = (this.client as unknown as { processID?: number }).processID;
    if (pid) {
      const canceller = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: goodbyeMs, query_timeout: goodbyeMs, application_name: 'verity' });
      await Promise.race([
        canceller.connect().then(() => canceller.query('SELECT pg_cancel_backend($1)', [pid])).catch(() => undefined),
        delay(goodbyeMs * 2),
      ]);
      destroy(canceller);
    }
    this.release();
  }

  private async guard<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      if (isConnectionLost(err)) this.broken = true;
      // pg's own "not queryable" hides why: the loss it heard first names the cause.
      throw this.lost ?? err;
    }
  }
}

function destroy(client: pg.Client): void {
  // A destroyed connection reports its own end as an error: expected, and nobody else listens.
  client.on('error', () => undefined);
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function isConnectionLost(err: unknown): boolean {
  const { code = '', message = '' } = (err ?? {}) as { code?: string; message?: string };
  return code.startsWith('08') || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03'].includes(code) || /Query read timeout|Connection terminated|is not queryable/.test(message);
}

/**
 * Why an error means Verity could not look, rather than that the database is damaged: its role
 * lacks a privilege, its own time or lock limits cut a statement short, or the connection failed.
 * Undefined for every other error.
 */
export function whyUnobservable(err: unknown): string | undefined {
  const { code = '', message = '' } = (err ?? {}) as { code?: string; message?: string };
  const first = message.split('\n')[0];
  if (code === '42501') return `Verity's role lacks a privilege: ${first}`;
  if (code === '57014') return `a statement ran past Verity's statement_timeout: ${first}`;
  if (code === '55P03') return `a lock was not granted within Verity's lock_timeout: ${first}`;
  if (/Query read timeout/.test(message)) return 'the database stopped answering (no reply within statement_timeout and a grace)';
  if (/timeout exceeded when trying to connect/i.test(message)) return 'no database connection could be had in time';
  if (isConnectionLost(err)) return `the connection to the database was lost: ${first}`;
  return undefined;
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
  if (known[e.code ?? '']) return known[e.code!]!;
  if (/Query read timeout/.test(e.message ?? '')) return `the database at ${where} accepted the connection but stopped answering`;
  if (/timeout expired|timeout exceeded when trying to connect/i.test(e.message ?? '')) return `connecting to ${where} timed out`;
  return `cannot connect to ${where}: ${(e.message ?? String(err)).split('\n')[0]}`;
}
