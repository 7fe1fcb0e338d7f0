// Runs after `npm ci`/`npm install`: makes sure the UI journeys will have a Chromium. Where none is
// found and this is a root shell on Debian/Ubuntu, installs Debian's chromium (Playwright's own
// download needs internet access this kind of machine may not have); otherwise says what to do.
import { spawnSync } from 'node:child_process';
import { BrowserMissing, resolveBrowser } from '../src/browser.ts';
import { ConfigError, loadConfig } from '../src/config.ts';

function browserOverride(): string | undefined {
  try {
    return loadConfig().browser;
  } catch (err) {
    if (err instanceof ConfigError) return undefined; // settings are checked when Verity runs
    throw err;
  }
}

function main(): void {
  try {
    const choice = resolveBrowser(browserOverride());
    console.log(`verity: browser ok (${choice.executablePath ?? "Playwright's own Chromium"})`);
    return;
  } catch (err) {
    if (!(err instanceof BrowserMissing)) throw err;
    const canApt = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
    if (!canApt) {
      console.warn(`verity: ${err.message}`);
      return;
    }
    console.log("verity: no browser found: installing Debian's chromium (apt-get install chromium)…");
    const result = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
    if (result.status !== 0) console.warn('verity: installing chromium failed; the UI journeys will report "no browser" until one is installed');
  }
}

main();
