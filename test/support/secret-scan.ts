// Looks for secrets in everything a run wrote: every file under a folder, the entries of every
// zip (Playwright traces), and the report the HTML reporter embeds in its index.html.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';

export interface ScannedFile {
  name: string;
  text: string;
}

/** Every file under a folder as text, zip entries and the HTML report's embedded zip included. */
export function* filesUnder(dir: string): Generator<ScannedFile> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      yield* filesUnder(full);
      continue;
    }
    const bytes = readFileSync(full);
    if (full.endsWith('.zip')) {
      yield* zipEntries(full, bytes);
      continue;
    }
    const text = bytes.toString('utf8');
    yield { name: full, text };
    // The HTML reporter keeps its whole report as a base64 zip inside index.html.
    for (const embedded of text.matchAll(/data:application\/zip;base64,([A-Za-z0-9+/=]+)/g)) yield* zipEntries(`${full}#embedded`, Buffer.from(embedded[1]!, 'base64'));
  }
}

function* zipEntries(name: string, bytes: Buffer): Generator<ScannedFile> {
  for (const e of new AdmZip(bytes).getEntries()) {
    if (e.isDirectory) continue;
    const data = e.getData();
    if (e.entryName.endsWith('.zip')) yield* zipEntries(`${name}!${e.entryName}`, data);
    else yield { name: `${name}!${e.entryName}`, text: data.toString('utf8') };
  }
}

/**
 * The forms a value takes in a report, worked out here and not borrowed from src/redact.ts, so
 * that the scan does not share a blind spot with the redactor it checks.
 */
function formsOf(value: string): string[] {
  const inJson = JSON.stringify(value).slice(1, -1);
  const forms = [value, inJson, JSON.stringify(inJson).slice(1, -1), encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+')];
  const html = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  forms.push(html, html.replace(/"/g, '&quot;'), html.replace(/"/g, '&quot;').replace(/'/g, '&#39;'), html.replace(/"/g, '&quot;').replace(/'/g, '&#x27;'));
  return [...new Set(forms)];
}

/**
 * Where any of the secrets shows, in any form a report gives it (raw, JSON-escaped, URL-encoded,
 * HTML-escaped), and any JWT. `what` names each secret in the result without printing it.
 * `tokenHashes`: SHA-256 hashes (hex) of opaque tokens the target issued, as it stores them (the
 * demo keeps its refresh tokens so): every token-shaped string in the reports is hashed and looked up.
 */
export function leaksIn(dir: string, secrets: { what: string; value: string }[], tokenHashes: Set<string> = new Set()): string[] {
  const leaks: string[] = [];
  const forms = secrets.filter((s) => s.value.length >= 4).map((s) => ({ what: s.what, forms: formsOf(s.value) }));
  for (const file of filesUnder(dir)) {
    for (const secret of forms) if (secret.forms.some((f) => file.text.includes(f))) leaks.push(`${file.name}: ${secret.what}`);
    if (/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(file.text)) leaks.push(`${file.name}: a JWT`);
    if (tokenHashes.size) {
      for (const [candidate] of file.text.matchAll(/[A-Za-z0-9_-]{32,}/g)) {
        if (tokenHashes.has(createHash('sha256').update(candidate).digest('hex'))) leaks.push(`${file.name}: a token the target issued`);
      }
    }
  }
  return [...new Set(leaks)];
}
