// The fault catalog: ways to break the demo on purpose, each with the symptom it should cause.
// A fault is SQL damage, damage to the files of the stopped cluster, a live process holding
// database resources, a real crash, or a switch in the running app.
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgCluster } from '../db/cluster.ts';
import { databaseName } from '../db/template.ts';
import type { AppFault } from '../server/options.ts';
import { damageHeapPage, pageSize, scrambleBtreeLeaf } from './pages.ts';

export type FaultLayer = 'database' | 'application' | 'infrastructure';
export type FaultKind = 'sql' | 'files' | 'holder' | 'crash' | 'app' | 'process';

export interface FaultContext {
  /** Runs SQL as the superuser on the app database. */
  sql(statements: string): Promise<void>;
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  cluster: PgCluster;
  pgdata: string;
  appFaults: Set<AppFault>;
  /** Starts a holder process and waits until it holds what it holds. */
  hold(mode: 'long-transaction' | 'blocked-lock' | 'connections', count?: number): Promise<void>;
  /** The app's HTTP server: stopped, nothing listens on its port until reset starts it again. */
  app: { stop(): Promise<void> };
}

export interface Fault {
  name: string;
  layer: FaultLayer;
  kind: FaultKind;
  symptom: string;
  apply(ctx: FaultContext): Promise<void>;
}

// Journey accounts are seeded first; bulk-seeded users have @pa.example addresses. Data faults
// that remove rows touch bulk users only, so a fault breaks what it names and nothing else.
const bulkUsers = "(SELECT id FROM users WHERE email LIKE '%@pa.example')";

const appFault = (name: string, flag: AppFault, symptom: string): Fault => ({
  name,
  layer: 'application',
  kind: 'app',
  symptom,
  async apply(ctx) {
    ctx.appFaults.add(flag);
  },
});

const sqlFault = (name: string, symptom: string, statements: string): Fault => ({
  name,
  layer: 'database',
  kind: 'sql',
  symptom,
  apply: (ctx) => ctx.sql(statements),
});

