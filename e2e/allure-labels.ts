// Allure labels as Playwright annotations, and the tags that select subsets of the checks
// (`npm run verify -- --grep @smoke`): declared with the test, so a test skipped before its body
// runs (a closed gate, a missing browser) still lands in the right epic and feature.
//   @db @api @ui   the layer it checks;  @auth  sign-in, tokens, refresh, sign-out, authorization;
//   @security      attacks refused and protections in place;  @smoke  the quick subset (seconds).
export type AllureSeverity = 'blocker' | 'critical' | 'normal' | 'minor' | 'trivial';

export interface Labels {
  /** Which layer the check exercises: its tag (@db, @api, @ui). Verity's own checks are in none. */
  layer: 'db' | 'api' | 'ui' | 'verity';
  epic: string;
  feature: string;
  story?: string;
  severity?: AllureSeverity;
  /** In the quick subset a run selects with --grep @smoke. */
  smoke?: boolean;
  /** Checks an attack is refused or a protection is in place. */
  security?: boolean;
}

export function labels(l: Labels, ...moreTags: string[]): { annotation: { type: string; description: string }[]; tag: string[] } {
  const annotation = [
    { type: 'allure.label.epic', description: l.epic },
    { type: 'allure.label.feature', description: l.feature },
  ];
  if (l.story) annotation.push({ type: 'allure.label.story', description: l.story });
  if (l.severity) annotation.push({ type: 'allure.label.severity', description: l.severity });
  const tag = [
    ...(l.layer === 'verity' ? [] : [`@${l.layer}`]),
    ...(l.epic === 'Auth' ? ['@auth'] : []),
    ...(l.security ? ['@security'] : []),
    ...(l.smoke ? ['@smoke'] : []),
    ...moreTags,
  ];
  return { annotation, tag };
}
