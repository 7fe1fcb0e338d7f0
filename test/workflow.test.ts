// The nightly workflow, checked without GitHub: it validates against the workflow schema
// (@action-validator/cli, offline), a broken copy does not, and it wires the sharded flow that
// test/sharded-run.test.ts runs here: one database pass, shards given its results, one merge.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './support/verify-run.ts';

const workflowFile = path.join(repoRoot, '.github/workflows/nightly.yml');
const workflow = readFileSync(workflowFile, 'utf8');
const validate = (file: string) => spawnSync(path.join(repoRoot, 'node_modules/.bin/action-validator'), [file], { encoding: 'utf8' });

describe('.github/workflows/nightly.yml', () => {
  it('validates', () => {
    const result = validate(workflowFile);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('a broken copy does not: a misspelt key is named', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verity-workflow-'));
    const broken = path.join(dir, 'nightly.yml');
    writeFileSync(broken, workflow.replace('    runs-on: ubuntu-latest\n    environment', '    run-on: ubuntu-latest\n    environment'));
    const result = validate(broken);
    const output = result.stdout + result.stderr;
    assert.equal(result.status, 1, output);
    assert.match(output, /Additional property 'run-on' is not allowed/);
    assert.match(output, /"path": "\/jobs\/database\/runs-on"/);
  });

  it('runs nightly and by hand, probes once, shards the journeys on those results, merges once', () => {
    assert.match(workflow, /^ {2}schedule:\n {4}- cron: /m);
    assert.match(workflow, /^ {2}workflow_dispatch:\n {4}inputs:\n {6}env:/m);
    assert.equal(workflow.match(/npm run probe -- --out probe-results\.json/g)?.length, 1, 'the database is probed in one job');
    assert.match(workflow, /npm run verify -- --shard=\$\{\{ matrix\.shard \}\}\/\$\{\{ env\.SHARDS \}\}/);
    assert.match(workflow, /VERITY_PROBE_RESULTS: probe-results\.json/);
    assert.match(workflow, /npm run verify:merge -- shards\/shard-\*\/\*\//);
    const shards = /shard: \[([\d, ]+)\]/.exec(workflow)![1]!.split(',').length;
    assert.equal(String(shards), /SHARDS: (\d+)/.exec(workflow)![1], 'the matrix has as many shards as SHARDS says');
    assert.match(workflow, /actions\/cache\/restore@v4[\s\S]+restore-keys: verity-history-/);
    assert.match(workflow, /actions\/cache\/save@v4/);
  });

  it('takes every credential from the secret store, none written in the file', () => {
    for (const name of ['BASE_URL', 'DATABASE_URL', 'VERITY_ACCOUNTS']) {
      for (const [, value] of workflow.matchAll(new RegExp(`^ +${name}: (.+)$`, 'gm'))) assert.equal(value, `\${{ secrets.${name} }}`, name);
    }
    assert.doesNotMatch(workflow, /postgres(ql)?:\/\/|"password"\s*:/i, 'no connection string, no account JSON');
  });
});
