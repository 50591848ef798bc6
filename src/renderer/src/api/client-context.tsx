import { createContext, useContext, type ReactNode } from 'react';
import type { ApiClient } from '../../../shared/api/client';

const ClientContext = createContext<ApiClient | null>(null);

/** Hands the API client to every screen below it. */
export function ClientProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

/** The API client of the nearest ClientProvider. */
export function useClient(): ApiClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient needs a ClientProvider');
  return client;
}

/** The API client of the nearest ClientProvider, or null outside one (a screen shown on its own). */
export function useOptionalClient(): ApiClient | null {
  return useContext(ClientContext);
}
