// The browser resolves no host name but loopback, BASE_URL's host and VERITY_ALLOWED_HOSTS (so a
// closed network costs nothing, and a staging site's API or CDN host still loads). A real
// Chromium asked for a page on a host name of this machine, first not allowed, then allowed.
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { chromium } from '@playwright/test';
import { closedNetworkArgs, resolveBrowser } from '../src/browser.ts';
import { loadConfig } from '../src/config.ts';
import { emptyEnvDir } from './support/target.ts';

describe('the hosts the browser may reach', () => {
  let server: Server;
  let port: number;
  const name = hostname();
  before(async () => {
    server = createServer((_, res) => res.end('<title>reached</title>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  async function visit(allowedHosts: string[]): Promise<string> {
    const browser = await chromium.launch({ executablePath: resolveBrowser(undefined).executablePath, args: closedNetworkArgs(`http://127.0.0.1:${port}`, allowedHosts) });
    try {
      const page = await browser.newPage();
      return await page.goto(`http://${name}:${port}/`).then(() => page.title(), (err: Error) => err.message.split('\n')[0]!);
    } finally {
      await browser.close();
    }
  }

  it('a host not listed does not resolve; listed in VERITY_ALLOWED_HOSTS, it loads', async () => {
    assert.equal((await lookup(name)).address, '127.0.0.1', `this machine's name ${name} resolves to loopback (the test needs one that does)`);
    assert.match(await visit([]), /ERR_NAME_NOT_RESOLVED/);
    const allowed = loadConfig({ env: { VERITY_ENV_DIR: emptyEnvDir, VERITY_ALLOWED_HOSTS: ` ${name} , cdn.example.com` } }).allowedHosts;
    assert.deepEqual(allowed, [name, 'cdn.example.com']);
    assert.equal(await visit(allowed), 'reached');
  });
});
