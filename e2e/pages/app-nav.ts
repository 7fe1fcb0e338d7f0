// The signed-in navigation: who is signed in, moving between pages, signing out.
import { expect, type Page } from '@playwright/test';

export type PageName = 'Dashboard' | 'Profile' | 'Conversations' | 'Analytics';

export class AppNav {
  constructor(protected readonly page: Page) {}

  private get nav() {
    return this.page.getByRole('navigation', { name: 'Main' });
  }

  async expectSignedIn(email: string) {
    await expect(this.nav.getByTestId('nav-user-email')).toHaveText(email);
  }

  async go(name: PageName) {
    await this.nav.getByRole('link', { name, exact: true }).click();
  }

  async signOut() {
    await this.nav.getByRole('button', { name: 'Sign out' }).click();
  }
}
