// The accounts the demo seeds for signing in, in the format Verity reads too: a JSON list of
// { "email", "password", "role": "qa" | "admin" }. With none given, the demo generates a set
// once and keeps it in a local file (mode 0600, git-ignored), so the seeded template made for
// those accounts is reused on every start instead of being rebuilt.
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SeedAccount } from './db/seed.ts';

/** One account as the file and VERITY_ACCOUNTS give it. */
export interface AccountEntry {
  email: string;
  password: string;
  role: 'qa' | 'admin';
}

/** Where the generated accounts are kept: demo-app/.local/accounts.json. */
export const localAccountsFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../.local/accounts.json');

/** Parses the JSON list; `where` names its source in the error. */
export function parseAccounts(json: string, where: string): AccountEntry[] {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    throw new Error(`${where}: is not valid JSON (expected [{"email":…,"password":…,"role":"qa"|"admin"}, …])`);
  }
  if (!Array.isArray(entries) || !entries.length) throw new Error(`${where}: expected a non-empty JSON list of accounts`);
  return entries.map((entry, i) => {
    const { email, password, role } = (entry ?? {}) as Partial<AccountEntry>;
    if (typeof email !== 'string' || !email.includes('@')) throw new Error(`${where}: [${i}].email: expected an email address`);
    if (typeof password !== 'string' || !password) throw new Error(`${where}: [${i}].password: expected a password`);
    if (role !== 'qa' && role !== 'admin') throw new Error(`${where}: [${i}].role: expected "qa" or "admin"`);
    return { email, password, role };
  });
}

/** Accounts as the seed takes them: QA accounts are ordinary users. */
export function seedAccounts(entries: AccountEntry[]): SeedAccount[] {
  let qa = 0;
  return entries.map((a) => ({
    email: a.email,
    password: a.password,
    role: a.role === 'admin' ? 'admin' : 'user',
    fullName: a.role === 'admin' ? 'Admin Tester' : `QA Tester ${++qa}`,
  }));
}

/**
 * The generated accounts: read from the local file, or made once and written there. Four QA
 * accounts (one per test worker, and a second user for the authorization checks) and an admin.
 */
export function localAccounts(file = localAccountsFile): AccountEntry[] {
  if (!existsSync(file)) {
    const generated: AccountEntry[] = [
      ...[1, 2, 3, 4].map((n) => ({ email: `qa${n}@demo.test`, password: generatedPassword(), role: 'qa' as const })),
      { email: 'admin@demo.test', password: generatedPassword(), role: 'admin' },
    ];
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Written aside, then linked into place: a link fails when another process got there first,
    // and then both use the file it wrote.
    const aside = `${file}.${process.pid}`;
    writeFileSync(aside, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600 });
    try {
      linkSync(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(aside, { force: true });
    }
  }
  return parseAccounts(readFileSync(file, 'utf8'), file);
}

function generatedPassword(): string {
  return randomBytes(15).toString('base64url');
}
