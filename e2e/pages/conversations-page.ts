// The conversations list, and one conversation with its messages.
import { expect, type Page } from '@playwright/test';

export class ConversationsPage {
  constructor(protected readonly page: Page) {}

  async open() {
    await this.page.goto('/conversations');
  }

  async expectLoaded() {
    await expect(this.page.getByRole('heading', { name: 'Conversations' })).toBeVisible();
    await expect(this.page.getByTestId('conversations-count')).toHaveText(/^\d+$/);
  }

  async shownTotal(): Promise<number> {
    return Number(await this.page.getByTestId('conversations-count').textContent());
  }

  async listedCount(): Promise<number> {
    return this.page.getByTestId('conversation-item').count();
  }

  /** Opens the first conversation; returns its title. */
  async openFirst(): Promise<string> {
    const link = this.page.getByTestId('conversation-item').first().getByRole('link');
    const title = ((await link.textContent()) ?? '').trim();
    await link.click();
    await expect(this.page.getByRole('heading', { name: title })).toBeVisible();
    return title;
  }

  async shownMessages(): Promise<number> {
    return this.page.getByTestId('message-item').count();
  }
}
