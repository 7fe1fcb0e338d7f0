// What the demo server is started with. App faults are a live set: the fault catalog can
// switch them on and off while the server runs.
export type AuthMode = 'bearer' | 'cookie';

export const appFaultNames = [
  'foreign-signing-key',
  'signature-unchecked',
  'kid-read-as-path',
  'refresh-500',
  'users-me-500',
  'endpoint-without-auth',
  'admin-open',
  'conversation-idor',
  'slow-endpoint',
  'spa-refresh-broken',
  'spa-cross-origin-api',
  'json-endpoint-html',
  'login-reveals-email',
  'logout-keeps-token',
  'app-log-errors',
  'session-sweeper-stopped',
] as const;
export type AppFault = (typeof appFaultNames)[number];

export interface ServerOptions {
  /** Connection string of the application role. */
  databaseURL: string;
  authMode: AuthMode;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  issuer: string;
  audience: string;
  /** Where the server keeps its published public keys: one PEM file per key, named by its kid. */
  keysDir: string;
  /** Structured JSON log (pino) of every request. */
  logFile: string;
  /** The built SPA (index.html and assets). */
  webDist: string;
  faults: Set<AppFault>;
  /** How often expired sessions are closed. */
  sweepIntervalMs: number;
  /** How long the slow-endpoint fault stalls a response. */
  slowEndpointSeconds: number;
}
