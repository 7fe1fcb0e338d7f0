// What Verity looks at once the tests have ended, to tell a target that failed from one that went
// away: is the target still answering, does Verity still reach its database, and for every
// account whose sign-in was refused, does the users table have it (a wrong password is
// Verity's configuration; an account lost in a restore is the target's defect).
import { ident } from '../db-probes/probe.ts';
import type { Config } from '../src/config.ts';
import { GuardedDatabase } from '../src/db.ts';
import { waitForHealth } from '../src/health.ts';
import type { Profile } from '../src/profile.ts';
import type { AfterRun, RunState } from '../src/run-state.ts';
import type { FailedCheck } from './summary.ts';

/** A short look: the run is over, and a target that does not answer now will not in a minute either. */
const lookMs = 5_000;

export async function observeAfterRun(config: Config, state: RunState, profile: Profile, failures: FailedCheck[]): Promise<AfterRun> {
  const { baseURL, databaseURL } = state.target;
  const after: AfterRun = { refusedAccounts: [] };
  if (baseURL) after.health = await waitForHealth(new URL(profile.app.healthPath, baseURL).href, lookMs);
  // 401 and 403, and the status the profile says a refused sign-in gets (app.auth.refusedLoginStatus).
  const refusedAnswer = new RegExp(`login of (\\S+) answered (?:40[13]|${profile.app.auth?.refusedLoginStatus ?? 401})\\b`, 'g');
  const refused = [...new Set(failures.flatMap((f) => [...f.reason.matchAll(refusedAnswer)].map((m) => m[1]!)))];
  if (!databaseURL) {
    after.refusedAccounts = refused.map((email) => ({ email }));
    return after;
  }
  const db = new GuardedDatabase(databaseURL, { statementTimeoutMs: Math.min(config.database.statementTimeoutMs, lookMs), lockTimeoutMs: config.database.lockTimeoutMs });
  try {
    await db.readOnly((s) => s.query('SELECT 1'));
    after.databaseReachable = true;
    const users = profile.app.records?.users;
    for (const email of refused) {
      const inUsersTable = users
        ? (await db.readOnly((s) => s.query<{ found: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM ${ident(users.table)} WHERE lower(${ident(users.emailColumn)}::text) = lower($1)) AS found`, [email])))[0]!.found
        : undefined;
      after.refusedAccounts.push({ email, inUsersTable });
    }
  } catch {
    after.databaseReachable = false;
    after.refusedAccounts = refused.map((email) => ({ email }));
  } finally {
    await db.end();
  }
  return after;
}
