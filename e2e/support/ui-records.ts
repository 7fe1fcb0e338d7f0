// Cross-layer reads: what the database records about a user, a session and its refresh tokens,
// through the profile's `app.records` (table and column names are the profile's, values are
// always bound parameters). Every read runs in Verity's READ ONLY transaction.
import type { Profile } from '../../src/profile.ts';
import type { ReadOnlySession } from '../../src/db.ts';

export type Records = NonNullable<Profile['app']['records']>;
export type Db = { query: ReadOnlySession['query'] };

/** The user's id in the database, found by email regardless of case; undefined when no row matches. */
export async function userIdOf(db: Db, records: Records, email: string): Promise<string | undefined> {
  const { table, idColumn, emailColumn } = records.users;
  const rows = await db.query<{ id: string }>(
    `SELECT u.${idColumn}::text AS id FROM ${table} u WHERE lower(u.${emailColumn}) = lower($1)`,
    [email],
  );
  return rows[0]?.id;
}

export interface SessionRecord {
  userId: string;
  active: boolean;
}

/** The session row a token's session claim names; undefined when there is none. */
export async function sessionRecord(db: Db, records: Records, sessionId: string): Promise<SessionRecord | undefined> {
  const { table, idColumn, userColumn, activeWhere } = records.sessions;
  const rows = await db.query<{ user_id: string; active: boolean }>(
    `SELECT s.${userColumn}::text AS user_id, coalesce((${activeWhere}), false) AS active FROM ${table} s WHERE s.${idColumn}::text = $1`,
    [sessionId],
  );
  return rows[0] ? { userId: rows[0].user_id, active: rows[0].active } : undefined;
}

export interface TokenRecords {
  live: number;
  revoked: number;
}

/** How many of a session's refresh-token rows are live and how many revoked. */
export async function tokenRecords(db: Db, records: Records, sessionId: string): Promise<TokenRecords | undefined> {
  if (!records.tokens) return undefined;
  const { table, sessionColumn, revokedWhere } = records.tokens;
  const [row] = await db.query<{ live: number; revoked: number }>(
    `SELECT count(*) FILTER (WHERE NOT coalesce((${revokedWhere}), false))::int AS live,
            count(*) FILTER (WHERE coalesce((${revokedWhere}), false))::int AS revoked
     FROM ${table} t WHERE t.${sessionColumn}::text = $1`,
    [sessionId],
  );
  return row;
}

/** Each count the profile says a page shows, as the database has it for the user. */
export async function pageCounts(db: Db, records: Records, page: string, userId: string): Promise<{ name: string; value: number }[]> {
  const out: { name: string; value: number }[] = [];
  for (const count of records.counts.filter((c) => c.page === page)) {
    const rows = await db.query<Record<string, unknown>>(count.sql, [userId]);
    out.push({ name: count.name, value: Number(Object.values(rows[0] ?? {})[0]) });
  }
  return out;
}
