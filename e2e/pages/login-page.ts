// The sign-in page, by intention: open it, sign in, see that it refused.
import { expect, type Page } from '@playwright/test';
import type { Account } from '../support/auth-api.ts';

export class LoginPage {
  constructor(protected readonly page: Page) {}

  async open() {
    await this.page.goto('/login');
  }

  async expectShown() {
    await expect(this.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(this.page.getByLabel('Email')).toBeVisible();
    await expect(this.page.getByLabel('Password')).toBeVisible();
    await expect(this.page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  }

  async login(account: Account) {
    await this.page.getByLabel('Email').fill(account.email);
    await this.page.getByLabel('Password').fill(account.password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  async expectRejected() {
    await expect(this.page.getByRole('alert')).toHaveText(/invalid email or password/i);
    await this.expectShown();
  }
}
