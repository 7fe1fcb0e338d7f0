// The layering rules of .dependency-cruiser.cjs, run by npm test: the real tree has no violation,
// every TypeScript file of the layers was read (a cruise that reads nothing passes everything),
// and a copy of the tree with one planted violation per rule fails on exactly those.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from './support/verify-run.ts';

const layers = ['src', 'run', 'db-probes', 'profiles', 'e2e', 'reporters', 'global-setup.ts', 'playwright.config.ts'];

interface Cruise {
  modules: { source: string }[];
  summary: { violations: { rule: { name: string }; from: string; to: string; cycle?: unknown[] }[] };
}

function cruise(root: string): Cruise {
  const result = spawnSync(path.join(root, 'node_modules/.bin/depcruise'), [...layers, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.ok(result.stdout, `depcruise printed nothing: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Every .ts file of the layers, as paths relative to the root. */
function layerFiles(root: string): string[] {
  return layers.flatMap((entry) => {
    if (entry.endsWith('.ts')) return [entry];
    return readdirSync(path.join(root, entry), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => `${entry}/${f}`);
  });
}

describe('layering (dependency-cruiser)', () => {
  it('the tree keeps every rule, having read every file of the layers', () => {
    const result = cruise(repoRoot);
    const read = new Set(result.modules.map((m) => m.source));
    const files = layerFiles(repoRoot);
    assert.ok(files.length > 80, `found only ${files.length} files`);
    assert.deepEqual(files.filter((f) => !read.has(f)), [], 'files the cruiser did not read');
    assert.deepEqual(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
  });

  const copy = mkdtempSync(path.join(tmpdir(), 'verity-layering-'));
  after(() => rmSync(copy, { recursive: true, force: true }));

  it('a planted violation of each rule fails it, naming the importing file', () => {
    for (const entry of [...layers, 'demo-app/src', 'tsconfig.json', 'package.json', '.dependency-cruiser.cjs']) {
      cpSync(path.join(repoRoot, entry), path.join(copy, entry), { recursive: true });
    }
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'));
    const plant = (file: string, line: string) => appendFileSync(path.join(copy, file), `\n${line}\n`);
    // A cycle inside the core.
    writeFileSync(path.join(copy, 'src/planted-a.ts'), "import { b } from './planted-b.ts';\nexport const a = () => b;\n");
    writeFileSync(path.join(copy, 'src/planted-b.ts'), "import { a } from './planted-a.ts';\nexport const b = () => a;\n");
    // A file no probe depends on, so that the violation is not also a cycle.
    plant('src/verdict.ts', "import '../db-probes/index.ts';");
    plant('db-probes/sequences.ts', "import '../e2e/allure-labels.ts';");
    plant('e2e/api/health.spec.ts', "import '../../db-probes/index.ts';");
    plant('run/probe.ts', "import '../demo-app/src/index.ts';");
    plant('run/embedded-target.ts', "import '../demo-app/src/db/template.ts';");
    plant('src/health.ts', "import './no-such-module.ts';");

    // A cycle is reported once, from whichever of its files is read first.
    const found = cruise(copy).summary.violations.map((v) => `${v.rule.name}: ${v.from}`.replace(/planted-[ab]/, 'planted-a|b'));
    const expected = [
      'no-cycles: src/planted-a|b.ts',
      'core-imports-nothing-above: src/verdict.ts',
      'probes-do-not-import-journeys: db-probes/sequences.ts',
      'journeys-do-not-import-probes: e2e/api/health.spec.ts',
      'demo-only-through-the-embedded-target: run/probe.ts',
      'demo-only-through-its-entry: run/embedded-target.ts',
      'no-unresolvable-imports: src/health.ts',
    ];
    for (const violation of expected) assert.ok(found.includes(violation), `${violation} is reported; found:\n${found.join('\n')}`);
    assert.deepEqual([...new Set(found)].filter((v) => !expected.includes(v)), [], 'nothing else is reported');
  });
});
