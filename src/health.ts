// Waits for the target's health endpoint, with bounded retries, and says what it saw.
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
  let last: Health = { ok: false, reachable: false, detail: `${url} did not answer` };
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    last = await checkOnce(url, Math.min(5000, Math.max(500, deadline - Date.now())));
    if (last.ok) return last;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 2000, Math.max(0, deadline - Date.now()))));
  }
  return last;
}

async function checkOnce(url: string, timeoutMs: number): Promise<Health> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
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
