import { useEffect, useState } from 'react';
import { api, SessionEndedError } from './api/client';

export type Loadable<T> =
  | { status: 'loading' }
  | { status: 'error'; error: Error & { status?: number } }
  | { status: 'ok'; data: T };

export function useApi<T>(path: string): Loadable<T> {
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    api<T>(path).then(
      (data) => current && setState({ status: 'ok', data }),
      (error: unknown) => {
        // The client already redirected to /login; nothing to show here.
        if (!current || error instanceof SessionEndedError) return;
        setState({ status: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => {
      current = false;
    };
  }, [path]);
  return state;
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Personal Assistant`;
  }, [title]);
}
