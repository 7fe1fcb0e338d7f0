// The page objects a journey drives. A profile whose app's pages differ supplies its own classes
// (profile.app.ui.pages, same method names), and the same journeys drive that app.
import type { Page } from '@playwright/test';
import type { Profile } from '../../src/profile.ts';
import { AnalyticsPage } from './analytics-page.ts';
import { AppNav } from './app-nav.ts';
import { ConversationsPage } from './conversations-page.ts';
import { DashboardPage } from './dashboard-page.ts';
import { LoginPage } from './login-page.ts';
import { ProfilePage } from './profile-page.ts';

const defaults = {
  login: LoginPage,
  nav: AppNav,
  dashboard: DashboardPage,
  profile: ProfilePage,
  conversations: ConversationsPage,
  analytics: AnalyticsPage,
};

export type Pages = { [K in keyof typeof defaults]: InstanceType<(typeof defaults)[K]> };

export function pagesFor(profile: Profile, page: Page): Pages {
  const supplied = profile.app.ui.pages;
  // Each page object gets the page and the profile (a class that needs only the page ignores the second).
  const make = <K extends keyof typeof defaults>(key: K) => {
    const PageObject = (supplied[key] ?? defaults[key]) as unknown as new (page: Page, profile: Profile) => Pages[K];
    return new PageObject(page, profile);
  };
  return {
    login: make('login'),
    nav: make('nav'),
    dashboard: make('dashboard'),
    profile: make('profile'),
    conversations: make('conversations'),
    analytics: make('analytics'),
  };
}

export { AnalyticsPage, AppNav, ConversationsPage, DashboardPage, LoginPage, ProfilePage };
