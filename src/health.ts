// Waits for the target's health endpoint, with bounded retries, and says what it saw (naming the
// URL without credentials).
import { displayURL } from './redact.ts';


export interface Health {
  ok: boolean;
  /** False when nothing answered at all (Verity could not observe the target). */
  reachable: boolean;
  /** What /health said about its database, where it says it. */
  databaseReachable?: boolean;
  detail: string;
}

export async function waitForHealth(url: string, timeoutMs: number): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let last: Health = { ok: false, reachable: false, detail: `${displayURL(url)} did not answer` };
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    last = await checkOnce(url, Math.min(5000, Math.max(500, deadline - Date.now())));
    if (last.ok) return last;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 2000, Math.max(0, deadline - Date.now()))));
  }
  return last;
}

async function checkOnce(target: string, timeoutMs: number): Promise<Health> {
  // Credentials in the URL (a staging site behind basic auth) travel as a header: fetch refuses them in the URL.
  const { url: bare, authorization } = credentialsApart(target);
  const url = displayURL(target);
  try {
    const response = await fetch(bare, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json', ...authorization } });
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, reachable: true, detail: `${url} answered ${response.status} with non-JSON content (${response.headers.get('content-type') ?? 'no content type'})` };
    }
    const databaseReachable = typeof body?.database?.reachable === 'boolean' ? body.database.reachable : undefined;
    if (response.ok) return { ok: true, reachable: true, databaseReachable, detail: `${url} answered ${response.status} (${body?.status ?? 'ok'})` };
    const db = databaseReachable === false ? '; it reports its database unreachable' : '';
    return { ok: false, reachable: true, databaseReachable, detail: `${url} answered ${response.status}${db}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const cause = e.cause?.code ?? e.cause?.message ?? e.name;
    return { ok: false, reachable: false, detail: `${url} is unreachable (${cause})` };
  }
}

function credentialsApart(target: string): { url: string; authorization: Record<string, string> } {
  const parsed = new URL(target);
  if (!parsed.username && !parsed.password) return { url: target, authorization: {} };
  const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), authorization: { authorization: `Basic ${basic}` } };
}

/** The version the app reports at `path` (its `field`, dotted for nested ones), or undefined. */
export async function appVersion(baseURL: string, where: { path: string; field: string }, timeoutMs = 5000): Promise<string | undefined> {
  const { url, authorization } = credentialsApart(new URL(where.path, baseURL).href);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json', ...authorization } });
    const value = where.field.split('.').reduce<any>((node, key) => node?.[key], await response.json());
    return value === undefined || value === null ? undefined : String(value);
  } catch {
    return undefined;
  }
}
