// Listed FIRST among the reporters: it scrubs secrets from what the others write. Each step is
// scrubbed as it begins (its title) and as it ends (its title, its error with stack, snippet and
// value, and its attachments: allure-playwright writes a step's attachments when the step ends);
// the test's errors, output and attachments (trace zips included) when it ends, before the HTML,
// Allure, JUnit and JSON reporters read them.
import { readFileSync, writeFileSync } from 'node:fs';
import AdmZip from 'adm-zip';
import type { Reporter, TestCase, TestError, TestResult, TestStep } from '@playwright/test/reporter';
import { currentConfig } from '../src/config.ts';
import { Redactor, secretAttachmentType } from '../src/redact.ts';
import { readRunState } from '../src/run-state.ts';

const textTypes = /^(text\/|application\/(json|javascript|xml|x-ndjson)|image\/svg)/;
const binaryEntry = /\.(png|jpe?g|webp|gif|woff2?|ttf|ico)$/i;
/** allure-js-commons carries attachments, labels and steps as JSON messages, attachment contents base64-encoded. */
const allureMessageType = 'application/vnd.allure.message+json';

type Attachment = TestResult['attachments'][number];

export default class RedactingReporter implements Reporter {
  private redactor: Redactor;
  private learntRuntimeSecrets = false;
  private readonly runtimeFile?: string;
  /** Attachments already scrubbed when their step ended: a step's attachments are also the test's. */
  private readonly scrubbed = new WeakSet<Attachment>();

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

  onStepEnd(_test: TestCase, result: TestResult, step: TestStep) {
    this.learnSecrets(result, step.attachments ?? []);
    this.scrubStep(step, this.current());
  }

  onTestEnd(_test: TestCase, result: TestResult) {
    this.learnSecrets(result, result.attachments);
    const redactor = this.current();
    const scrubSteps = (steps: TestStep[]) => {
      for (const step of steps) {
        this.scrubStep(step, redactor);
        scrubSteps(step.steps);
      }
    };
    scrubSteps(result.steps);
    for (const error of [...result.errors, ...(result.error ? [result.error] : [])]) scrubError(error, redactor);
    result.stdout = result.stdout.map((c) => (typeof c === 'string' ? redactor.scrub(c) : c));
    result.stderr = result.stderr.map((c) => (typeof c === 'string' ? redactor.scrub(c) : c));
    for (const attachment of result.attachments) this.scrubAttachment(attachment, redactor);
  }

  onError(error: TestError) {
    scrubError(error, this.current());
  }

  /**
   * Secrets a journey registered (e2e/support/secrets.ts): learnt, then removed from the step and
   * the test, so no reporter sees them. A step's attachments are also its test's: both lists lose them.
   */
  private learnSecrets(result: TestResult, attachments: Attachment[]) {
    const registered = attachments.filter((a) => a.contentType === secretAttachmentType);
    if (!registered.length) return;
    this.redactor = this.current().with(registered.map((a) => a.body?.toString('utf8') ?? ''));
    const remove = (list: Attachment[]) => {
      for (let i = list.length - 1; i >= 0; i--) if (registered.includes(list[i]!)) list.splice(i, 1);
    };
    remove(attachments);
    remove(result.attachments);
    const fromSteps = (steps: TestStep[]) => steps.forEach((s) => (remove(s.attachments ?? []), fromSteps(s.steps)));
    fromSteps(result.steps);
  }

  private scrubStep(step: TestStep, redactor: Redactor) {
    (step as { title: string }).title = redactor.scrub(step.title);
    if (step.error) scrubError(step.error, redactor);
    for (const attachment of step.attachments ?? []) this.scrubAttachment(attachment, redactor);
  }

  private scrubAttachment(attachment: Attachment, redactor: Redactor) {
    if (this.scrubbed.has(attachment)) return;
    this.scrubbed.add(attachment);
    attachment.name = redactor.scrub(attachment.name);
    if (attachment.body && attachment.contentType === allureMessageType) {
      attachment.body = Buffer.from(scrubAllureMessage(attachment.body.toString('utf8'), redactor));
    } else if (attachment.body && textTypes.test(attachment.contentType)) {
      attachment.body = Buffer.from(redactor.scrub(attachment.body.toString('utf8')));
    } else if (attachment.path && attachment.contentType === 'application/zip') {
      scrubZip(attachment.path, redactor);
    } else if (attachment.path && textTypes.test(attachment.contentType)) {
      writeFileSync(attachment.path, redactor.scrub(readFileSync(attachment.path, 'utf8')));
    }
  }
}

function scrubError(error: TestError, redactor: Redactor) {
  if (error.message) error.message = redactor.scrub(error.message);
  if (error.stack) error.stack = redactor.scrub(error.stack);
  if (error.value) error.value = redactor.scrub(error.value);
  if (error.snippet) error.snippet = redactor.scrub(error.snippet);
  if (error.cause) scrubError(error.cause, redactor);
}

/** An Allure runtime message: its text, and the base64 content of an attachment it carries. */
function scrubAllureMessage(text: string, redactor: Redactor): string {
  let message: { type?: string; data?: { content?: string; encoding?: string; contentType?: string } };
  try {
    message = JSON.parse(text);
  } catch {
    return redactor.scrub(text);
  }
  const data = message.data;
  if (data?.content && data.encoding === 'base64' && !/^(image|video)\//.test(data.contentType ?? '')) {
    const content = Buffer.from(data.content, 'base64');
    if (!content.includes(0)) data.content = Buffer.from(redactor.scrub(content.toString('utf8'))).toString('base64');
  }
  return redactor.scrub(JSON.stringify(message));
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
