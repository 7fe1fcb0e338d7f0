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
    return this.openListed(0);
  }

  /** Opens the conversation at a position of the list; returns its title. */
  async openListed(index: number): Promise<string> {
    const link = this.page.getByTestId('conversation-item').nth(index).getByRole('link');
    const title = ((await link.textContent()) ?? '').trim();
    await link.click();
    await expect(this.page.getByRole('heading', { name: title })).toBeVisible();
    return title;
  }

  /** The message count each listed conversation states, in list order. */
  async listedMessageCounts(): Promise<number[]> {
    const stated = /(\d+)\s+messages?\b/;
    const texts = await this.page.getByTestId('conversation-item').getByText(stated).allTextContents();
    return texts.map((text) => Number(stated.exec(text)?.[1] ?? NaN));
  }

  /** Opens a conversation by its id, as a deep link would. */
  async openById(id: string) {
    await this.page.goto(`/conversations/${encodeURIComponent(id)}`);
  }

  /** The conversation page refused to show a conversation: an alert, and no messages. */
  async expectNotShown() {
    await expect(this.page.getByRole('alert')).toBeVisible();
    await expect(this.page.getByTestId('message-item')).toHaveCount(0);
  }

  async shownMessages(): Promise<number> {
    return this.page.getByTestId('message-item').count();
  }
}
