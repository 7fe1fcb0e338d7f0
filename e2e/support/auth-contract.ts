// The auth contract a profile describes (app.auth), resolved with today's behaviour as the
// default: how each call is made (method, body template, JSON or form), where each token is in an
// answer (a JSON pointer, a cookie, a header) and how later requests present the access token.
import type { Profile } from '../../src/profile.ts';

export type Transport = 'bearer' | 'cookie';
export type AuthSettings = NonNullable<Profile['app']['auth']>;
export type TokenLocation = NonNullable<AuthSettings['accessToken']>;
export type Presentation = NonNullable<AuthSettings['presentAccessToken']>;

export interface Call {
  method: string;
  path: string;
  /** The body template; undefined: no body. */
  body?: Record<string, unknown>;
  bodyFormat: 'json' | 'form';
}

export interface Contract {
  login: Call;
  refresh: Call;
  logout: Call;
  accessToken: TokenLocation;
  refreshToken: TokenLocation;
  present: Presentation;
}

/** What a body template's placeholders stand for. */
export interface TemplateValues {
  email?: string;
  password?: string;
  refreshToken?: string;
}

/** Where a session's id is read from, for step titles: the token's claim, or the refresh token itself. */
export function sessionKeyWhere(settings: AuthSettings): string {
  return settings.sessionIsRefreshToken ? `from the access token's "${settings.sessionClaim}" claim, or the refresh token (app.auth.sessionIsRefreshToken)` : `from the access token's "${settings.sessionClaim}" claim`;
}

/** A field name as a JSON pointer to a top-level member (RFC 6901 escapes). */
export function pointerTo(field: string): string {
  return `/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export function contractOf(settings: AuthSettings, transport: Transport): Contract {
  const call = (path: string, spec: AuthSettings['loginRequest'], defaultBody: Record<string, unknown> | undefined): Call => ({
    method: spec?.method ?? 'POST',
    path,
    body: spec?.body ?? defaultBody,
    bodyFormat: spec?.bodyFormat ?? 'json',
  });
  const bearer = transport === 'bearer';
  return {
    login: call(settings.loginPath, settings.loginRequest, { [settings.emailField]: '{email}', [settings.passwordField]: '{password}' }),
    refresh: call(settings.refreshPath, settings.refreshRequest, bearer ? { [settings.refreshTokenField]: '{refreshToken}' } : {}),
    logout: call(settings.logoutPath, settings.logoutRequest, undefined),
    accessToken: settings.accessToken ?? (bearer ? { from: 'json', pointer: pointerTo(settings.accessTokenField) } : { from: 'cookie', name: settings.accessCookie }),
    refreshToken: settings.refreshToken ?? (bearer ? { from: 'json', pointer: pointerTo(settings.refreshTokenField) } : { from: 'cookie', name: settings.refreshCookie }),
    present: settings.presentAccessToken ?? (bearer ? { as: 'header', name: 'authorization', prefix: 'Bearer ' } : { as: 'cookie', name: settings.accessCookie }),
  };
}

const placeholder = /\{(email|password|refreshToken)\}/g;

/**
 * The template with its placeholders filled, at any depth. A value that is exactly one
 * placeholder with nothing to fill it is left out (as an undefined field would be in JSON).
 */
export function filled(template: Record<string, unknown>, values: TemplateValues): Record<string, unknown> {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = /^\{(email|password|refreshToken)\}$/.exec(value);
      if (whole) return values[whole[1] as keyof TemplateValues];
      return value.replace(placeholder, (_, name: keyof TemplateValues) => values[name] ?? '');
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]).filter(([, v]) => v !== undefined));
    return value;
  };
  return fill(template) as Record<string, unknown>;
}

/** The request options (method, JSON data or form) of a call with its template filled. */
export function requestOptions(call: Call, values: TemplateValues, headers: Record<string, string> = {}): { method: string; headers: Record<string, string>; data?: unknown; form?: Record<string, string> } {
  const options = { method: call.method, headers };
  if (!call.body) return options;
  const body = filled(call.body, values);
  if (call.bodyFormat === 'json') return { ...options, data: body };
  return { ...options, form: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) };
}

/** The value a JSON pointer (RFC 6901) names, or where the path stopped. */
export function atPointer(doc: unknown, pointer: string): { found: true; value: unknown } | { found: false; stoppedAt: string } {
  if (pointer === '') return { found: true, value: doc };
  let here: unknown = doc;
  let walked = '';
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const next = Array.isArray(here) ? (/^(0|[1-9]\d*)$/.test(key) ? here[Number(key)] : undefined) : here && typeof here === 'object' ? (Object.hasOwn(here, key) ? (here as Record<string, unknown>)[key] : undefined) : undefined;
    if (next === undefined) return { found: false, stoppedAt: walked || '(the top level)' };
    walked += `/${raw}`;
    here = next;
  }
  return { found: true, value: here };
}

/** A field of a JSON answer named by the profile: a JSON pointer (/data/email) or a field name, dotted for nested ones (data.email). */
export function fieldOf(doc: unknown, field: string): unknown {
  if (field.startsWith('/')) {
    const found = atPointer(doc, field);
    return found.found ? found.value : undefined;
  }
  return field.split('.').reduce<unknown>((here, key) => (here && typeof here === 'object' ? (here as Record<string, unknown>)[key] : undefined), doc);
}

/** Where a location points, for messages: "at /data/access_token in the JSON body". */
export function describeLocation(location: TokenLocation): string {
  if (location.from === 'json') return `at ${location.pointer || '(the whole body)'} in the JSON body`;
  return location.from === 'cookie' ? `in a cookie named ${location.name}` : `in the response header ${location.name}`;
}

/** What a JSON value holds at its top level, for messages naming where a token was not: its member names, never values. */
export function shapeOf(doc: unknown, pointer = ''): string {
  const found = atPointer(doc, pointer);
  const value = found.found ? found.value : doc;
  if (value && typeof value === 'object' && !Array.isArray(value)) return `{ ${Object.keys(value).join(', ')} }`;
  return Array.isArray(value) ? 'an array' : value === undefined ? 'no JSON body' : typeof value;
}

const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Every JWT-shaped string in a JSON value: what an answer gave that may sign its session out when the profile's location is wrong. */
export function jwtsIn(doc: unknown): string[] {
  if (typeof doc === 'string') return jwtShape.test(doc) ? [doc] : [];
  if (Array.isArray(doc)) return doc.flatMap(jwtsIn);
  if (doc && typeof doc === 'object') return Object.values(doc).flatMap(jwtsIn);
  return [];
}
