// A target: the app and database Verity verifies, reached only by URL, credentials and
// DATABASE_URL. One shape for what the config names, what the embedded default starts and what
// global setup hands the journeys.

/** 'qa' accounts run the journeys (one per worker); an 'admin' account checks admin-only endpoints. */
export type AccountRole = 'qa' | 'admin';

export interface Account {
  email: string;
  password: string;
  role: AccountRole;
}

export interface Target {
  /** 'embedded': no BASE_URL and no DATABASE_URL given, Verity starts the demo itself. */
  kind: 'embedded' | 'configured';
  baseURL?: string;
  /** With its password: never printed (see redact.ts), kept only in the run's private state file. */
  databaseURL?: string;
  /** The target's log file, where Verity can read it. */
  appLogFile?: string;
  /** The access-token lifetime the target is expected to issue. */
  accessTtlSeconds?: number;
  /** How tokens travel, where the target says so (the embedded demo does). */
  authMode?: 'bearer' | 'cookie';
  /** The accounts the journeys sign in with. */
  accounts: Account[];
}

export const qaAccounts = (target: Pick<Target, 'accounts'>): Account[] => target.accounts.filter((a) => a.role === 'qa');
export const adminAccount = (target: Pick<Target, 'accounts'>): Account | undefined => target.accounts.find((a) => a.role === 'admin');
