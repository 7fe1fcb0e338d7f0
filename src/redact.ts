// Secrets never reach reports, logs or traces. A Redactor knows the secret values of a run
// (passwords, the database password) in every form a report can carry them (raw, JSON-escaped,
// URL-encoded, HTML-escaped), and the shapes of the rest: JWTs, bearer and basic credentials,
// passwords in URLs, token-like query parameters, cookies and credential headers (as text and as
// the JSON Playwright's traces store them), and the token fields the profile names.
export const mask = '[REDACTED]';

/**
 * Journeys tell the redacting reporter of a secret learnt at run time (a token the target issued)
 * by attaching it with this content type; the reporter learns it and removes the attachment.
 */
export const secretAttachmentType = 'application/vnd.verity.secret';

/** JSON fields whose values are credentials, whatever the app. */
const credentialFields = ['password', 'passwd', 'secret', 'client_secret', 'token', 'access_token', 'refresh_token', 'id_token', 'api_key', 'apikey'];
/** Query parameters that carry credentials (OAuth codes, signed links, session ids in URLs). */
const credentialParams = [...credentialFields, 'pwd', 'code', 'auth', 'session', 'sessionid', 'sid', 'signature', 'sig', 'key'];
/** Headers whose whole value is a credential. */
const credentialHeaders = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-csrf-token'];

const alternatives = (names: string[]) => names.map(escapeRegExp).join('|');
/** A JSON string's inside, escapes included (an escaped quote does not end it). */
const jsonString = String.raw`(?:[^"\\]|\\.)*`;

