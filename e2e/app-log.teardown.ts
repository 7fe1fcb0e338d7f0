// "No critical errors in system logs": once every journey has run, the lines the target wrote to
// its log during the run at error level or above are attached, and fail this check.
import { existsSync, readFileSync } from 'node:fs';
import * as allure from 'allure-js-commons';
import { labels } from './allure-labels.ts';
import { expect, test } from './fixtures.ts';

/** pino's numeric levels (error = 50, fatal = 60), or the word in a plain-text line. */
function isError(line: string): boolean {
  try {
    const entry = JSON.parse(line);
    if (typeof entry.level === 'number') return entry.level >= 50;
    if (typeof entry.level === 'string') return /^(error|fatal|critical)$/i.test(entry.level);
  } catch {
    // not JSON: judge the text
  }
  return /\b(ERROR|FATAL|CRITICAL|PANIC)\b/.test(line);
}

test('No errors in the application log during the run', labels({ epic: 'API', feature: 'Application log', severity: 'critical' }), async ({ verity }) => {
  const file = verity.state?.target.appLogFile;
  test.skip(!file, 'the profile names no log file for this target (app.logFile)');
  test.skip(!existsSync(file!), `the log file ${file} does not exist`);
  const written = readFileSync(file!).subarray(verity.state!.target.appLogOffset ?? 0).toString('utf8');
  const errors = written.split('\n').filter((line) => line.trim() && isError(line));
  await test.step(`Read ${written.split('\n').filter(Boolean).length} lines written during the run`, async () => {
    if (errors.length) await allure.attachment('Error lines', errors.join('\n'), 'text/plain');
  });
  expect(errors.map((l) => l.slice(0, 300)), 'log lines at error level or above').toEqual([]);
});
