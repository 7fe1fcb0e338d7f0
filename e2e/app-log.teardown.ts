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

/** One readable line: a JSON entry's message, its error's message and URL; text lines as they are. */
function summarize(line: string): string {
  try {
    const entry = JSON.parse(line);
    const url = entry.url ?? entry.req?.url;
    return [entry.msg, entry.err?.message, url && `(${url})`].filter(Boolean).join(': ').slice(0, 300) || line.slice(0, 300);
  } catch {
    return line.slice(0, 300);
  }
}

test('No errors in the application log during the run', labels({ epic: 'API', feature: 'Application log', severity: 'critical' }), async ({ verity }) => {
  const file = verity.state?.target.appLogFile;
  test.skip(!file, 'no log file is known for this target: set VERITY_APP_LOG_FILE or the profile\'s app.logFile');
  test.skip(!existsSync(file!), `the log file ${file} does not exist`);
  const written = readFileSync(file!).subarray(verity.state!.target.appLogOffset ?? 0).toString('utf8');
  const errors = written.split('\n').filter((line) => line.trim() && isError(line));
  await test.step(`Read ${written.split('\n').filter(Boolean).length} lines written during the run`, async () => {
    if (errors.length) await allure.attachment('Error lines', errors.join('\n'), 'text/plain');
  });
  const distinct = [...new Set(errors.map(summarize))];
  const shown = distinct.length > 20 ? [...distinct.slice(0, 20), `… and ${distinct.length - 20} more distinct lines`] : distinct;
  expect(shown, `${errors.length} log lines at error level or above`).toEqual([]);
});