export const faults = [
  // --- database: data and schema damage (SQL) ---
  sqlFault('orphaned-sessions', 'user_sessions rows refer to users that do not exist; the foreign key that prevented it was lost',
    `ALTER TABLE user_sessions DROP CONSTRAINT user_sessions_user_id_fkey;
     INSERT INTO user_sessions (user_id, session_token, expires_at, is_active, created_at)
       SELECT 900000000 + g, md5('orphan-session-' || g), now() - interval '1 day', false, now() - interval '2 days'
       FROM generate_series(1, 25) g;`),
  sqlFault('orphaned-messages', 'conversation_messages rows refer to conversation ids that have no conversation_states row',
    `INSERT INTO conversation_messages (conversation_id, role, content, created_at)
       SELECT md5('orphan-conversation-' || (g % 7))::uuid, 'user', 'lost message ' || g, now() - interval '1 hour'
       FROM generate_series(1, 40) g;`),
  sqlFault('blank-emails', 'users rows with an empty or whitespace-only email',
    `UPDATE users SET email = CASE id % 3 WHEN 0 THEN '' WHEN 1 THEN '   ' ELSE E'\\t' END
       WHERE id IN (SELECT id FROM ${bulkUsers} AS b ORDER BY id LIMIT 3);`),
  sqlFault('null-role-names', 'roles rows whose name is NULL (the NOT NULL constraint was lost in a restore)',
    `ALTER TABLE roles ALTER COLUMN name DROP NOT NULL;
     INSERT INTO roles (name, description) VALUES (NULL, 'restored without a name'), (NULL, 'restored without a name');`),
  {
    name: 'expired-sessions-active',
    layer: 'database',
    kind: 'sql',
    symptom: 'hundreds of sessions past expires_at still marked is_active (the session sweeper stopped)',
    async apply(ctx) {
      ctx.appFaults.add('session-sweeper-stopped');
      await ctx.sql(`UPDATE user_sessions SET expires_at = now() - interval '3 days'
                     WHERE is_active AND user_id IN ${bulkUsers} AND id % 2 = 0;`);
    },
  },
  sqlFault('missing-table', 'an expected table (ltm_memory_tags) is missing', 'DROP TABLE ltm_memory_tags;'),
  sqlFault('missing-users-table', 'the users table is missing: nobody can sign in', 'DROP TABLE users CASCADE;'),
  sqlFault('sequence-behind', "users' id sequence is behind max(users.id): the next sign-up fails with a duplicate key",
    "SELECT setval(pg_get_serial_sequence('users', 'id'), 5);"),
  {
    name: 'invalid-index',
    layer: 'database',
    kind: 'sql',
    symptom: 'an INVALID index (todos_title_key) left by a failed concurrent index build',
    // CREATE INDEX CONCURRENTLY that fails leaves its index behind, marked INVALID.
    async apply(ctx) {
      const failed = await ctx.sql('CREATE UNIQUE INDEX CONCURRENTLY todos_title_key ON todos (title)').then(() => false, () => true);
      if (!failed) throw new Error('expected the unique index build on todos.title to fail on duplicates');
    },
  },
  sqlFault('dropped-foreign-key', 'the foreign key auth_tokens.session_id → user_sessions.id is missing',
    'ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_session_id_fkey;'),
  sqlFault('lost-declared-foreign-key', 'the foreign key user_settings.user_id → users.id is gone (the profile declares that one enforces it)',
    'ALTER TABLE user_settings DROP CONSTRAINT user_settings_user_id_fkey;'),
  sqlFault('malformed-password-hashes', 'six users have a password hash that is not in the app\'s scrypt format (a bad import or a manual fix): they cannot sign in',
    `UPDATE users SET password_hash = md5(email) WHERE id IN (SELECT id FROM users WHERE email LIKE '%@pa.example' ORDER BY id LIMIT 6);`),
  sqlFault('missing-fk-index', 'the index on the foreign-key column auth_tokens.session_id is missing (post-data restore step failed)',
    'DROP INDEX auth_tokens_session_id_idx;'),
  sqlFault('missing-primary-key', 'todos has no primary key', 'ALTER TABLE todos DROP CONSTRAINT todos_pkey;'),
  sqlFault('stale-restore', 'every timestamp is 30 days older: the database was restored from an old backup',
    `DO $$ DECLARE r record; BEGIN
       FOR r IN SELECT c.table_name, string_agg(format('%I = %I - interval ''30 days''', c.column_name, c.column_name), ', ') AS sets
                FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.data_type IN ('timestamp with time zone', 'date') AND c.table_name <> 'schema_migrations'
                GROUP BY c.table_name LOOP
         EXECUTE format('UPDATE %I SET %s', r.table_name, r.sets);
       END LOOP; END $$;`),
  sqlFault('lost-grants', 'the application role pa_app lost its privileges on every table (grants not restored)',
    'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM pa_app;'),
  sqlFault('duplicate-emails', 'two users share an email that differs only by case (the case-insensitive unique index was lost)',
    `DROP INDEX users_email_lower_key;
     UPDATE users SET email = upper(other.email)
       FROM (SELECT email FROM ${bulkUsers} b JOIN users USING (id) ORDER BY id LIMIT 1) other
       WHERE users.id = (SELECT id FROM ${bulkUsers} b ORDER BY id OFFSET 1 LIMIT 1);`),
  sqlFault('not-valid-fk-orphans', 'user_roles has orphaned rows under a foreign key left NOT VALID (restored with triggers disabled)',
    `ALTER TABLE user_roles DROP CONSTRAINT user_roles_user_id_fkey;
     INSERT INTO user_roles (user_id, role_id) SELECT 900000000 + g, 1 FROM generate_series(1, 12) g;
     ALTER TABLE user_roles ADD CONSTRAINT user_roles_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;`),
  sqlFault('lost-user-roles', 'a quarter of the users have no row in user_roles',
    `DELETE FROM user_roles WHERE user_id IN ${bulkUsers} AND user_id % 4 = 0;`),
  sqlFault('missing-default-settings', "a fifth of the users have no 'default_preferences' row in user_settings",
    `DELETE FROM user_settings WHERE settings_key = 'default_preferences' AND user_id IN ${bulkUsers} AND user_id % 5 = 0;`),
  sqlFault('unexpected-table', 'a leftover table (users_backup_restore) that no migration created',
    'CREATE TABLE users_backup_restore AS SELECT id, email FROM users LIMIT 10;'),
  sqlFault('missing-extension', 'the amcheck extension is not installed', 'DROP EXTENSION amcheck;'),
  sqlFault('collation-version-mismatch', "the database's recorded collation version differs from the library's (restored onto another OS)",
    `UPDATE pg_database SET datcollversion = '0.0' WHERE datname = current_database();`),
  // As a restore without statistics leaves it: the planner's statistics themselves are gone, and
  // so is any record of an ANALYZE (a superuser may delete catalog rows; DDL it may not).
  sqlFault('statistics-lost', 'planner statistics are gone (pg_statistic is empty) and no table has been analyzed since the restore',
    `SELECT pg_stat_reset(); SELECT pg_stat_reset_shared('io'); DELETE FROM pg_statistic; DELETE FROM pg_statistic_ext_data;`),

  // --- database: live processes holding resources ---
  { name: 'long-transaction', layer: 'database', kind: 'holder', symptom: 'a client holds a transaction open (idle in transaction) indefinitely',
    apply: (ctx) => ctx.hold('long-transaction') },
  { name: 'blocked-lock', layer: 'database', kind: 'holder', symptom: 'a session waits on a row lock held by another open transaction',
    apply: (ctx) => ctx.hold('blocked-lock') },
  {
    name: 'connection-saturation',
    layer: 'database',
    kind: 'holder',
    symptom: 'idle client connections fill most of max_connections',
    async apply(ctx) {
      const [row] = await ctx.query<{ free: number }>(
        `SELECT (current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
                 - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'))::int AS free`);
      // Leave room for the app's pool and a verifier (at most 4 connections each, in practice).
      await ctx.hold('connections', Math.max(1, row!.free - 8));
    },
  },

  // --- infrastructure: a process of the target stops while it is being verified ---
  { name: 'app-down', layer: 'infrastructure', kind: 'process', symptom: 'the app server stopped: nothing listens on its port (connection refused) until reset',
    apply: (ctx) => ctx.app.stop() },
  { name: 'database-down', layer: 'infrastructure', kind: 'process', symptom: 'PostgreSQL stopped (immediate shutdown) and stays down: the app answers /health 503, its database unreachable',
    apply: (ctx) => ctx.cluster.stop('immediate') },

  // --- database: crash and file damage ---
  {
    name: 'crash',
    layer: 'database',
    kind: 'crash',
    symptom: 'PostgreSQL was killed (immediate stop) and restarted: crash recovery emptied the UNLOGGED dashboard_counts',
    async apply(ctx) {
      await ctx.cluster.stop('immediate');
      await ctx.cluster.start();
    },
  },
  {
    name: 'server-in-recovery',
    layer: 'database',
    kind: 'files',
    symptom: 'the server restarted with standby.signal left in its data folder: it is in recovery and read-only',
    async apply(ctx) {
      await ctx.cluster.stop('fast');
      writeFileSync(path.join(ctx.pgdata, 'standby.signal'), '');
      await ctx.cluster.start();
    },
  },
  {
    name: 'corrupt-btree-index',
    layer: 'database',
    kind: 'files',
    symptom: 'two keys of a todos_pkey leaf page are out of order (checksum valid): amcheck reports corruption',
    async apply(ctx) {
      const file = await relationFile(ctx, 'todos_pkey');
      await ctx.cluster.stop('fast');
      scrambleBtreeLeaf(file, Math.floor(statSync(file).size / pageSize));
      await ctx.cluster.start();
    },
  },
  {
    name: 'checksum-failure',
    layer: 'database',
    kind: 'files',
    symptom: 'a data page of grocery_deals fails its checksum; reading the table errors',
    async apply(ctx) {
      const file = await relationFile(ctx, 'grocery_deals');
      await ctx.cluster.stop('fast');
      damageHeapPage(file, 0);
      await ctx.cluster.start();
      // PostgreSQL counts a checksum failure when a damaged page is read.
      await ctx.sql('SELECT count(*) FROM grocery_deals').catch(() => undefined);
    },
  },

  // --- application ---
  appFault('foreign-signing-key', 'foreign-signing-key', 'access tokens are signed with a key that is not in the published JWKS'),
  appFault('signature-unchecked', 'signature-unchecked',
    'access tokens are decoded, never verified: only their claims and session are checked, so a tampered or forged token is accepted'),
  appFault('kid-read-as-path', 'kid-read-as-path',
    "a kid other than the signing key's is read as a file under the keys folder and its bytes used as the key, with the token's alg"),
  appFault('refresh-500', 'refresh-500', 'POST /api/v1/auth/refresh answers 500'),
  appFault('users-me-500', 'users-me-500', 'GET /api/v1/users/me answers 500'),
  appFault('endpoint-without-auth', 'endpoint-without-auth', 'GET /api/v1/oauth/providers answers 200 without a token'),
  appFault('admin-open', 'admin-open', 'GET /api/v1/admin/users answers 200 to users without the admin permission'),
  appFault('conversation-idor', 'conversation-idor', "GET /api/v1/chat/conversations/{id} returns another user's conversation"),
  appFault('slow-endpoint', 'slow-endpoint', 'GET /api/v1/chat/conversations takes several seconds'),
  appFault('spa-refresh-broken', 'spa-refresh-broken', "the SPA's 401 handler signs the user out instead of refreshing the token"),
  appFault('spa-cross-origin-api', 'spa-cross-origin-api', 'the SPA calls the API on another origin, which CORS does not allow'),
  appFault('json-endpoint-html', 'json-endpoint-html', 'GET /api/v1/analytics/sms/usage answers HTML instead of JSON'),
  appFault('login-reveals-email', 'login-reveals-email', 'login answers an unknown email differently from a wrong password'),
  appFault('logout-keeps-token', 'logout-keeps-token', 'after logout the old access token is still accepted'),
  appFault('app-log-errors', 'app-log-errors', 'every API request writes an error-level line to the app log'),
] as const satisfies readonly Fault[];

