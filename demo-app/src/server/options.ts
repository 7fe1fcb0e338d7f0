// What the demo server is started with. App faults are a live set: the fault catalog can
// switch them on and off while the server runs.
export type AuthMode = 'bearer' | 'cookie';
/**
 * The shape of the sign-in API. 'standard': login takes {email, password}, tokens are top-level
 * fields, refresh takes {refresh_token}, a refused sign-in gets 401, the subject is `sub`.
 * 'nested' (an app unlike the demo's usual one): login also requires "client": "web" (400
 * without it), tokens come as { data: { access_token, refresh_token } }, refresh takes
 * { token }, a refused sign-in gets 400, and the user's id is in the `uid` claim (no `sub`).
 */
export type AuthContract = 'standard' | 'nested';

/**
 * How access tokens are signed. The asymmetric ones publish their public keys as a JWKS; HS256
 * signs with a shared secret that is published nowhere, so a verifier must be given it.
 */
export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA' | 'HS256';

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
  /** The sign-in API's shape; 'standard' when absent. */
  contract?: AuthContract;
  /** The access tokens' signing algorithm; 'RS256' when absent. */
  signingAlg?: SigningAlg;
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
  /** Conventions unlike the demo's usual ones (an app to adopt); each absent means the usual. */
  conventions?: DemoConventions;
}

/** Ways a real app may differ from the demo's usual API and pages, switched on at start. */
export interface DemoConventions {
  /** Calls with no token at all are answered 403 (a garbage or ended token still gets 401). */
  anonymous403?: boolean;
  /** GET /health answers with this media type, e.g. 'application/health+json'. */
  healthMediaType?: string;
  /** GET /openapi.json lists the protected operations only to a signed-in caller ('admin': only to an admin). */
  openApiSignedInOnly?: boolean | 'admin';
  /** The sign-in form's fields have no labels: placeholders, input types and autocomplete only. */
  unlabelledLogin?: boolean;
  /** The dashboard asks for an optional resource that answers 404 (the browser logs a console error). */
  dashboardOptional404?: boolean;
}
