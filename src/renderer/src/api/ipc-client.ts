import type { BridgeResponse, DbaasBridge, HttpMethod } from '../../../shared/ipc';
import { unwrap, type ApiClient } from '../../../shared/api/client';

/** Main's freshness marker of an answer: stale (served from its offline cache) or null when fresh. */
export type FreshnessListener = (stale: NonNullable<BridgeResponse['stale']> | null) => void;

/**
 * The desktop transport: the preload's `window.dbaas` bridge to the embedded engine (or to the
 * remote daemon main attached to). Every answer tells `onFreshness` whether main served it from
 * its offline cache, so the page can mark what it shows as stale.
 */
export function createIpcClient(bridge: DbaasBridge, onFreshness?: FreshnessListener): ApiClient {
  return {
    transport: 'ipc',
    async request<T>(method: HttpMethod, url: string, body?: unknown): Promise<T> {
      const response = await bridge.request({ method, url, body });
      if (response.stale) onFreshness?.(response.stale);
      // Any answer below 500 came from the engine itself: what it says is current.
      else if (response.status < 500) onFreshness?.(null);
      return unwrap<T>(response.status, response.body);
    },
    onEvent: (listener) => bridge.onEvent(listener),
  };
}
