// Directus (https://directus.io), adopted with a profile alone: README's "Adopting Verity for your
// app" walks through it. Its tokens are HS256 JWTs signed with the app's SECRET (give it to
// Verity as VERITY_JWT_SECRET); its Data Studio, at /admin, signs in with a session cookie that is
// itself the JWT. Proved by test/adopt-directus.test.ts against Directus 11.3.5.
import { defineProfile } from '../src/profile.ts';

export default defineProfile({
  name: 'directus',
  description: 'Directus: a headless CMS and its Data Studio (JWT sign-in, PostgreSQL).',
  database: {
    schemas: ['public'],
    // The system tables Directus 11.3's migrations make; a team's own collections are added here.
    expectedTables: [
      'directus_access', 'directus_activity', 'directus_collections', 'directus_comments',
      'directus_dashboards', 'directus_extensions', 'directus_fields', 'directus_files',
      'directus_flows', 'directus_folders', 'directus_migrations', 'directus_notifications',
      'directus_operations', 'directus_panels', 'directus_permissions', 'directus_policies',
      'directus_presets', 'directus_relations', 'directus_revisions', 'directus_roles',
      'directus_sessions', 'directus_settings', 'directus_shares', 'directus_translations',
      'directus_users', 'directus_versions', 'directus_webhooks',
    ],
    // Who may sign in, with which rights, and who is signed in.
    criticalTables: ['directus_users', 'directus_roles', 'directus_policies', 'directus_access', 'directus_permissions', 'directus_sessions'],
    expectedExtensions: ['amcheck'],
    relationships: [
      // Activity rows name their user without a foreign key (they outlive deleted users as NULL, never as a dangling id).
      { from: { table: 'directus_activity', column: 'user' }, to: { table: 'directus_users', column: 'id' } },
    ],
    rules: {
      notBlank: [
        { table: 'directus_users', column: 'email' },
        { table: 'directus_roles', column: 'name' },
        { table: 'directus_policies', column: 'name' },
        { table: 'directus_migrations', column: 'name' },
      ],
      // Directus stores e-mail addresses lower-cased and signs in ignoring case.
      uniqueIgnoringCase: [{ table: 'directus_users', column: 'email' }],
      // Directus hashes passwords with argon2id.
      matches: [{ table: 'directus_users', column: 'password', pattern: '^\\$argon2id\\$v=19\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+$' }],
    },
    sessions: [
      // No active flag: signing out deletes the row, and rows past `expires` are dead until Directus removes them.
      { table: 'directus_sessions', expiresColumn: 'expires', activeWhere: 'TRUE', maxExpiredActive: 1000 },
    ],
    mustNotBeEmpty: [
      // Every role reaches its rights through directus_access: with roles but no access rows, nobody but admins can do anything.
      { table: 'directus_access', whenNotEmpty: 'directus_roles' },
      { table: 'directus_policies', whenNotEmpty: 'directus_roles' },
    ],
    applicationRole: { name: 'directus', privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
    probes: {
      'unindexed-foreign-keys': { severity: 'info', reason: 'Directus indexes none of its system tables\' foreign keys by design; those tables stay small.' },
    },
  },
  app: {
    // Answers application/health+json.
    healthPath: '/server/health',
    version: { path: '/server/info', field: 'data.version' },
    publicPaths: ['/server/info', '/server/ping'],
    // Lists the protected endpoints only to a signed-in caller.
    openApiPath: '/server/specs/oas',
    auth: {
      transport: 'bearer',
      loginPath: '/auth/login',
      refreshPath: '/auth/refresh',
      logoutPath: '/auth/logout',
      // mode "json": the tokens come in the answer's body, under data.
      loginRequest: { body: { email: '{email}', password: '{password}', mode: 'json' } },
      refreshRequest: { body: { refresh_token: '{refreshToken}', mode: 'json' } },
      logoutRequest: { body: { refresh_token: '{refreshToken}', mode: 'json' } },
      accessToken: { from: 'json', pointer: '/data/access_token' },
      refreshToken: { from: 'json', pointer: '/data/refresh_token' },
      subjectClaim: 'id',
      algorithms: ['HS256'],
      issuer: 'directus',
      // JSON-mode access tokens name no session; the Data Studio's session cookie does (claim "session").
      sessionClaim: 'session',
      // JSON-mode sign-ins key their directus_sessions row by the refresh token itself.
      sessionIsRefreshToken: true,
      // Access tokens are stateless: sign-out ends the refresh token and the session row; the
      // access token lives out its short lifetime (ACCESS_TOKEN_TTL).
      signOutEndsAccessToken: false,
      // A session refreshed in the Data Studio keeps its old cookie valid for SESSION_REFRESH_GRACE_PERIOD (10 s by default).
      rotationGraceSeconds: 10,
      // The Data Studio signs in in session mode: its HttpOnly cookie is itself the JWT (claim "session" names the row).
      browserCookie: 'directus_session_token',
    },
    api: {
      me: { path: '/users/me', idField: '/data/id', emailField: '/data/email' },
      // 401 for no token or a bad one on /users/me, 403 elsewhere: Directus answers "forbidden" to the public role.
      refusedStatuses: [401, 403],
      openApiSignedIn: true,
      // The document marks only some operations as secured (/presets, /comments); the system
      // endpoints a QA role reads are listed here, and are just as protected.
      protected: [{ path: '/users/me' }, { path: '/users' }, { path: '/users/{id}' }, { path: '/roles' }, { path: '/roles/{id}' }, { path: '/collections' }, { path: '/fields' }, { path: '/relations' }, { path: '/settings' }],
      // Path parameters ({id} of /users/{id}, /roles/{id}) are sampled from the list above each path.
      // Directus 11.3 sends a Content-Security-Policy with frame-ancestors, and neither of these.
      headersNotSent: [
        { header: 'x-content-type-options', reason: 'Directus 11.3 does not send X-Content-Type-Options; a reverse proxy in front of it adds it where needed.' },
        { header: 'referrer-policy', reason: 'Directus 11.3 does not send Referrer-Policy; browsers default to strict-origin-when-cross-origin.' },
      ],
    },
    ui: {
      loginRoute: '/admin/login',
      // A deep link: signed out, it leads to sign-in, and signing in returns to it.
      protectedRoutes: { users: '/admin/users' },
      // The Studio's root (/admin/) always goes on to its sign-in page, which offers "continue as"
      // when signed in; a signed-in journey starts from the content module instead.
      homeRoute: '/admin/content',
      // Signed in, the Data Studio shows one of its modules (not its bare root, on its way to the
      // sign-in page, nor its sign-in pages), and /users/me answers its session's user.
      signedIn: { path: '^/admin/(?!login|logout|reset-password)[a-z]', me: true },
      signOut: { route: '/admin/logout' },
      expectedConsole: [
        { pattern: '/auth/refresh', reason: 'The Data Studio tries to resume a session on every load; with none yet, /auth/refresh answers 400.' },
        { pattern: '/favicon.ico$', reason: 'Directus serves its icon under /admin; the browser also asks the site root for one, which answers 404.' },
        { pattern: '/translations', reason: 'The Data Studio asks for custom translations before sign-in; the public role may not read them (403).' },
      ],
    },
    records: {
      // JSON-mode sign-ins and the Data Studio's sessions both make a row; signing out deletes it.
      sessions: { table: 'directus_sessions', idColumn: 'token', userColumn: 'user', activeWhere: 's.expires > now()' },
      users: { table: 'directus_users', idColumn: 'id', emailColumn: 'email' },
    },
  },
});
