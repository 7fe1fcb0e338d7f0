// Shared by the demo's tests: accounts made up per run, a started demo, and HTTP helpers.
import pg from 'pg';
import { startDemo, type Demo, type DemoOptions, type SeedAccount } from '../src/index.ts';

// Test-only accounts. One fixed set keeps one seeded template on disk for all test runs
// (every new account set seeds a new one).
const password = 'demo-Test-Passw0rd-7';
export const qa: SeedAccount = { email: 'qa1@example.test', password, role: 'user' };
export const qa2: SeedAccount = { email: 'qa2@example.test', password, role: 'user' };
export const admin: SeedAccount = { email: 'admin@example.test', password: password + '-admin', role: 'admin' };

export function startTestDemo(options: DemoOptions = {}): Promise<Demo> {
  return startDemo({ accounts: [qa, qa2, admin], ...options });
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(demo: Demo, path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Answer<T>> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(demo.baseURL + path, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await response.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

export async function login(demo: Demo, account: SeedAccount = qa) {
  const answer = await call(demo, '/api/v1/auth/login', { method: 'POST', json: { email: account.email, password: account.password } });
  if (answer.status !== 200) throw new Error(`login of ${account.email} failed: ${answer.status} ${answer.text}`);
  return answer.body as { access_token: string; refresh_token: string; token_type: string; expires_in: number };
}

export async function adminQuery<T extends object = any>(demo: Demo, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: demo.adminDatabaseURL });
  // A database stopped by a fault under this query is told to the query, not thrown at the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Decodes a JWT's payload without verifying it (the tests verify with jose where it matters). */
export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}
