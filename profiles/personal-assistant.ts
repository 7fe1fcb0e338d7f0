// The Personal Assistant app (the reference demo): what its database must hold and obey.
import { defineProfile } from '../src/profile.ts';

export default defineProfile({
  name: 'personal-assistant',
  description: 'Personal Assistant: JWT login with refresh, chat, SMS analytics (the embedded demo).',
  database: {
    schemas: ['public'],
    expectedTables: [
      'users', 'roles', 'permissions', 'user_roles', 'role_permissions',
      'user_sessions', 'auth_tokens', 'mfa_configurations', 'security_events',
      'conversation_states', 'conversation_messages', 'memory_context_items',
      'sms_router_configs', 'sms_usage_logs', 'user_phone_mappings',
      'todos', 'tasks', 'ai_tasks', 'reminders', 'events', 'expenses',
      'ltm_memories', 'ltm_contexts', 'ltm_memory_access', 'ltm_memory_relationships',
      'ltm_memory_tags', 'notes', 'grocery_items', 'grocery_deals',
      'grocery_analysis', 'expense_categories', 'recurrence_patterns',
      'event_creation_logs', 'event_processing_log', 'note_sync_log',
      'access_audit_logs', 'task_results', 'user_settings',
      'dashboard_counts', 'schema_migrations',
    ],
    criticalTables: ['users', 'roles', 'permissions', 'user_roles', 'role_permissions', 'user_sessions', 'auth_tokens'],
    expectedExtensions: ['amcheck'],
    relationships: [
      { from: { table: 'conversation_messages', column: 'conversation_id' }, to: { table: 'conversation_states', column: 'conversation_id' } },
      { from: { table: 'memory_context_items', column: 'conversation_id' }, to: { table: 'conversation_states', column: 'conversation_id' } },
      // A cache: rows are rebuilt on demand, so no foreign key holds them back.
      { from: { table: 'dashboard_counts', column: 'user_id' }, to: { table: 'users', column: 'id' } },
      // Enforced by a foreign key today: its loss must not go unseen.
      { from: { table: 'user_settings', column: 'user_id' }, to: { table: 'users', column: 'id' }, foreignKey: true },
    ],
    rules: {
      notBlank: [
        { table: 'users', column: 'email' },
        { table: 'roles', column: 'name' },
        { table: 'permissions', column: 'name' },
      ],
      // Every hash the app writes is scrypt$N$r$p$salt$hash (base64 parts): anything else cannot sign in.
      matches: [{ table: 'users', column: 'password_hash', pattern: '^scrypt\\$[0-9]+\\$[0-9]+\\$[0-9]+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$' }],
      uniqueIgnoringCase: [{ table: 'users', column: 'email' }],
      everyParentHasChild: [
        { name: 'every user has a role', parent: { table: 'users', column: 'id' }, child: { table: 'user_roles', column: 'user_id' } },
        {
          name: 'every user has default settings',
          parent: { table: 'users', column: 'id' },
          child: { table: 'user_settings', column: 'user_id' },
          childWhere: "c.settings_key = 'default_preferences'",
        },
      ],
    },
    freshness: [
      { table: 'conversation_messages', column: 'created_at', maxAgeHours: 7 * 24 },
      { table: 'security_events', column: 'created_at', maxAgeHours: 7 * 24 },
    ],
    sessions: [
      { table: 'user_sessions', expiresColumn: 'expires_at', activeWhere: 's.is_active', maxExpiredActive: 50 },
      { table: 'auth_tokens', expiresColumn: 'expires_at', activeWhere: 's.revoked_at IS NULL', maxExpiredActive: 50 },
    ],
    applicationRole: { name: 'pa_app', privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], exceptTables: ['schema_migrations'] },
    mustNotBeEmpty: [{ table: 'dashboard_counts', whenNotEmpty: 'users' }],
    primary: true,
    gates: ['connectivity', 'schema-presence'],
    probes: {
      'unindexed-foreign-keys': { severity: 'major', reason: 'Every foreign key of this app is indexed by its migrations: a missing index is a restore whose post-data step failed.' },
      'missing-primary-keys': { severity: 'major', reason: 'Every table of this app has a primary key by its migrations: a missing one is a restore whose post-data step failed.' },
    },
  },
  app: {
    healthPath: '/health',
    version: { path: '/api/v1/info', field: 'version' },
    publicPaths: ['/api/v1/info', '/docs'],
    openApiPath: '/openapi.json',
    auth: {
      transport: 'from-target',
      loginPath: '/api/v1/auth/login',
      refreshPath: '/api/v1/auth/refresh',
      logoutPath: '/api/v1/auth/logout',
      accessTokenField: 'access_token',
      refreshTokenField: 'refresh_token',
      accessCookie: 'pa_access',
      refreshCookie: 'pa_refresh',
      jwksPath: '/.well-known/jwks.json',
      issuer: 'personal-assistant',
      audience: 'personal-assistant-web',
      sessionClaim: 'sid',
      reuseDetection: true,
      browserStorage: {
        bearer: { 'pa.access_token': 'access', 'pa.refresh_token': 'refresh' },
        cookie: { 'pa.signed_in': '1' },
      },
    },
    api: {
      me: { path: '/api/v1/users/me', idField: 'id', emailField: 'email' },
      protected: [],
      sampleIds: { conversation_id: 'from:/api/v1/chat/conversations#items.0.conversation_id' },
      adminOnly: '/api/v1/admin/users',
      ownedResource: {
        listPath: '/api/v1/chat/conversations',
        itemsField: 'items',
        idField: 'conversation_id',
        itemPath: '/api/v1/chat/conversations/{conversation_id}',
      },
    },
    ui: {
      loginRoute: '/login',
      protectedRoutes: { dashboard: '/', profile: '/profile', conversations: '/conversations', analytics: '/analytics' },
    },
    records: {
      sessions: { table: 'user_sessions', idColumn: 'id', userColumn: 'user_id', activeWhere: 's.is_active AND s.expires_at > now()' },
      tokens: { table: 'auth_tokens', sessionColumn: 'session_id', revokedWhere: 't.revoked_at IS NOT NULL' },
      users: { table: 'users', idColumn: 'id', emailColumn: 'email' },
      counts: [
        { page: 'conversations', name: 'conversations', sql: 'SELECT count(*) FROM conversation_states WHERE user_id = $1' },
        { page: 'dashboard', name: 'conversations', sql: 'SELECT count(*) FROM conversation_states WHERE user_id = $1' },
        { page: 'dashboard', name: 'sms', sql: 'SELECT count(*) FROM sms_usage_logs WHERE user_id = $1' },
      ],
    },
  },
});
