import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadConfig } from './api/client';
import { App } from './App';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

root.render(
  <main>
    <p role="status">Loading…</p>
  </main>,
);

loadConfig().then(
  () =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <main>
        <h1>Personal Assistant</h1>
        <p role="alert" className="alert">
          Could not load the app configuration: {error instanceof Error ? error.message : String(error)}
        </p>
      </main>,
    ),
);
