// The signed-in landing page and its navigation.
import { expect, type Page } from '@playwright/test';

export class DashboardPage {
  constructor(private readonly page: Page) {}

  async expectSignedIn(email: string) {
    await expect(this.page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
    await expect(this.page.getByRole('navigation', { name: 'Main' }).getByTestId('nav-user-email')).toHaveText(email);
  }

  async signOut() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await expect(this.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  }
}
