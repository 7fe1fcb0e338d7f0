// The embedded default target: the demo app on an embedded PostgreSQL, started when neither
// BASE_URL nor DATABASE_URL is configured. This is the only product module that reaches into
// demo-app/, so a team adopting Verity for its own app can drop demo-app/.
import { startDemo, type Demo } from '../demo-app/src/index.ts';
import type { Config } from './config.ts';

export interface EmbeddedTarget {
  baseURL: string;
  /** The read-only role made for Verity. */
  databaseURL: string;
  appLogFile: string;
  accessTtlSeconds: number;
  authMode: 'bearer' | 'cookie';
  /** Database passwords of this instance, for redaction. */
  secrets: string[];
  stop(): Promise<void>;
}

export async function startEmbeddedTarget(config: Config): Promise<EmbeddedTarget> {
  const demo: Demo = await startDemo({
    scale: config.embedded.scale,
    authMode: config.embedded.authMode,
    accessTtlSeconds: config.embedded.accessTtlSeconds,
    accounts: [
      ...config.accounts.qa.map((a, i) => ({ ...a, role: 'user' as const, fullName: `QA Tester ${i + 1}` })),
      { ...config.accounts.admin, role: 'admin' as const, fullName: 'Admin Tester' },
    ],
  });
  const passwords = [demo.databaseURL, demo.verifierDatabaseURL, demo.adminDatabaseURL].map((u) => decodeURIComponent(new URL(u).password));
  return {
    baseURL: demo.baseURL,
    databaseURL: demo.verifierDatabaseURL,
    appLogFile: demo.appLogFile,
    accessTtlSeconds: demo.accessTtlSeconds,
    authMode: demo.authMode,
    secrets: passwords,
    stop: () => demo.stop(),
  };
}
