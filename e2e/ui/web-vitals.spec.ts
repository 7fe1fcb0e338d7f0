// Core web vitals of every signed-in page, measured in the browser itself (navigation timing and
// PerformanceObserver, no library): time to first byte, first and largest contentful paint, and
// cumulative layout shift, against the budgets in the settings (VERITY_*_BUDGET*).
import type { Page } from '@playwright/test';
import { labels } from '../allure-labels.ts';
import { expect, test } from '../fixtures.ts';
import type { Pages } from '../pages/index.ts';

// Each page is opened with the test's own API-made session, placed where the app keeps it.
test.use({ signedIn: true });

interface Vitals {
  /** Navigation start to the first byte of the document, ms. */
  ttfb: number | null;
  fcp: number | null;
  /** Null when the browser reported no largest-contentful-paint entry (tiny pages, headless). */
  lcp: number | null;
  /** The largest burst of unexpected layout shifts (session windows: 1 s gap, 5 s at most). */
  cls: number;
}

/** Reads the vitals of the current document from the browser's own performance timeline. */
function measure(page: Page): Promise<Vitals> {
  return page.evaluate(() => {
    const buffered = (type: string): PerformanceEntry[] | null => {
      if (!PerformanceObserver.supportedEntryTypes.includes(type)) return null;
      const observer = new PerformanceObserver(() => undefined);
      observer.observe({ type, buffered: true });
      const entries = observer.takeRecords();
      observer.disconnect();
      return entries;
    };
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const ttfb = navigation ? Math.max(0, navigation.responseStart - navigation.startTime) : null;
    const fcp = buffered('paint')?.find((e) => e.name === 'first-contentful-paint')?.startTime ?? null;
    const lcpEntries = buffered('largest-contentful-paint') ?? [];
    const lcp = lcpEntries.length ? lcpEntries[lcpEntries.length - 1]!.startTime : null;
    const shifts = (buffered('layout-shift') ?? []) as (PerformanceEntry & { value: number; hadRecentInput: boolean })[];
    let cls = 0;
    let burst = 0;
    let first = 0;
    let previous = 0;
    for (const shift of shifts.filter((s) => !s.hadRecentInput)) {
      if (burst && shift.startTime - previous < 1000 && shift.startTime - first < 5000) {
        burst += shift.value;
      } else {
        burst = shift.value;
        first = shift.startTime;
      }
      previous = shift.startTime;
      cls = Math.max(cls, burst);
    }
    const round = (n: number | null) => (n === null ? null : Math.round(n));
    return { ttfb: round(ttfb), fcp: round(fcp), lcp: round(lcp), cls: Math.round(cls * 10000) / 10000 };
  });
}

test('Core web vitals of every signed-in page are within budget', labels({ layer: 'ui', epic: 'UI', feature: 'Web vitals', story: 'TTFB, FCP, LCP and CLS per page', severity: 'normal' }), async ({ pages, page, verity }, testInfo) => {
  const routes = Object.entries(verity.app.ui.protectedRoutes);
  test.skip(!routes.length, 'the profile lists no protected routes (app.ui.protectedRoutes)');
  const budgets = verity.config.budgets;
  const measured: { name: string; path: string; vitals: Vitals }[] = [];
  // The first navigation of a new browser also pays for starting its renderer and downloading the
  // app's assets, which every later page finds cached: one unmeasured visit makes every page measured alike.
  await test.step(`Warm up: open ${routes[0]![1]} once, unmeasured`, async () => {
    await page.goto(routes[0]![1]);
    const target = pages[routes[0]![0] as keyof Pages] as { expectLoaded?: () => Promise<void> } | undefined;
    if (target?.expectLoaded) await target.expectLoaded();
  });
  for (const [name, path] of routes) {
    await test.step(`Open ${name} (${path}) until it shows its data, and read its vitals`, async () => {
      await page.goto(path);
      const target = pages[name as keyof Pages] as { expectLoaded?: () => Promise<void> } | undefined;
      if (target?.expectLoaded) await target.expectLoaded();
      // The paint that shows the data is reported a frame or two after it is in the DOM: read
      // until the largest contentful paint stops changing (no new candidate for a poll interval).
      let previous: Vitals | undefined;
      let vitals: Vitals | undefined;
      await expect
        .poll(async () => {
          vitals = await measure(page);
          // A page with no page object to wait for its data is measured once it has painted.
          const settled = previous !== undefined && vitals.fcp !== null && previous.lcp === vitals.lcp && previous.cls === vitals.cls;
          previous = vitals;
          return settled;
        }, { message: `${name}: the page paints and its largest contentful paint settles`, intervals: [250] })
        .toBe(true);
      measured.push({ name, path, vitals: vitals! });
    });
  }
  const cell = (v: number | null) => (v === null ? 'not measured' : String(v));
  const table = [
    'page,path,TTFB (ms),FCP (ms),LCP (ms),CLS',
    ...measured.map(({ name, path, vitals }) => [name, path, cell(vitals.ttfb), cell(vitals.fcp), cell(vitals.lcp), String(vitals.cls)].join(',')),
    ['budget', '', budgets.ttfbMs, budgets.fcpMs, budgets.lcpMs, budgets.cls].join(','),
  ].join('\n');
  await testInfo.attach('Web vitals', { body: table, contentType: 'text/csv' });
  for (const { name, vitals } of measured) {
    await test.step(`${name}: TTFB, FCP, LCP and CLS within budget`, async () => {
      expect.soft(vitals.ttfb, `${name} page: TTFB was measured`).not.toBeNull();
      if (vitals.ttfb !== null) expect.soft(vitals.ttfb, `${name} page: TTFB (ms), budget ${budgets.ttfbMs}`).toBeLessThanOrEqual(budgets.ttfbMs);
      expect.soft(vitals.fcp, `${name} page: FCP was measured`).not.toBeNull();
      if (vitals.fcp !== null) expect.soft(vitals.fcp, `${name} page: FCP (ms), budget ${budgets.fcpMs}`).toBeLessThanOrEqual(budgets.fcpMs);
      if (vitals.lcp !== null) expect.soft(vitals.lcp, `${name} page: LCP (ms), budget ${budgets.lcpMs}`).toBeLessThanOrEqual(budgets.lcpMs);
      expect.soft(vitals.cls, `${name} page: CLS, budget ${budgets.cls}`).toBeLessThanOrEqual(budgets.cls);
    });
    if (vitals.lcp === null) {
      await test.step(`${name}: LCP not measured (the browser reported no largest-contentful-paint entry)`, async () => {});
    }
  }
});
