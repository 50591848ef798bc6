import type { DbaasBridge } from '../../../shared/ipc';
import type { ApiClient } from '../../../shared/api/client';
import { createHttpClient } from '../../../shared/api/http-client';
import { createIpcClient, type FreshnessListener } from './ipc-client';
import { SESSION_MARKER_COOKIE, TokenManager } from '../../../shared/api/session';
import type { StreamState } from '../../../shared/api/sse';

export { ApiError, type ApiClient } from '../../../shared/api/client';
export { createHttpClient } from '../../../shared/api/http-client';
export { createIpcClient, type FreshnessListener } from './ipc-client';
export {
  createDesktopSettingsClient,
  createLocalKubeconfigClient,
  type DesktopSettingsClient,
  type LocalKubeconfigClient,
} from './desktop-settings';
export { TokenManager, type TokenSource, type TokenStorage } from '../../../shared/api/session';
export {
  SseParser,
  STREAM_RESET_EVENT,
  openEventStream,
  type StreamState,
} from '../../../shared/api/sse';
export { ClientProvider, useClient, useOptionalClient } from './client-context';
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

/**
 * IPC inside the desktop window (the preload put `window.dbaas` there), HTTP in a browser.
 * `onFreshness` hears main's stale markers (desktop only).
 */
export function createApiClient(
  onStreamState?: (state: StreamState) => void,
  onFreshness?: FreshnessListener,
): Connection {
  if (window.dbaas) return { client: createIpcClient(window.dbaas, onFreshness), session: null };
  const fetchImpl = fetch.bind(globalThis);
  // The refresh token goes to the daemon's httpOnly cookie, so every tab shares the session; Web
  // Locks keep two tabs from rotating it at once (see SessionOptions).
  const session = new TokenManager('', fetchImpl, window.sessionStorage, Date.now, {
    cookie: true,
    mayHaveSessionCookie: () => document.cookie.split('; ').includes(`${SESSION_MARKER_COOKIE}=1`),
    locks: typeof navigator !== 'undefined' ? navigator.locks : undefined,
  });
  return { client: createHttpClient('', fetchImpl, session, onStreamState), session };
}
export * from './backups';
