// Steps that read as a manual test script, including the ones that cannot run here: a skipped
// step says why in its title, so the report shows what was not checked and for what reason.
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
