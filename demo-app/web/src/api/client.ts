import { currentPath, loginUrl, navigate } from '../router';

export type AuthMode = 'bearer' | 'cookie';

export interface AppConfig {
  api_base: string;
  auth_mode: AuthMode;
  refresh_on_401: boolean;
  /** The sign-in form labels its fields (an app unlike the demo may not). */
  login_labels: boolean;
  /** An optional resource the dashboard asks for (it may answer 404), or null. */
  dashboard_optional: string | null;
  /** The sign-in API's shape: 'nested' adds a client field, puts tokens under data, refreshes with { token }. */
  auth_contract: 'standard' | 'nested';
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Thrown after the session ended and the app navigated to /login; callers should just stop. */
export class SessionEndedError extends Error {
  constructor() {
    super('Your session has ended. Please sign in again.');
    this.name = 'SessionEndedError';
  }
}

const ACCESS_KEY = 'pa.access_token';
const REFRESH_KEY = 'pa.refresh_token';
const SIGNED_IN_KEY = 'pa.signed_in';

let config: AppConfig | null = null;

export async function loadConfig(): Promise<AppConfig> {
  // Always relative: the SPA's own origin says where the API lives.
  const res = await fetch('/app-config.json', { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /app-config.json failed with HTTP ${res.status}`);
  const raw = await parseJson<Partial<AppConfig>>(res, 'GET /app-config.json');
  config = {
    api_base: (raw.api_base ?? '').replace(/\/+$/, ''),
    auth_mode: raw.auth_mode === 'cookie' ? 'cookie' : 'bearer',
    // Only an explicit `false` disables refresh; that build is a deliberate fault.
    refresh_on_401: raw.refresh_on_401 !== false,
    login_labels: raw.login_labels !== false,
    dashboard_optional: typeof raw.dashboard_optional === 'string' ? raw.dashboard_optional : null,
    auth_contract: raw.auth_contract === 'nested' ? 'nested' : 'standard',
  };
  return config;
}

/** The boot configuration (after loadConfig). */
export function appConfig(): AppConfig {
  return getConfig();
}

function getConfig(): AppConfig {
  if (!config) throw new Error('App configuration has not been loaded');
  return config;
}

// --- session storage -------------------------------------------------------

// Bumped whenever the credentials change, so a 401 for a request sent with older
// credentials retries with the new ones instead of starting another refresh.
let sessionGeneration = 0;

export function isSignedIn(): boolean {
  if (getConfig().auth_mode === 'cookie') return localStorage.getItem(SIGNED_IN_KEY) === '1';
  return localStorage.getItem(ACCESS_KEY) !== null || localStorage.getItem(REFRESH_KEY) !== null;
}

function storeTokens(body: unknown): void {
  const tokens = getConfig().auth_contract === 'nested' ? (body as { data?: unknown } | undefined)?.data : body;
  const { access_token, refresh_token } = (tokens ?? {}) as Record<string, unknown>;
  if (typeof access_token !== 'string' || typeof refresh_token !== 'string') {
    throw new Error('The server did not return an access and refresh token');
  }
  localStorage.setItem(ACCESS_KEY, access_token);
  localStorage.setItem(REFRESH_KEY, refresh_token);
  sessionGeneration++;
}

function markCookieSession(): void {
  // Cookies are HttpOnly, so this marker is the only way the app knows it believes it is signed in.
  localStorage.setItem(SIGNED_IN_KEY, '1');
  sessionGeneration++;
}

export function clearSession(): void {
  localStorage.removeItem(ACCESS_KEY);
  localStorage.removeItem(REFRESH_KEY);
  localStorage.removeItem(SIGNED_IN_KEY);
  sessionGeneration++;
}

function endSession(): never {
  clearSession();
  // Several requests can fail together; only the first one should redirect.
  if (window.location.pathname !== '/login') navigate(loginUrl(currentPath()), { replace: true });
  throw new SessionEndedError();
}

// --- transport ---------------------------------------------------------------

function credentialsMode(): RequestCredentials {
  const { api_base, auth_mode } = getConfig();
  if (auth_mode !== 'cookie') return 'same-origin';
  const crossOrigin = api_base !== '' && new URL(api_base, window.location.href).origin !== window.location.origin;
  return crossOrigin ? 'include' : 'same-origin';
}

async function send(method: string, path: string, body?: unknown, withAuth = true): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  // No Content-Type without a body: Fastify rejects an empty body declared as JSON.
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const access = withAuth && getConfig().auth_mode === 'bearer' ? localStorage.getItem(ACCESS_KEY) : null;
  if (access) headers.Authorization = `Bearer ${access}`;
  try {
    return await fetch(`${getConfig().api_base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: credentialsMode(),
    });
  } catch {
    throw new Error(`Network error: could not reach the server (${method} ${path})`);
  }
}

async function parseJson<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    const type = res.headers.get('content-type') ?? 'no content type';
    throw new ApiError(`Expected JSON from ${what} but got ${type} (HTTP ${res.status})`, res.status);
  }
}

