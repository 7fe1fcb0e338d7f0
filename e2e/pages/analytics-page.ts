// SMS analytics: totals over the last 30 days.
import { expect, type Page } from '@playwright/test';

export class AnalyticsPage {
  constructor(protected readonly page: Page) {}

  async open() {
    await this.page.goto('/analytics');
  }

  async expectLoaded() {
    await expect(this.page.getByRole('heading', { name: 'SMS analytics' })).toBeVisible();
    await expect(this.page.getByTestId('sms-total')).toHaveText(/^\d+$/);
  }

  async shownTotals(): Promise<{ total: number; inbound: number; outbound: number }> {
    const read = async (id: string) => Number(await this.page.getByTestId(id).textContent());
    return { total: await read('sms-total'), inbound: await read('sms-inbound'), outbound: await read('sms-outbound') };
  }
}