const patterns: RegExp[] = [
  // JWTs: three base64url parts, the first a JSON header ({"… → eyJ).
  /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  // A credential after an auth scheme: one that looks like one (a digit or symbol in it, or long),
  // so that prose ("bearer tokens", "a token stripped of …") stays readable.
  /\b((?:Bearer|Basic|Digest)\s+)(?:(?=[A-Za-z0-9._~+/=:-]*[0-9._~+/=:-])[A-Za-z0-9._~+/=:-]{8,}|[A-Za-z]{20,})/gi,
  // …and whatever follows an Authorization header's name, scheme or not.
  /(\bauthorization\s*:\s*(?:(?:Bearer|Basic|Digest)\s+)?)[^\s",;]+/gi,
  // A password in a URL's userinfo: scheme://user:password@host.
  /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s"'<>]+:)[^@\s"'<>]+(@)/gi,
  // Credential-like query parameters: ?token=…, &code=…, ?password=….
  new RegExp(`([?&](?:${alternatives(credentialParams)})=)[^&#\\s"'<>\\\\]+`, 'gi'),
  // Credential headers as lines of text (HTTP dumps, Playwright's call logs of API requests).
  new RegExp(`(^[ \\t-]*(?:${alternatives(credentialHeaders)}):[ \\t]*)[^\\r\\n]+`, 'gim'),
  // …and as JSON, the way Playwright's traces store headers: {"name":"cookie","value":"…"}.
  ...namedValuePatterns(`(?:${alternatives(credentialHeaders)})`, '', 'gi'),
  // Cookies as JSON, the way storage states and traces keep them: {"name":"…","value":"…","domain":…}.
  ...namedValuePatterns('[^"\\\\]*', '\\s*,\\s*\\\\?"(?:domain|path|url|expires)\\\\?"', 'g'),
  // Cookies with the prefixes browsers reserve for session cookies: __Host-x=…, __Secure-x=….
  /((?:__Host-|__Secure-)[A-Za-z0-9_.!#$%&'*+^`|~-]+=)[^;\s&"]+/g,
  // Credential fields in JSON, also inside JSON that is itself a JSON string (\"password\":\"…\").
  ...jsonFieldPatterns(credentialFields, 'gi'),
];

/**
 * The values of these JSON fields: in JSON ("f":"v", escapes included), and in JSON inside a JSON
 * string (\"f\":\"v\", where an unknown value with quotes in it is masked up to them; known
 * secret values are masked whole in every form before any pattern runs).
 */
function jsonFieldPatterns(names: string[], flags: string): RegExp[] {
  const named = alternatives(names);
  return [
    new RegExp(`("(?:${named})"\\s*:\\s*")${jsonString}(")`, flags),
    new RegExp(`(\\\\"(?:${named})\\\\"\\s*:\\s*\\\\")[^"\\\\]*(\\\\")`, flags),
  ];
}

/**
 * The value of {"name": NAME, "value": …} (NAME a regular expression), in JSON and in JSON inside
 * a JSON string; `follows` is what must come after the value's closing quote.
 */
function namedValuePatterns(name: string, follows: string, flags: string): RegExp[] {
  return [
    new RegExp(`("name"\\s*:\\s*"${name}"\\s*,\\s*"value"\\s*:\\s*")${jsonString}("${follows})`, flags),
    new RegExp(`(\\\\"name\\\\"\\s*:\\s*\\\\"${name}\\\\"\\s*,\\s*\\\\"value\\\\"\\s*:\\s*\\\\")[^"\\\\]*(\\\\"${follows})`, flags),
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The values of JSON fields and cookies with these names (the target's own token fields). */
function namedPatterns(names: string[]): RegExp[] {
  if (!names.length) return [];
  const named = alternatives(names);
  return [
    ...jsonFieldPatterns(names, 'g'),
    new RegExp(`((?:^|[\\s;,&?"])(?:${named})=)[^;\\s&"]+`, 'g'),
    ...namedValuePatterns(`(?:${named})`, '', 'g'),
  ];
}

/** Every form a value takes in a report: as is, inside JSON (once or twice), in a URL or a form, in HTML. */
export function formsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const html = value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [...new Set([
    value,
    json,
    JSON.stringify(json).slice(1, -1),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    html,
    html.replace(/'/g, '&#39;'),
    html.replace(/'/g, '&#x27;'),
    value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  ])];
}

export class Redactor {
  private readonly values: string[];
  private readonly forms: string[];
  private readonly names: string[];
  private readonly patterns: RegExp[];

  /**
   * @param secrets values that must never appear (passwords, the database password)
   * @param secretNames JSON fields and cookies whose values are secret (the profile's token fields)
   */
  constructor(secrets: Iterable<string>, secretNames: Iterable<string> = []) {
    this.values = [...new Set([...secrets].filter((s) => s && s.length >= 4))];
    // Longest first, so a secret that contains another is replaced whole.
    this.forms = [...new Set(this.values.flatMap(formsOf))].sort((a, b) => b.length - a.length);
    this.names = [...new Set([...secretNames].filter(Boolean))];
    this.patterns = [...patterns, ...namedPatterns(this.names)];
  }

  with(more: Iterable<string>, moreNames: Iterable<string> = []): Redactor {
    return new Redactor([...this.values, ...more], [...this.names, ...moreNames]);
  }

  scrub(text: string): string {
    let out = text;
    for (const form of this.forms) out = out.split(form).join(mask);
    for (const pattern of this.patterns) {
      out = out.replace(pattern, (...m: string[]) => {
        const groups = m.slice(1, -2).filter((g) => typeof g === 'string');
        return groups.length >= 1 ? `${groups[0]}${mask}${groups[1] ?? ''}` : mask;
      });
    }
    return out;
  }

  /** What in the text still holds a known secret value (in any of its forms) or a token shape. */
  leaks(text: string): string[] {
    const found = this.values.filter((v) => formsOf(v).some((form) => text.includes(form))).map((v) => `${v.slice(0, 2)}… (a configured secret)`);
    if (/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/.test(text)) found.push('a JWT');
    return found;
  }
}

/**
 * A URL as reports may show it: no userinfo and no query (either can carry a credential), e.g.
 * postgres://verity_ro@db.example.com:5432/app for postgres://verity_ro:pw@…/app?sslpassword=….
 */
export function displayURL(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${parsed.username}@` : '';
    const hasPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(url);
    return `${parsed.protocol}//${user}${parsed.host}${hasPath ? parsed.pathname : ''}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** The credentials a URL carries: its userinfo password and the values of credential-like query parameters. */
export function secretsInURL(url: string): string[] {
  try {
    const parsed = new URL(url);
    const params = [...parsed.searchParams].filter(([name]) => /pass|secret|token|key|code|sig|auth|session|sid/i.test(name)).map(([, value]) => value);
    return [decodeURIComponent(parsed.password), ...params].filter((v) => v.length >= 4);
  } catch {
    return [];
  }
}
