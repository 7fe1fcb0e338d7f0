// Tells the redacting reporter (reporters/redactor.ts) of secrets learnt while a test runs: the
// tokens and cookies a target issues. Shapes the redactor knows (JWTs, token fields) are masked
// anyway; an opaque refresh token printed by a failing check is masked only because it was told.
import { test } from '@playwright/test';
import { secretAttachmentType } from '../../src/redact.ts';

/** Registers each value as a secret of this run; outside a test (a worker fixture) there is nothing to tell. */
export async function registerSecrets(...values: (string | undefined)[]): Promise<void> {
  let info: ReturnType<typeof test.info>;
  try {
    info = test.info();
  } catch {
    return;
  }
  for (const value of values) if (value && value.length >= 4) await info.attach('secret (removed by the redacting reporter)', { body: value, contentType: secretAttachmentType });
}
