import { useState, type FormEvent } from 'react';
import { ApiError, appConfig, login } from '../api/client';
import { ErrorAlert } from '../components';
import { useTitle } from '../hooks';
import { navigate, safeNext, useLocation } from '../router';

export function Login() {
  useTitle('Sign in');
  const { search } = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setSubmitting(true);
    setError(null);
    try {
      await login(String(form.get('email') ?? ''), String(form.get('password') ?? ''));
      navigate(safeNext(search.get('next')) ?? '/', { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Invalid email or password' : errorMessage(err));
      setSubmitting(false);
    }
  }

  if (!appConfig().login_labels) {
    // Like many real sign-in forms: no labels, only placeholders, input types and autocomplete.
    return (
      <main className="login">
        <h1>Welcome back</h1>
        <form onSubmit={handleSubmit}>
          <input name="email" type="email" autoComplete="username" placeholder="you@example.com" required />
          <input name="password" type="password" autoComplete="current-password" placeholder="••••••••" required />
          {error && <ErrorAlert>{error}</ErrorAlert>}
          <button type="submit" disabled={submitting}>
            Continue
          </button>
        </form>
      </main>
    );
  }

  return (
    <main className="login">
      <h1>Sign in</h1>
      <form onSubmit={handleSubmit} aria-label="Sign in">
        <label htmlFor="login-email">Email</label>
        <input id="login-email" name="email" type="email" autoComplete="username" required />
        <label htmlFor="login-password">Password</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" required />
        {error && <ErrorAlert>{error}</ErrorAlert>}
        <button type="submit" disabled={submitting}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : 'Sign-in failed';
}
