// The profile page: who the app thinks is signed in.
import { expect, type Page } from '@playwright/test';

export class ProfilePage {
  constructor(protected readonly page: Page) {}

  async open() {
    await this.page.goto('/profile');
  }

  async expectLoaded() {
    await expect(this.page.getByRole('heading', { name: 'Profile' })).toBeVisible();
    await expect(this.page.getByTestId('profile-email')).not.toBeEmpty();
  }

  async shownUser(): Promise<{ id: string; email: string; name: string; roles: string }> {
    const read = async (id: string) => ((await this.page.getByTestId(id).textContent()) ?? '').trim();
    return { id: await read('profile-id'), email: await read('profile-email'), name: await read('profile-name'), roles: await read('profile-roles') };
  }
}
