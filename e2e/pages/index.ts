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
  const make = <K extends keyof typeof defaults>(key: K) => new ((supplied[key] as (typeof defaults)[K] | undefined) ?? defaults[key])(page) as Pages[K];
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
