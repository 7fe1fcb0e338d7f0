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
    ],
    rules: {
      notBlank: [
        { table: 'users', column: 'email' },
        { table: 'roles', column: 'name' },
        { table: 'permissions', column: 'name' },
      ],
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
  },
});
