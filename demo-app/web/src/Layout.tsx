import type { ReactNode } from 'react';
import { logout } from './api/client';
import { useApi } from './hooks';
import { Link, useLocation } from './router';
import type { User } from './pages/Profile';

const LINKS = [
  { to: '/', label: 'Dashboard' },
  { to: '/profile', label: 'Profile' },
  { to: '/conversations', label: 'Conversations' },
  { to: '/analytics', label: 'Analytics' },
];

function isActive(pathname: string, to: string): boolean {
  return to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(`${to}/`);
}

export function Layout({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  const me = useApi<User>('/api/v1/users/me');

  return (
    <>
      <header className="topbar">
        <nav aria-label="Main">
          <span className="brand">Personal Assistant</span>
          {LINKS.map(({ to, label }) => (
            <Link key={to} to={to} aria-current={isActive(pathname, to) ? 'page' : undefined}>
              {label}
            </Link>
          ))}
          <span className="spacer" />
          {me.status === 'ok' && <span data-testid="nav-user-email">{me.data.email}</span>}
          <button type="button" onClick={() => void logout()}>
            Sign out
          </button>
        </nav>
      </header>
      <main>{children}</main>
    </>
  );
}
