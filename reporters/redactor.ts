// Listed FIRST among the reporters: it scrubs secrets from what the others write. Step titles
// are rewritten as steps begin; error messages, stdout and attachments (trace zips included)
// are rewritten in place when a test ends, before the HTML, Allure and JUnit reporters read them.
import { readFileSync, writeFileSync } from 'node:fs';
import AdmZip from 'adm-zip';
import type { Reporter, TestCase, TestResult, TestStep } from '@playwright/test/reporter';
import { currentConfig } from '../src/config.ts';
import { Redactor } from '../src/redact.ts';
import { readRunState } from '../src/run-state.ts';


const textTypes = /^(text\/|application\/(json|javascript|xml|x-ndjson)|image\/svg)/;
const binaryEntry = /\.(png|jpe?g|webp|gif|woff2?|ttf|ico)$/i;

export default class RedactingReporter implements Reporter {
  private redactor: Redactor;
  private learntRuntimeSecrets = false;

  private readonly runtimeFile?: string;

  // Secrets come from the config, not from reporter options: other reporters (JSON) print those.
  constructor() {
    const config = currentConfig();
    this.runtimeFile = config.runtimeFile;
    this.redactor = new Redactor(config.secrets);
  }

  /** Run-time secrets (the embedded target's passwords, the profile's token fields) exist only after global setup. */
  private current(): Redactor {
    if (!this.learntRuntimeSecrets) {
      const state = readRunState(this.runtimeFile);
      if (state) {
        this.redactor = this.redactor.with(state.secrets, state.secretNames);
        this.learntRuntimeSecrets = true;
      }
    }
    return this.redactor;
  }

  printsToStdio() {
    return false;
  }

  onStepBegin(_test: TestCase, _result: TestResult, step: TestStep) {
    (step as { title: string }).title = this.current().scrub(step.title);
  }


  onTestEnd(_test: TestCase, result: TestResult) {
    const redactor = this.current();
    const scrubSteps = (steps: TestStep[]) => {
      for (const step of steps) {
        (step as { title: string }).title = redactor.scrub(step.title);
        if (step.error?.message) step.error.message = redactor.scrub(step.error.message);
        scrubSteps(step.steps);
      }
    };
    scrubSteps(result.steps);
    for (const error of [...result.errors, ...(result.error ? [result.error] : [])]) {
      if (error.message) error.message = redactor.scrub(error.message);
      if (error.stack) error.stack = redactor.scrub(error.stack);
      if (error.value) error.value = redactor.scrub(error.value);
      if (error.snippet) error.snippet = redactor.scrub(error.snippet);
    }
    result.stdout = result.stdout.map((c) => (typeof c === 'string' ? redactor.scrub(c) : c));
    result.stderr = result.stderr.map((c) => (typeof c === 'string' ? redactor.scrub(c) : c));
    for (const attachment of result.attachments) {
      attachment.name = redactor.scrub(attachment.name);
      if (attachment.body && textTypes.test(attachment.contentType)) {
        attachment.body = Buffer.from(redactor.scrub(attachment.body.toString('utf8')));
      } else if (attachment.path && attachment.contentType === 'application/zip') {
        scrubZip(attachment.path, redactor);
      } else if (attachment.path && textTypes.test(attachment.contentType)) {
        writeFileSync(attachment.path, redactor.scrub(readFileSync(attachment.path, 'utf8')));
      }
    }

  }
}

/** Rewrites every text entry of a zip (a Playwright trace) with secrets replaced. */
function scrubZip(file: string, redactor: Redactor) {
  let zip: AdmZip;
  try {
    zip = new AdmZip(file);
  } catch {
    return;
  }
  let changed = false;
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory || binaryEntry.test(entry.entryName)) continue;
    const data = entry.getData();
    if (data.includes(0)) continue;
    const text = data.toString('utf8');
    const clean = redactor.scrub(text);
    if (clean !== text) {
      zip.updateFile(entry, Buffer.from(clean));
      changed = true;
    }
  }
  if (changed) zip.writeZip(file);
}