export type FaultName = (typeof faults)[number]['name'];
export const faultNames: FaultName[] = faults.map((f) => f.name);

export function findFault(name: string): Fault {
  const fault = faults.find((f) => f.name === name);
  if (!fault) throw new Error(`unknown fault "${name}"; known: ${faultNames.join(', ')}`);
  return fault;
}

async function relationFile(ctx: FaultContext, relation: string): Promise<string> {
  await ctx.sql('CHECKPOINT');
  const [row] = await ctx.query<{ file: string }>('SELECT pg_relation_filepath($1::regclass) AS file', [relation]);
  return path.join(ctx.pgdata, row!.file);
}

const holderScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'holder.mjs');

/** Applies faults to one demo instance and undoes them all at once. */
export class FaultRunner {
  private readonly applied: FaultName[] = [];
  private readonly holders: ChildProcess[] = [];

  constructor(
    private readonly instance: {
      cluster: PgCluster;
      pgdata: string;
      appFaults: Set<AppFault>;
      runDir: string;
      restoreSeededData(): void;
      app: { stop(): Promise<void>; start(): Promise<void> };
    },
  ) {}

  active(): FaultName[] {
    return [...this.applied];
  }

  async apply(name: FaultName): Promise<void> {
    const fault = findFault(name);
    await fault.apply(this.context());
    this.applied.push(name);
  }

