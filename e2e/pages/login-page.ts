// The sign-in page, by intention: open it, sign in, see that it refused. It opens the profile's
// app.ui.loginRoute and finds its fields the way common sign-in forms can be found: the e-mail or
// username field by accessible name (label, aria-label, placeholder), input type or autocomplete;
// the password field by label or type; the submit button by role and name, or as the form's submit.
import { expect, type Locator, type Page } from '@playwright/test';
import type { Profile } from '../../src/profile.ts';
import type { Account } from '../support/auth-api.ts';

const identifierName = /e-?mail|user\s*name|login/i;
const submitName = /sign\s*in|log\s*in|continue|submit/i;

export class LoginPage {
  constructor(protected readonly page: Page, protected readonly profile?: Profile) {}

  /** The route the sign-in page lives at (the profile's app.ui.loginRoute). */
  get route(): string {
    return this.profile?.app.ui.loginRoute ?? '/login';
  }

  /** The e-mail or username field. */
  get identifierField(): Locator {
    const { page } = this;
    return page
      .getByRole('textbox', { name: identifierName })
      .or(page.locator('input[type="email"], input[autocomplete~="username"], input[autocomplete~="email"], input[name="email"], input[name="username"]'))
      .first();
  }

  get passwordField(): Locator {
    const { page } = this;
    return page.getByLabel(/password/i).and(page.locator('input')).or(page.locator('input[type="password"]')).first();
  }

  get submitButton(): Locator {
    const { page } = this;
    return page
      .getByRole('button', { name: submitName })
      .or(page.locator('form button[type="submit"], form input[type="submit"]'))
      .first();
  }

  async open() {
    await this.page.goto(this.route);
  }

  async expectShown() {
    await expect(this.identifierField, 'the sign-in page shows an e-mail or username field').toBeVisible();
    await expect(this.passwordField, 'the sign-in page shows a password field').toBeVisible();
    await expect(this.submitButton, 'the sign-in page shows an enabled submit button').toBeEnabled();
  }

  async login(account: Account) {
    await this.identifierField.fill(account.email);
    await this.passwordField.fill(account.password);
    await this.submitButton.click();
  }

  async expectRejected() {
    // An alert, or any visible message saying so (some apps show a plain notice).
    const refusal = /invalid|incorrect|wrong|not match|failed/i;
    await expect(this.page.getByRole('alert').filter({ hasText: refusal }).or(this.page.getByText(refusal)).first(), 'the sign-in page says the credentials were refused').toBeVisible();
    await this.expectShown();
  }
}
