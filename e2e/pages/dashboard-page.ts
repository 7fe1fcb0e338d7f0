// The dashboard: the user's counts at a glance.
import { expect, type Page } from '@playwright/test';

export class DashboardPage {
  constructor(protected readonly page: Page) {}

  async open() {
    await this.page.goto('/');
  }

  async expectLoaded() {
    await expect(this.page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
    await expect(this.page.getByTestId('dashboard-conversations')).toHaveText(/^\d+$/);
  }

  async shownCounts(): Promise<{ conversations: number; messages: number; sms: number }> {
    const read = async (id: string) => Number(await this.page.getByTestId(id).textContent());
    return { conversations: await read('dashboard-conversations'), messages: await read('dashboard-messages'), sms: await read('dashboard-sms') };
  }
}
