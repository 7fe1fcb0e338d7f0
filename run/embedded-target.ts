// The embedded default target: the demo app on an embedded PostgreSQL, started when neither
// BASE_URL nor DATABASE_URL is configured. This is the only product module that reaches into
// demo-app/ (through its public entry), so a team adopting Verity for its own app can drop demo-app/.
import { localAccounts, seedAccounts, startDemo } from '../demo-app/src/index.ts';
import type { Config } from '../src/config.ts';
import type { Account, Target } from '../src/target.ts';

export interface RunningTarget {
  target: Target;
  /** This instance's database passwords and its accounts' passwords, for redaction. */
  secrets: string[];
  stop(): Promise<void>;
}

export async function startEmbeddedTarget(config: Config): Promise<RunningTarget> {
  // Configured accounts win; else the demo's generated ones, made once and kept in a local file,
  // so the seeded template made for them is reused on every start.
  const accounts: Account[] = config.target.accounts.length ? config.target.accounts : localAccounts();
  const demo = await startDemo({
    scale: config.embedded.scale,
    authMode: config.embedded.authMode,
    accessTtlSeconds: config.embedded.accessTtlSeconds,
    accounts: seedAccounts(accounts),
  });
  const databasePasswords = [demo.databaseURL, demo.verifierDatabaseURL, demo.adminDatabaseURL].map((u) => decodeURIComponent(new URL(u).password));
  return {
    target: {
      kind: 'embedded',
      baseURL: demo.baseURL,
      // The read-only role made for Verity.
      databaseURL: demo.verifierDatabaseURL,
      appLogFile: demo.appLogFile,
      accessTtlSeconds: demo.accessTtlSeconds,
      authMode: demo.authMode,
      accounts,
    },
    secrets: [...databasePasswords, ...accounts.map((a) => a.password)],
    stop: () => demo.stop(),
  };
}
