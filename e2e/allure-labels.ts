// Allure labels as Playwright annotations: declared with the test, so a test skipped before its
// body runs (a closed gate, a missing browser) still lands in the right epic and feature.
export type AllureSeverity = 'blocker' | 'critical' | 'normal' | 'minor' | 'trivial';

export interface Labels {
  epic: string;
  feature: string;
  story?: string;
  severity?: AllureSeverity;
}

export function labels(l: Labels): { annotation: { type: string; description: string }[] } {
  const annotation = [
    { type: 'allure.label.epic', description: l.epic },
    { type: 'allure.label.feature', description: l.feature },
  ];
  if (l.story) annotation.push({ type: 'allure.label.story', description: l.story });
  if (l.severity) annotation.push({ type: 'allure.label.severity', description: l.severity });
  return { annotation };
}
