import type { DbaasBridge, HttpMethod } from '../../../shared/ipc';
import { unwrap, type ApiClient } from '../../../shared/api/client';

/** The desktop transport: the preload's `window.dbaas` bridge to the embedded engine. */
export function createIpcClient(bridge: DbaasBridge): ApiClient {
  return {
    transport: 'ipc',
    async request<T>(method: HttpMethod, url: string, body?: unknown): Promise<T> {
      const response = await bridge.request({ method, url, body });
      return unwrap<T>(response.status, response.body);
    },
    onEvent: (listener) => bridge.onEvent(listener),
  };
}
