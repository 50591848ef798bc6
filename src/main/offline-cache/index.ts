/**
 * The desktop's offline cache: the last successful answer of each read route, kept in a local
 * SQLite file so that the console can show the fleet's last known state when the engine's store or a
 * remote daemon cannot be reached. It holds API answers only — never a credential: routes that
 * return secrets are refused by `isCacheable`.
 */
export interface OfflineCache {
  /** Keeps the answer of a GET route (JSON), replacing the previous one. */
  put(url: string, body: unknown, at: number): void;
  /** The last answer and when it was kept, or null. */
  get(url: string): { body: unknown; at: number } | null;
  /** Drops answers older than `before` (epoch ms); returns how many. */
  prune(before: number): number;
  close(): void;
}

/** Routes whose answers may be cached: reads of the fleet, never credentials, events or auth. */
export function isCacheable(method: string, url: string): boolean {
  if (method !== 'GET' || !url.startsWith('/api/v1/')) return false;
  const path = url.split('?')[0] ?? '';
  return !/\/credentials$|^\/api\/v1\/(events|auth|api-keys|users|audit|health)/.test(path);
}