async function toApiError(res: Response, what: string): Promise<ApiError> {
  try {
    const body = await parseJson<{ error?: string; message?: string }>(res, what);
    return new ApiError(body.message ?? `${what} failed with HTTP ${res.status}`, res.status, body.error);
  } catch {
    return new ApiError(`${what} failed with HTTP ${res.status}`, res.status);
  }
}

async function readResponse<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw await toApiError(res, what);
  if (res.status === 204) return undefined as T;
  return parseJson<T>(res, what);
}

// --- refresh -------------------------------------------------------------------

// Module-level so that any number of concurrent 401s share one POST /auth/refresh.
let refreshInFlight: Promise<boolean> | null = null;

function refreshSession(): Promise<boolean> {
  refreshInFlight ??= (async () => {
    try {
      const mode = getConfig().auth_mode;
      let body: object = {};
      if (mode === 'bearer') {
        const refresh_token = localStorage.getItem(REFRESH_KEY);
        if (!refresh_token) return false;
        body = getConfig().auth_contract === 'nested' ? { token: refresh_token } : { refresh_token };
      }
      const res = await send('POST', '/api/v1/auth/refresh', body, false);
      if (!res.ok) return false;
      if (mode === 'bearer') storeTokens(await parseJson(res, 'POST /api/v1/auth/refresh'));
      else markCookieSession();
      return true;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshInFlight = null;
  });
  return refreshInFlight;
}

// --- public API ------------------------------------------------------------------

/** A protected call: on 401 refresh once (shared), retry once, otherwise end the session. */
export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const what = `${method} ${path}`;
  const sentWith = sessionGeneration;
  let res = await send(method, path, options.body);
  if (res.status === 401) {
    if (!getConfig().refresh_on_401) endSession();
    const refreshed = sentWith === sessionGeneration ? await refreshSession() : isSignedIn();
    if (!refreshed) endSession();
    res = await send(method, path, options.body);
    if (res.status === 401) endSession();
  }
  return readResponse<T>(res, what);
}

export async function login(email: string, password: string): Promise<void> {
  const credentials = getConfig().auth_contract === 'nested' ? { email, password, client: 'web' } : { email, password };
  const res = await send('POST', '/api/v1/auth/login', credentials, false);
  const body = await readResponse<unknown>(res, 'POST /api/v1/auth/login');
  if (getConfig().auth_mode === 'bearer') storeTokens(body);
  else markCookieSession();
}

/** Best effort: the local session is cleared whatever the server answers. */
export async function logout(): Promise<void> {
  try {
    const res = await send('POST', '/api/v1/auth/logout');
    // An expired access token cannot end the session, which would leave the refresh token
    // (and, in cookie mode, the HttpOnly pa_refresh cookie) usable: refresh once and retry.
    if (res.status === 401 && getConfig().refresh_on_401 && (await refreshSession())) {
      await send('POST', '/api/v1/auth/logout');
    }
  } catch {
    // Signing out locally still matters when the server is unreachable.
  }
  clearSession();
  navigate('/login');
}
