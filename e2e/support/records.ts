// Cross-layer reads for the API and UI journeys: the rows the database keeps for what they just did
// (the user, the session an access token belongs to, that session's refresh-token rows, the counts
// a page shows). Table and
// column names come from the profile's `app.records` (quoted here); values are always bound
// parameters, and every read runs in Verity's READ ONLY transaction.
import type { Profile } from '../../src/profile.ts';

export type Records = NonNullable<Profile['app']['records']>;

export interface Db {
  query<T extends object = Record<string, any>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A table or column name from the profile, quoted ("schema.table" allowed). */
export function ident(name: string): string {
  return name.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');
}

/** Ids of the users with this email (case-insensitive): exactly one is expected. */
export async function userIdsByEmail(db: Db, users: Records['users'], email: string): Promise<string[]> {
  const rows = await db.query<{ id: unknown }>(
    `SELECT u.${ident(users.idColumn)} AS id FROM ${ident(users.table)} u WHERE lower(u.${ident(users.emailColumn)}) = lower($1)`,
    [email],
  );
  return rows.map((r) => String(r.id));
}

/** The user's id by email (case-insensitive); undefined when no row matches. */
export async function userIdByEmail(db: Db, users: Records['users'], email: string): Promise<string | undefined> {
  return (await userIdsByEmail(db, users, email))[0];
}

export interface SessionRow {
  id: string;
  userId: string;
  active: boolean;
}

/**
 * The session row a token's session claim names, with the profile's "active" condition. The
 * claim is compared with the key column's own type (no cast on the column, so its index is used).
 */
export async function sessionRow(db: Db, sessions: Records['sessions'], sessionId: string): Promise<SessionRow | undefined> {
  const rows = await db.query<{ id: unknown; user_id: unknown; active: boolean | null }>(
    `SELECT s.${ident(sessions.idColumn)} AS id, s.${ident(sessions.userColumn)} AS user_id, coalesce((${sessions.activeWhere}), false) AS active
     FROM ${ident(sessions.table)} s WHERE s.${ident(sessions.idColumn)} = $1`,
    [sessionId],
  );
  const row = rows[0];
  return row && { id: String(row.id), userId: String(row.user_id), active: row.active === true };
}

/** One refresh-token row, reduced to what may be shown: ids, timestamps and the revoked flag. */
export interface TokenRow {
  /** The row's primary key (its columns joined by /), stable across updates. */
  key: string;
  revoked: boolean;
  /** What an attachment may show: id columns, timestamps, the revoked flag; never a token or hash. */
  shown: Record<string, unknown>;
}

const secretLooking = /hash|secret|password|salt|digest/i;

/**
 * The refresh-token rows of one session (never "the latest rows of the user"), ordered by their
 * primary key. Token values and hashes never leave this function: only id columns, timestamps and
 * the revoked flag are kept.
 */
export async function tokenRowsOfSession(db: Db, tokens: NonNullable<Records['tokens']>, sessionId: string): Promise<TokenRow[]> {
  const keyColumns = await primaryKeyColumns(db, tokens.table);
  const order = keyColumns.length ? ` ORDER BY ${keyColumns.map((c) => `t.${ident(c)}`).join(', ')}` : '';
  const rows = await db.query<Record<string, unknown>>(
    `SELECT t.*, coalesce((${tokens.revokedWhere}), false) AS verity_revoked
     FROM ${ident(tokens.table)} t WHERE t.${ident(tokens.sessionColumn)} = $1${order}`,
    [sessionId],
  );
  return rows.map((row) => {
    const shown: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) {
      if (column === 'verity_revoked' || secretLooking.test(column)) continue;
      const isId = keyColumns.includes(column) || column === 'id' || column.endsWith('_id');
      if (isId) shown[column] = value === null ? null : String(value);
      else if (value instanceof Date) shown[column] = value.toISOString();
    }
    shown.revoked = row.verity_revoked === true;
    const keyOf = keyColumns.length ? keyColumns : 'id' in row ? ['id'] : [];
    const key = keyOf.length ? keyOf.map((c) => String(row[c])).join('/') : JSON.stringify(shown);
    return { key, revoked: row.verity_revoked === true, shown };
  });
}

async function primaryKeyColumns(db: Db, table: string): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT a.attname AS name
     FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = to_regclass($1) AND i.indisprimary
     ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [ident(table)],
  );
  return rows.map((r) => r.name);
}

export interface TokenCounts {
  live: number;
  revoked: number;
}

/** How many of a session's refresh-token rows are live and how many revoked. */
export async function tokenCounts(db: Db, tokens: NonNullable<Records['tokens']>, sessionId: string): Promise<TokenCounts> {
  const [row] = await db.query<{ live: number; revoked: number }>(
    `SELECT count(*) FILTER (WHERE NOT coalesce((${tokens.revokedWhere}), false))::int AS live,
            count(*) FILTER (WHERE coalesce((${tokens.revokedWhere}), false))::int AS revoked
     FROM ${ident(tokens.table)} t WHERE t.${ident(tokens.sessionColumn)} = $1`,
    [sessionId],
  );
  return row!;
}

/** Each count the profile says a page shows, as the database has it for the user ($1 in its SQL). */
export async function pageCounts(db: Db, counts: Records['counts'], page: string, userId: string): Promise<{ name: string; value: number }[]> {
  const out: { name: string; value: number }[] = [];
  for (const count of counts.filter((c) => c.page === page)) {
    const rows = await db.query<Record<string, unknown>>(count.sql, [userId]);
    out.push({ name: count.name, value: Number(Object.values(rows[0] ?? {})[0]) });
  }
  return out;
}
