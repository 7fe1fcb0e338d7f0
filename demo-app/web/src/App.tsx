import { isSignedIn } from './api/client';
import { Layout } from './Layout';
import { Analytics } from './pages/Analytics';
import { Conversation } from './pages/Conversation';
import { Conversations } from './pages/Conversations';
import { Dashboard } from './pages/Dashboard';
import { Login } from './pages/Login';
import { NotFound } from './pages/NotFound';
import { Profile } from './pages/Profile';
import { currentPath, loginUrl, Redirect, useLocation } from './router';

function route(pathname: string) {
  switch (pathname) {
    case '/':
      return <Dashboard />;
    case '/profile':
      return <Profile />;
    case '/conversations':
      return <Conversations />;
    case '/analytics':
      return <Analytics />;
  }
  const conversation = /^\/conversations\/([^/]+)$/.exec(pathname);
  if (conversation) {
    const id = decodePathSegment(conversation[1]);
    // Keyed so switching conversations never shows the previous one's messages.
    if (id !== null) return <Conversation key={id} id={id} />;
  }
  return <NotFound />;
}

function decodePathSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // malformed escapes such as '%E0' are simply an unknown page
  }
}

export function App() {
  const { pathname } = useLocation();
  if (pathname === '/login') return <Login />;
  if (!isSignedIn()) return <Redirect to={loginUrl(currentPath())} />;
  return <Layout>{route(pathname)}</Layout>;
}
