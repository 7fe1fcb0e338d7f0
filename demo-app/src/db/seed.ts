// Deterministic seed data, generated inside PostgreSQL with set-based SQL so that scale 1000
// (about 1M users and 10M messages) loads in minutes. The same --seed gives the same rows;
// timestamps are relative to the moment of seeding.
import type pg from 'pg';
import { hashPassword, unusableHash } from '../server/passwords.ts';

export interface SeedAccount {
  email: string;
  password: string;
  fullName?: string;
  role: 'user' | 'admin';
}

export interface SeedOptions {
  scale: number;
  seed: number;
  accounts: SeedAccount[];
  /** Progress lines, e.g. for the CLI. */
  onStep?: (step: string, ms: number) => void;
}

export const roleNames = ['user', 'support', 'admin'] as const;
export const permissionsByRole: Record<(typeof roleNames)[number], string[]> = {
  user: ['profile.read', 'chat.read', 'chat.write', 'analytics.read'],
  support: ['profile.read', 'chat.read', 'analytics.read', 'support.tickets.read'],
  admin: ['profile.read', 'chat.read', 'chat.write', 'analytics.read', 'support.tickets.read', 'admin.users.read', 'admin.users.write'],
};

export async function seed(client: pg.Client, options: SeedOptions): Promise<{ users: number }> {
  const accounts = options.accounts;
  const k = accounts.length;
  const U = Math.max(Math.round(1000 * options.scale), k + 10);
  const seedValue = Math.trunc(options.seed) % 1_000_000;
  // A deterministic pseudo-random non-negative bigint per (row number, purpose).
  const rnd = (expr: string, salt: number) => `abs(hashint8extended((${expr})::bigint, ${seedValue * 100 + salt}))`;
  const pick = (expr: string, salt: number, list: string[]) =>
    `(ARRAY[${list.map((s) => `'${s.replace(/'/g, "''")}'`).join(',')}])[1 + ${rnd(expr, salt)} % ${list.length}]`;
  // A version-4-shaped UUID derived from a hash, so the same seed gives the same ids.
  const uuid = (kind: string, expr: string) => `pg_temp.uuid_of('${seedValue}-${kind}-' || (${expr}))`;
  const userOf = (expr: string) => `((${expr} - 1) % ${U}) + 1`;
  const ago = (expr: string, salt: number, maxMinutes: number) => `now() - make_interval(mins => (${rnd(expr, salt)} % ${maxMinutes})::int)`;

  const step = async (name: string, sql: string, params: unknown[] = []) => {
    const started = Date.now();
    await client.query(sql, params);
    options.onStep?.(name, Date.now() - started);
  };

  const accountHashes = await Promise.all(accounts.map((a) => hashPassword(a.password)));
  const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Margaret', 'Linus'];
  const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Hamilton', 'Torvalds'];
  const titles = ['Plan the week', 'Groceries for Sunday', 'Flight to Lisbon', 'Dentist appointment', 'Budget review', 'Birthday ideas', 'Book club notes', 'Workout plan'];

  await client.query(`CREATE FUNCTION pg_temp.uuid_of(seed text) RETURNS uuid IMMUTABLE LANGUAGE sql AS $$
    SELECT (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-'
            || substr('89ab', 1 + get_byte(decode(substr(h, 17, 2), 'hex'), 0) % 4, 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12))::uuid
    FROM md5(seed) AS h$$`);
  await client.query('BEGIN');
  // Rows are generated consistent with every foreign key; skipping the per-row FK triggers
  // is what makes the bulk load fast (as a pg_restore does).
  await client.query("SET LOCAL session_replication_role = 'replica'");

  const permissionNames = [...new Set(Object.values(permissionsByRole).flat())];
  await step('roles', `INSERT INTO roles (id, name, description) OVERRIDING SYSTEM VALUE
      SELECT ord, name, initcap(name) || ' role' FROM unnest($1::text[]) WITH ORDINALITY AS t(name, ord)`, [roleNames]);
  await step('permissions', `INSERT INTO permissions (id, name, description) OVERRIDING SYSTEM VALUE
      SELECT ord, name, 'May ' || replace(name, '.', ' ') FROM unnest($1::text[]) WITH ORDINALITY AS t(name, ord)`, [permissionNames]);
  await step('role permissions', `INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id FROM roles r
      JOIN jsonb_each($1::jsonb) AS m(role, perms) ON m.role = r.name
      JOIN permissions p ON m.perms ? p.name`, [JSON.stringify(permissionsByRole)]);

  await step('accounts', `
    INSERT INTO users (id, email, password_hash, full_name, created_at, updated_at) OVERRIDING SYSTEM VALUE
      SELECT ord, email, hash, name, now() - interval '400 days', now() - interval '30 days'
      FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(email, hash, name, ord)`,
    [accounts.map((a) => a.email), accountHashes, accounts.map((a, i) => a.fullName ?? `QA Account ${i + 1}`)]);
  await client.query(`
    INSERT INTO user_roles (user_id, role_id)
      SELECT ord, r.id FROM unnest($1::text[]) WITH ORDINALITY AS t(role, ord)
      JOIN roles r ON r.name = t.role OR r.name = 'user'`,
    [accounts.map((a) => a.role)]);

  await step('users', `
    INSERT INTO users (id, email, password_hash, full_name, is_active, created_at, updated_at, last_login_at) OVERRIDING SYSTEM VALUE
      SELECT g, 'user' || g || '@pa.example', $1,
        ${pick('g', 1, firstNames)} || ' ' || ${pick('g', 2, lastNames)},
        ${rnd('g', 3)} % 50 <> 0,
        now() - make_interval(days => (30 + ${rnd('g', 4)} % 700)::int),
        now() - make_interval(days => (${rnd('g', 5)} % 30)::int),
        now() - make_interval(hours => (${rnd('g', 6)} % 720)::int)
      FROM generate_series(${k + 1}, ${U}) g`, [unusableHash]);
  await step('user roles', `
    INSERT INTO user_roles (user_id, role_id, granted_at)
      SELECT g, 1, now() - interval '30 days' FROM generate_series(${k + 1}, ${U}) g
      UNION ALL
      SELECT g, 2, now() - interval '30 days' FROM generate_series(${k + 1}, ${U}) g WHERE g % 50 = 0`);
  await step('settings', `
    INSERT INTO user_settings (id, user_id, settings_key, settings_value, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, g, 'default_preferences', jsonb_build_object('theme', ${pick('g', 7, ['light', 'dark', 'system'])}, 'language', 'en'),
             now() - interval '30 days'
      FROM generate_series(1, ${U}) g
      UNION ALL
      SELECT ${U} + g, g, 'oauth.' || ${pick('g', 8, ['google', 'microsoft', 'github'])}, '{"connected": true}', now() - interval '20 days'
      FROM generate_series(1, ${U}) g WHERE g % 3 = 0`);

  // Sessions: one per user, most active and current, the rest expired and closed; half the
  // users also have an older closed session. Every session has its refresh-token family.
  await step('sessions', `
    INSERT INTO user_sessions (id, user_id, session_token, expires_at, is_active, created_at, last_seen_at, ip_address, user_agent) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')},
        encode(sha256(('${seedValue}-session-' || g)::bytea), 'hex'),
        CASE WHEN active THEN now() + make_interval(hours => (24 + ${rnd('g', 9)} % 144)::int)
             ELSE now() - make_interval(hours => (1 + ${rnd('g', 10)} % 2000)::int) END,
        active,
        now() - make_interval(hours => (200 + ${rnd('g', 11)} % 2000)::int),
        now() - make_interval(mins => (${rnd('g', 12)} % 3000)::int),
        '10.' || (g % 250) || '.' || (g / 250 % 250) || '.7',
        ${pick('g', 13, ['Mozilla/5.0 (X11; Linux x86_64)', 'Mozilla/5.0 (iPhone)', 'PA-Android/3.2'])}
      FROM generate_series(1, ${Math.round(1.5 * U)}) g,
      LATERAL (SELECT g <= ${U} AND ${rnd('g', 14)} % 10 < 7 AS active) a`);
  await step('refresh tokens', `
    INSERT INTO auth_tokens (id, user_id, session_id, family_id, token_hash, expires_at, revoked_at, created_at) OVERRIDING SYSTEM VALUE
      SELECT s.id, s.user_id, s.id, ${uuid('family', 's.id')},
        encode(sha256(('${seedValue}-refresh-' || s.id)::bytea), 'hex'),
        s.expires_at, CASE WHEN s.is_active THEN NULL ELSE s.expires_at END, s.created_at
      FROM user_sessions s`);

  await step('conversations', `
    INSERT INTO conversation_states (id, conversation_id, user_id, title, status, created_at, updated_at) OVERRIDING SYSTEM VALUE
      SELECT c, ${uuid('conversation', 'c')}, ${userOf('c')}, ${pick('c', 15, titles)},
        ${pick('c', 16, ['active', 'active', 'active', 'archived'])},
        now() - make_interval(days => (5 + ${rnd('c', 17)} % 200)::int),
        now() - make_interval(mins => (${rnd('c', 18)} % 7200)::int)
      FROM generate_series(1, ${3 * U}) c`);
  await step('messages', `
    INSERT INTO conversation_messages (id, conversation_id, role, content, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${uuid('conversation', `((g - 1) % ${3 * U}) + 1`)},
        CASE WHEN (g - 1) / ${3 * U} % 2 = 0 THEN 'user' ELSE 'assistant' END,
        ${pick('g', 19, ['Can you remind me tomorrow?', 'Sure, I added it to your list.', 'What is on my calendar?', 'You have two meetings.', 'Thanks!'])},
        ${ago('g', 20, 60 * 24 * 5)}
      FROM generate_series(1, ${10 * U}) g`);
  await step('memory items', `
    INSERT INTO memory_context_items (id, conversation_id, content, importance, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${uuid('conversation', `((g - 1) % ${3 * U}) + 1`)}, 'Prefers ' || ${pick('g', 21, ['mornings', 'short answers', 'metric units', 'email summaries'])},
        (1 + ${rnd('g', 22)} % 5)::smallint, ${ago('g', 23, 60 * 24 * 30)}
      FROM generate_series(1, ${2 * U}) g`);

  await step('sms', `
    INSERT INTO sms_usage_logs (id, user_id, direction, message_length, cost_cents, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, CASE WHEN ${rnd('g', 24)} % 2 = 0 THEN 'inbound' ELSE 'outbound' END,
        (10 + ${rnd('g', 25)} % 150)::int, (${rnd('g', 26)} % 4)::int, ${ago('g', 27, 60 * 24 * 28)}
      FROM generate_series(1, ${5 * U}) g;
    INSERT INTO sms_router_configs (id, user_id, phone_number, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, g * 20, '+1555' || lpad((g * 20)::text, 7, '0'), now() - interval '90 days' FROM generate_series(1, ${Math.floor(U / 20)}) g;
    INSERT INTO user_phone_mappings (id, user_id, phone_number, is_verified, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, g * 2, '+1555' || lpad((g * 2)::text, 7, '0'), g % 3 <> 0, now() - interval '90 days' FROM generate_series(1, ${Math.floor(U / 2)}) g`);

  await step('security and audit', `
    INSERT INTO mfa_configurations (id, user_id, method, is_enabled, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, g * 10, ${pick('g', 28, ['totp', 'sms'])}, true, now() - interval '60 days' FROM generate_series(1, ${Math.floor(U / 10)}) g;
    INSERT INTO security_events (id, user_id, event_type, ip_address, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, ${pick('g', 29, ['login_succeeded', 'login_failed', 'password_changed'])}, '10.0.0.' || (g % 250), ${ago('g', 30, 60 * 24 * 30)}
      FROM generate_series(1, ${U}) g;
    INSERT INTO access_audit_logs (id, user_id, resource, action, status_code, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, ${pick('g', 31, ['/api/v1/users/me', '/api/v1/chat/conversations', '/api/v1/analytics/sms/usage'])}, 'read', 200, ${ago('g', 32, 60 * 24 * 30)}
      FROM generate_series(1, ${U}) g`);

  await step('productivity', `
    INSERT INTO todos (id, user_id, title, is_done, due_date, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, ${pick('g', 33, ['Call mom', 'Pay rent', 'Renew passport', 'Water plants'])}, ${rnd('g', 34)} % 2 = 0, current_date + (g % 30)::int, ${ago('g', 35, 60 * 24 * 60)}
      FROM generate_series(1, ${U}) g;
    INSERT INTO tasks (id, user_id, title, status, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, 'Task ' || g, ${pick('g', 36, ['open', 'done'])}, ${ago('g', 37, 60 * 24 * 60)} FROM generate_series(1, ${U}) g;
    INSERT INTO ai_tasks (id, user_id, task_type, status, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, ${pick('g', 38, ['summarize', 'schedule', 'search'])}, 'done', ${ago('g', 39, 60 * 24 * 30)} FROM generate_series(1, ${Math.floor(U / 2)}) g;
    INSERT INTO task_results (id, task_id, result, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, g, '{"ok": true}', ${ago('g', 40, 60 * 24 * 30)} FROM generate_series(1, ${Math.floor(U / 2)}) g;
    INSERT INTO reminders (id, user_id, message, remind_at, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, 'Reminder ' || g, now() + make_interval(hours => (g % 300)::int), ${ago('g', 41, 60 * 24 * 30)} FROM generate_series(1, ${Math.floor(U / 2)}) g;
    INSERT INTO recurrence_patterns (id, rule) OVERRIDING SYSTEM VALUE
      VALUES (1, 'FREQ=DAILY'), (2, 'FREQ=WEEKLY'), (3, 'FREQ=MONTHLY'), (4, 'FREQ=YEARLY');
    INSERT INTO events (id, user_id, recurrence_pattern_id, title, starts_at, ends_at, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, CASE WHEN g % 3 = 0 THEN 1 + g % 4 END, ${pick('g', 42, ['Standup', 'Lunch', 'Gym', 'Review'])},
        now() + make_interval(hours => (g % 500)::int), now() + make_interval(hours => (g % 500)::int + 1), ${ago('g', 43, 60 * 24 * 30)}
      FROM generate_series(1, ${U}) g;
    INSERT INTO event_creation_logs (id, event_id, source, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, g, ${pick('g', 44, ['chat', 'sms', 'web'])}, ${ago('g', 45, 60 * 24 * 30)} FROM generate_series(1, ${U}) g;
    INSERT INTO event_processing_log (id, event_id, status, processed_at) OVERRIDING SYSTEM VALUE
      SELECT g, g, 'processed', ${ago('g', 46, 60 * 24 * 30)} FROM generate_series(1, ${U}) g;
    INSERT INTO expense_categories (id, name) OVERRIDING SYSTEM VALUE
      VALUES (1, 'Groceries'), (2, 'Transport'), (3, 'Rent'), (4, 'Leisure'), (5, 'Health'), (6, 'Other');
    INSERT INTO expenses (id, user_id, category_id, amount_cents, description, spent_at, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, 1 + ${rnd('g', 47)} % 6, (100 + ${rnd('g', 48)} % 20000)::int, 'Expense ' || g, ${ago('g', 49, 60 * 24 * 60)}, ${ago('g', 50, 60 * 24 * 60)}
      FROM generate_series(1, ${U}) g;
    INSERT INTO notes (id, user_id, title, content, created_at, updated_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, 'Note ' || g, ${pick('g', 51, ['Ideas for the garden', 'Meeting notes', 'Recipe: lentil soup'])}, ${ago('g', 52, 60 * 24 * 90)}, ${ago('g', 53, 60 * 24 * 10)}
      FROM generate_series(1, ${U}) g;
    INSERT INTO note_sync_log (id, note_id, status, synced_at) OVERRIDING SYSTEM VALUE
      SELECT g, g, 'synced', ${ago('g', 54, 60 * 24 * 10)} FROM generate_series(1, ${Math.floor(U / 2)}) g;
    INSERT INTO grocery_items (id, user_id, name, quantity, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, ${pick('g', 55, ['Milk', 'Bread', 'Eggs', 'Apples', 'Coffee'])}, (1 + g % 4)::int, ${ago('g', 56, 60 * 24 * 14)} FROM generate_series(1, ${U}) g;
    INSERT INTO grocery_deals (id, item_name, store, price_cents, valid_until, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${pick('g', 57, ['Milk', 'Bread', 'Eggs', 'Apples', 'Coffee'])}, ${pick('g', 58, ['Corner Market', 'FreshCo', 'MegaMart'])}, (99 + g % 900)::int, current_date + (g % 14)::int, ${ago('g', 59, 60 * 24 * 7)}
      FROM generate_series(1, ${Math.max(200, Math.floor(U / 5))}) g;
    INSERT INTO grocery_analysis (id, user_id, summary, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, g * 4, '{"weekly_cents": 4200}', ${ago('g', 60, 60 * 24 * 14)} FROM generate_series(1, ${Math.floor(U / 4)}) g`);

  await step('long-term memory', `
    INSERT INTO ltm_memories (id, user_id, content, importance, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, ${userOf('g')}, 'Remembers ' || ${pick('g', 61, ['a favourite cafe', 'an allergy to nuts', 'a sister called Mia'])}, (1 + g % 5)::smallint, ${ago('g', 62, 60 * 24 * 90)}
      FROM generate_series(1, ${U}) g;
    INSERT INTO ltm_contexts (id, memory_id, context_type, value, created_at) OVERRIDING SYSTEM VALUE
      SELECT g, g, 'source', 'conversation', ${ago('g', 63, 60 * 24 * 90)} FROM generate_series(1, ${U}) g;
    INSERT INTO ltm_memory_access (id, memory_id, accessed_at) OVERRIDING SYSTEM VALUE
      SELECT g, g, ${ago('g', 64, 60 * 24 * 7)} FROM generate_series(1, ${U}) g;
    INSERT INTO ltm_memory_relationships (id, source_memory_id, target_memory_id, relationship_type) OVERRIDING SYSTEM VALUE
      SELECT g, g, ${U} + 1 - g, 'related' FROM generate_series(1, ${Math.floor(U / 2)}) g;
    INSERT INTO ltm_memory_tags (id, memory_id, tag) OVERRIDING SYSTEM VALUE
      SELECT g, g, ${pick('g', 65, ['family', 'health', 'work', 'food'])} FROM generate_series(1, ${U}) g`);

  await step('dashboard cache', `
    INSERT INTO dashboard_counts (user_id, conversations, messages, sms_messages, refreshed_at)
      SELECT u.id, coalesce(c.n, 0), coalesce(c.m, 0), coalesce(s.n, 0), now()
      FROM users u
      LEFT JOIN (SELECT cs.user_id, count(DISTINCT cs.id) AS n, count(cm.id) AS m
                 FROM conversation_states cs LEFT JOIN conversation_messages cm USING (conversation_id)
                 GROUP BY cs.user_id) c ON c.user_id = u.id
      LEFT JOIN (SELECT user_id, count(*) AS n FROM sms_usage_logs GROUP BY user_id) s ON s.user_id = u.id`);

  // Identity sequences continue after the explicit ids.
  await step('sequences', `
    DO $$ DECLARE r record; BEGIN
      FOR r IN SELECT c.relname AS tbl, a.attname AS col
               FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND a.attidentity <> '' LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), GREATEST((SELECT max(%I) FROM %I), 1))', r.tbl, r.col, r.col, r.tbl);
      END LOOP; END $$`);
  await client.query('COMMIT');
  await step('analyze', 'ANALYZE');
  return { users: U };
}
