// One Allure test per database probe. The probes ran once in global setup, before any journey;
// here each outcome is told as a test: its rules as steps, its findings as a table.
import * as allure from 'allure-js-commons';
import { probes } from '../db-probes/index.ts';
import { isBlocking as blocking, type Finding, type Severity } from '../src/findings.ts';
import { labels, type AllureSeverity } from './allure-labels.ts';
import { expect, test } from './fixtures.ts';

const allureSeverity: Record<Exclude<Severity, 'info'>, AllureSeverity> = { critical: 'critical', major: 'normal', minor: 'minor' };

function findingsTable(findings: Finding[]): string {
  const cell = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  return ['severity,table,column,count,message,accepted because', ...findings.map((f) => [f.severity, f.table, f.column, f.count, f.message, f.accepted?.reason].map(cell).join(','))].join('\n');
}

for (const probe of probes) {
  const details = labels({ layer: 'db', smoke: true, epic: 'Database', feature: probe.group, story: probe.title, severity: allureSeverity[probe.severity] });
  test(probe.title, details, async ({ verity }) => {
    await allure.label('probe', probe.id);
    await allure.description(`${probe.what}\n\nWhy it matters: ${probe.why}`);

    const state = verity.state;
    test.skip(!state, 'global setup did not run');
    test.skip(!!state?.setupError, `Verity setup failed: ${state?.setupError?.message}`);
    test.skip(!state?.probes, state?.probesNotRun ?? 'the database checks did not run');
    const outcome = state!.probes!.outcomes.find((o) => o.id === probe.id);
    test.skip(!outcome, `probe ${probe.id} did not run`);
    test.skip(outcome!.status === 'skipped', outcome!.skipReason);

    if (outcome!.severitySet) {
      const { severity, reason } = outcome!.severitySet;
      await test.step(`Severity of this check's findings set by the profile to ${severity}: ${reason}`, async () => {});
    }
    if (outcome!.facts.length) {
      await test.step('Facts', async () => {
        for (const fact of outcome!.facts) await test.step(`${fact.name}: ${fact.value}`, async () => {});
      });
    }
    for (const step of outcome!.steps) {
      await test.step(step.name, async () => {
        if (step.queries.length) await allure.attachment('Queries', step.queries.join(';\n\n') + ';', 'text/plain');
        if (step.findings.length) await allure.attachment('Findings', findingsTable(step.findings), 'text/csv');
        for (const warning of step.findings.filter((f) => !blocking(f))) {
          await test.step(warning.accepted ? `Accepted (${warning.severity}, ${warning.accepted.reason || 'no reason given yet'}): ${warning.message}` : `Warning (${warning.severity}): ${warning.message}`, async () => {});
        }
        expect.soft(step.findings.filter(blocking).map((f) => f.message), `${step.name}: critical or major findings`).toEqual([]);
      });
    }
    const stepped = new Set(outcome!.steps.flatMap((s) => s.findings.map((f) => JSON.stringify(f))));
    const unstepped = outcome!.findings.filter((f) => !stepped.has(JSON.stringify(f)));
    if (outcome!.findings.length) await allure.attachment('All findings', findingsTable(outcome!.findings), 'text/csv');
    expect(unstepped.filter(blocking).map((f) => f.message), 'probe-level findings').toEqual([]);
    // Not a finding about the database: Allure shows the test as broken, not failed.
    if (outcome!.unobserved.length) throw new Error(`Verity could not observe: ${outcome!.unobserved.join('; ')}`);
  });
}
