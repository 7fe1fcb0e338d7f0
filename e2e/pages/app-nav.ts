// The signed-in navigation: who is signed in, moving between pages, signing out. What "signed
// in" looks like and how to sign out come from the profile (app.ui.signedIn, app.ui.signOut) when
// it says; otherwise the demo's navigation (its Main landmark, the user's e-mail, a Sign out button).
import { expect, type Page } from '@playwright/test';
import type { Profile } from '../../src/profile.ts';
import { fieldOf } from '../support/auth-contract.ts';

export type PageName = 'Dashboard' | 'Profile' | 'Conversations' | 'Analytics';

export class AppNav {
  constructor(protected readonly page: Page, protected readonly profile?: Profile) {}

  private get nav() {
    return this.page.getByRole('navigation', { name: 'Main' });
  }

  async expectSignedIn(email: string) {
    const signedIn = this.profile?.app.ui.signedIn;
    if (!signedIn) {
      await expect(this.nav.getByTestId('nav-user-email')).toHaveText(email);
      return;
    }
    if (signedIn.path) {
      const pattern = new RegExp(signedIn.path);
      await expect(this.page, `the page's path matches ${signedIn.path} (app.ui.signedIn.path)`).toHaveURL((url) => pattern.test(url.pathname));
    }
    if (signedIn.text) await expect(this.page.getByText(signedIn.text.replace('{email}', email)).first(), 'the signed-in text (app.ui.signedIn.text)').toBeVisible();
    const me = this.profile?.app.api.me;
    if (signedIn.me && me) {
      // The page's own session: the browser context's cookies go with this call.
      const response = await this.page.request.get(me.path);
      expect(response.status(), `GET ${me.path} with the page's own session (app.ui.signedIn.me)`).toBe(200);
      expect(String(fieldOf(await response.json(), me.emailField)).toLowerCase(), `the account GET ${me.path} names (${me.emailField})`).toBe(email.toLowerCase());
    }
  }

  async go(name: PageName) {
    await this.nav.getByRole('link', { name, exact: true }).click();
  }

  async signOut() {
    const signOut = this.profile?.app.ui.signOut;
    if (signOut && 'route' in signOut) await this.page.goto(signOut.route);
    else await (signOut ? this.page.getByRole('button', { name: signOut.button }) : this.nav.getByRole('button', { name: 'Sign out' })).click();
  }
}
