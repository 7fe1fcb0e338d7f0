// Steps that read as a manual test script, including the ones that cannot run here: a skipped
// step says why in its title, so the report shows what was not checked and for what reason.
import type { Page, Response } from '@playwright/test';
import { test } from '../fixtures.ts';

export async function skippedStep(title: string, reason: string): Promise<void> {
  await test.step(`${title} — not checked: ${reason}`, async (step) => {
    step.skip(true, reason);
  });
}

/** Milliseconds a call took, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round((performance.now() - started) * 10) / 10 };
}

/**
 * The answer to the page's next `method path` call. Start it before the action that makes the
 * call; when no answer comes in time it fails naming the call, not with a bare test timeout.
 */
export function pageCallAnswer(page: Page, method: string, path: string, timeoutMs = 10_000): Promise<Response> {
  return page
    .waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === method, { timeout: timeoutMs })
    .catch((err: Error) => {
      if (!/Timeout/i.test(err.message)) throw err;
      throw new Error(`the page's ${method} ${path} got no answer within ${timeoutMs / 1000} s: the call was never made or was blocked (see the browser errors)`);
    });
}
