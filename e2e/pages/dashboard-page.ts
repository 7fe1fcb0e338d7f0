// The dashboard: the user's counts at a glance. For an app whose profile names no dashboard route,
// it is the page the app lands on once signed in, known by app.ui.signedIn.path.
import { expect, type Page } from '@playwright/test';
import type { Profile } from '../../src/profile.ts';

export class DashboardPage {
  constructor(protected readonly page: Page, protected readonly profile?: Profile) {}

  private get isDemoDashboard(): boolean {
    return !this.profile || !!this.profile.app.ui.protectedRoutes.dashboard || !this.profile.app.ui.signedIn;
  }

  /** The page a signed-in journey starts from: app.ui.homeRoute, else the dashboard route, else /. */
  async open() {
    const ui = this.profile?.app.ui;
    await this.page.goto(ui?.homeRoute ?? ui?.protectedRoutes.dashboard ?? '/');
  }

  async expectLoaded() {
    if (!this.isDemoDashboard) {
      const landing = this.profile!.app.ui.signedIn!.path;
      if (landing) await expect(this.page, `the page the app lands on once signed in (app.ui.signedIn.path ${landing})`).toHaveURL((url) => new RegExp(landing).test(url.pathname));
      return;
    }
    await expect(this.page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
    await expect(this.page.getByTestId('dashboard-conversations')).toHaveText(/^\d+$/);
  }

  async shownCounts(): Promise<{ conversations: number; messages: number; sms: number }> {
    const read = async (id: string) => Number(await this.page.getByTestId(id).textContent());
    return { conversations: await read('dashboard-conversations'), messages: await read('dashboard-messages'), sms: await read('dashboard-sms') };
  }
}
