import type { DbaasBridge } from '../../../shared/ipc';
import type { ApiClient } from './client';
import { createHttpClient } from './http-client';
import { createIpcClient } from './ipc-client';
import { TokenManager } from './session';
import type { StreamState } from './sse';

export { ApiError, type ApiClient } from './client';
export { createHttpClient } from './http-client';
export { createIpcClient } from './ipc-client';
export { TokenManager, type TokenSource, type TokenStorage } from './session';
export { SseParser, openEventStream, type StreamState } from './sse';
export { ClientProvider, useClient } from './client-context';
export type * from './types';

declare global {
  interface Window {
    dbaas?: DbaasBridge;
  }
}

/** The client and, in a browser, the session that signs its calls. */
export interface Connection {
  client: ApiClient;
  /** Null inside the desktop window: main adds the identity to IPC calls itself. */
  session: TokenManager | null;
}

/** IPC inside the desktop window (the preload put `window.dbaas` there), HTTP in a browser. */
export function createApiClient(onStreamState?: (state: StreamState) => void): Connection {
  if (window.dbaas) return { client: createIpcClient(window.dbaas), session: null };
  const fetchImpl = fetch.bind(globalThis);
  const session = new TokenManager('', fetchImpl, window.sessionStorage);
  return { client: createHttpClient('', fetchImpl, session, onStreamState), session };
}