  /** Ends holders, clears app faults and puts back the seeded data folder exactly. */
  async reset(): Promise<void> {
    await this.stopHolders();
    this.instance.appFaults.clear();
    await this.instance.cluster.stop('fast');
    this.instance.restoreSeededData();
    await this.instance.cluster.start();
    await this.instance.app.start();
    this.applied.length = 0;
  }

  async stopHolders(): Promise<void> {
    await Promise.all(
      this.holders.splice(0).map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  private context(): FaultContext {
    const { cluster } = this.instance;
    const withClient = async <T>(work: (client: Awaited<ReturnType<PgCluster['client']>>) => Promise<T>) => {
      const client = await cluster.client(databaseName);
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    };
    return {
      cluster,
      pgdata: this.instance.pgdata,
      appFaults: this.instance.appFaults,
      sql: (statements) => withClient(async (c) => void (await c.query(statements))),
      query: (text, params) => withClient(async (c) => (await c.query(text, params)).rows),
      hold: (mode, count) => this.hold(mode, count),
      app: { stop: () => this.instance.app.stop() },
    };
  }

  private hold(mode: string, count = 1): Promise<void> {
    const url = this.instance.cluster.url(databaseName);
    const child = spawn(process.execPath, [holderScript, mode, url, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.holders.push(child);
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('READY')) resolve();
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`holder ${mode} exited (${code}) before holding: ${output.trim()}`)));
    });
  }
}
