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

/** What a JSON log line says, if it is one. */
function parse(line: string): Record<string, any> | undefined {
  try {
    const entry = JSON.parse(line);
    return entry && typeof entry === 'object' ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Request ids to "METHOD url", from the lines that log a request (pino and Fastify write these). */
function requestsById(lines: string[]): Map<string, string> {
  const requests = new Map<string, string>();
  for (const entry of lines.map(parse)) {
    if (entry?.reqId !== undefined && entry.req?.url) requests.set(String(entry.reqId), `${entry.req.method ?? ''} ${entry.req.url}`.trim());
  }
  return requests;
}

/** One readable line: a JSON entry's message, its error's message and its request; text lines as they are. */
function summarize(line: string, requests: Map<string, string>): string {
  const entry = parse(line);
  if (!entry) return line.slice(0, 300);
  const request = entry.url ?? entry.req?.url ?? (entry.reqId !== undefined ? requests.get(String(entry.reqId)) : undefined);
  return [entry.msg, entry.err?.message, request && `(${request})`].filter(Boolean).join(': ').slice(0, 300) || line.slice(0, 300);
}

test('No errors in the application log during the run', labels({ layer: 'api', smoke: true, epic: 'API', feature: 'Application log', severity: 'critical' }), async ({ verity }) => {
  const file = verity.state?.target.appLogFile;
  test.skip(!file, 'no log file is known for this target: set VERITY_APP_LOG_FILE or the profile\'s app.logFile');
  test.skip(!existsSync(file!), `the log file ${file} does not exist`);
  const written = readFileSync(file!).subarray(verity.state!.appLogOffset ?? 0).toString('utf8');
  const lines = written.split('\n').filter((line) => line.trim());
  const errors = lines.filter(isError);
  const requests = requestsById(lines);
  await test.step(`Read ${lines.length} lines written during the run`, async () => {
    if (errors.length) await allure.attachment('Error lines', errors.join('\n'), 'text/plain');
  });
  const distinct = [...new Set(errors.map((line) => summarize(line, requests)))];
  const shown = distinct.length > 20 ? [...distinct.slice(0, 20), `… and ${distinct.length - 20} more distinct lines`] : distinct;
  expect(shown, `${errors.length} log lines at error level or above`).toEqual([]);
});
