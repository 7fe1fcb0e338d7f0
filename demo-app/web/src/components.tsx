import type { ReactNode } from 'react';
import type { Loadable } from './hooks';

export function Loading() {
  return <p role="status">Loading…</p>;
}

export function ErrorAlert({ children }: { children: ReactNode }) {
  return (
    <p role="alert" className="alert">
      {children}
    </p>
  );
}

/** Renders the loading and error states so pages only describe their data. */
export function Async<T>({ state, children }: { state: Loadable<T>; children: (data: T) => ReactNode }) {
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorAlert>{state.error.message}</ErrorAlert>;
  return <>{children(state.data)}</>;
}
