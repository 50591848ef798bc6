import { useMemo } from 'react';
import { createApiClient } from './api';
import { HealthPanel } from './features/health';

/** The console's shell. Screens arrive feature by feature; each has one public entry. */
export function App() {
  const client = useMemo(() => createApiClient(), []);
  return (
    <div className="app">
      <header className="topbar">
        <h1>KubeDB DBaaS Console</h1>
      </header>
      <main className="content">
        <HealthPanel client={client} />
      </main>
    </div>
  );
}
