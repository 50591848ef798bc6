/**
 * The desktop contract between main, preload and the page. The page may only call these channels;
 * main checks the channel and the sender of every message.
 */

/** The one request channel: the page asks, main answers through the engine's HTTP API. */
export const REQUEST_CHANNEL = 'dbaas:request';
/** Engine events pushed from main to the page. */
export const EVENT_CHANNEL = 'dbaas:event';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request the page sends; `url` is an API path such as `/api/v1/health`. */
export interface BridgeRequest {
  method: HttpMethod;
  url: string;
  body?: unknown;
}

/** What main answers: the HTTP status and the parsed JSON body. */
export interface BridgeResponse {
  status: number;
  body: unknown;
  /**
   * Set when the engine could not answer and main answered from the offline cache instead: the
   * body is the last known answer, `ageSeconds` old.
   */
  stale?: { since: string; ageSeconds: number; reason: string };
}

/** A server-sent event as the page receives it. */
export interface BridgeEvent {
  type: string;
  data: unknown;
}

/** What the preload exposes as `window.dbaas`, and nothing more. */
export interface DbaasBridge {
  request(request: BridgeRequest): Promise<BridgeResponse>;
  /** Subscribes to engine events; returns the function that unsubscribes. */
  onEvent(listener: (event: BridgeEvent) => void): () => void;
}

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Validates what the page sent, since the page is not trusted. Returns null when malformed. */
export function parseBridgeRequest(value: unknown): BridgeRequest | null {
  if (typeof value !== 'object' || value === null) return null;
  const { method, url, body } = value as Record<string, unknown>;
  if (typeof method !== 'string' || !METHODS.includes(method)) return null;
  if (
    typeof url !== 'string' ||
    !url.startsWith('/api/') ||
    url.includes('..') ||
    url.length > 2048
  ) {
    return null;
  }
  return { method: method as HttpMethod, url, body };
}
