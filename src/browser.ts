// The one place that decides which Chromium Verity drives: an explicit override, else
// Playwright's own browser where one is installed, else Debian's /usr/bin/chromium.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export interface BrowserChoice {
  executablePath?: string;
  source: 'VERITY_BROWSER' | 'playwright' | 'system';
}

export class BrowserMissing extends Error {}

const systemCandidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function resolveBrowser(override: string | undefined): BrowserChoice {
  if (override) {
    if (!existsSync(override)) throw new BrowserMissing(`VERITY_BROWSER points to ${override}, which does not exist`);
    return { executablePath: override, source: 'VERITY_BROWSER' };
  }
  const bundled = safe(() => chromium.executablePath());
  if (bundled && existsSync(bundled)) return { source: 'playwright' };
  const system = systemCandidates.find((p) => existsSync(p));
  if (system) return { executablePath: system, source: 'system' };
  throw new BrowserMissing(
    'no browser found: install Chromium (Debian/Ubuntu: apt-get install -y chromium), run `npx playwright install chromium` where downloads work, or set VERITY_BROWSER to a Chrome/Chromium binary',
  );
}

/** What the browser says it is, e.g. "Chromium 156.0.8078.73", or undefined when it will not say. */
export function browserVersion(choice: BrowserChoice): string | undefined {
  const executable = choice.executablePath ?? safe(() => chromium.executablePath());
  if (!executable) return undefined;
  const output = safe(() => execFileSync(executable, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }));
  return output?.match(/(Chromium|Google Chrome|Chrome)[^\d]*([\d.]+)/)?.slice(1, 3).join(' ');
}

/** The browser, or why there is none (the UI tests then skip themselves with that reason). */
export function browserOrWhyNot(override: string | undefined): BrowserChoice | { missing: string } {
  try {
    return resolveBrowser(override);
  } catch (err) {
    if (!(err instanceof BrowserMissing)) throw err;
    return { missing: err.message };
  }
}

/**
 * Chromium looks up dozens of Google hosts at start; on a closed network every look-up waits.
 * Send every host to NOTFOUND except loopback, the target's own host and the hosts a staging site
 * needs besides (its API, its CDN: VERITY_ALLOWED_HOSTS).
 */
export function closedNetworkArgs(targetURL: string | undefined, allowedHosts: string[] = []): string[] {
  const excluded = ['127.0.0.1', 'localhost'];
  for (const host of [...(targetURL ? [new URL(targetURL).hostname] : []), ...allowedHosts]) {
    if (!excluded.includes(host)) excluded.push(host);
  }
  return [`--host-resolver-rules=MAP * ~NOTFOUND , ${excluded.map((h) => `EXCLUDE ${h}`).join(' , ')}`];
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
