import type { DbaasBridge } from '../../../shared/ipc';
import type { ApiClient } from './client';
import { createHttpClient } from './http-client';
import { createIpcClient } from './ipc-client';

export { ApiError, type ApiClient } from './client';
export { createHttpClient } from './http-client';
export { createIpcClient } from './ipc-client';

declare global {
  interface Window {
    dbaas?: DbaasBridge;
  }
}

/** IPC inside the desktop window (the preload put `window.dbaas` there), HTTP in a browser. */
export function createApiClient(): ApiClient {
  return window.dbaas ? createIpcClient(window.dbaas) : createHttpClient();
}
