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

/** Top-level API sections whose answers are never kept: events, sessions, keys, users, audit, health. */
const NEVER_KEPT = new Set(['events', 'auth', 'api-keys', 'users', 'audit', 'health']);

/**
 * The path segments as the router sees them: the path before `?` or `#`, percent-decoded (the
 * router decodes too, so `/databases/ID/%63redentials` reaches the credentials route), lower-cased
 * and without empty segments (so neither case nor doubled or trailing slashes matter here, whatever
 * the router's own options). Null when the path cannot be decoded: the router refuses it as well.
 */
export function routedSegments(url: string): string[] | null {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  return decoded
    .toLowerCase()
    .split('/')
    .filter((segment) => segment.length > 0);
}

/**
 * Routes whose answers may be cached: reads of the fleet, never credentials, events or auth. The
 * decision is taken on the routed (decoded) path, never on the raw URL the page sent.
 */
export function isCacheable(method: string, url: string): boolean {
  if (method !== 'GET') return false;
  const segments = routedSegments(url);
  if (!segments || segments[0] !== 'api' || segments[1] !== 'v1' || segments.length < 3)
    return false;
  if (NEVER_KEPT.has(segments[2]!)) return false;
  // Any segment naming credentials, wherever it sits (a parameter decoded to `a/credentials` too).
  return !segments.some(
    (segment) => segment === 'credentials' || segment.startsWith('credentials;'),
  );
}
