import type { BridgeEvent, HttpMethod } from '../ipc';
import { parseBody, unwrap, type ApiClient } from './client';
import type { TokenSource } from './session';
import { openEventStream, type StreamState } from './sse';

/** An HTTP client that can also hand back the raw status and body (main forwards them as they are). */
export interface HttpApiClient extends ApiClient {
  /** Sends a request (refreshing the token once on a 401); rejects only when nothing answered. */
  exchange(
    method: HttpMethod,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>;
}

/** GET answers kept for revalidation, at most. */
const VALIDATED_MAX = 200;

/**
 * Conditional GETs: the last answer of each URL is kept with its ETag and asked for again with
 * `If-None-Match`; a `304 Not Modified` hands back the kept answer. The engine counts a 304 as a
 * fraction of a read, so re-reading what the page already shows is cheap. Bounded: the least
 * recently used answers are dropped first.
 */
function createValidatedCache() {
  const answers = new Map<string, { etag: string; text: string }>();
  return {
    conditionFor(url: string): Record<string, string> {
      const kept = answers.get(url);
      return kept ? { 'if-none-match': kept.etag, 'cache-control': 'no-cache' } : {};
    },
    settle(url: string, status: number, etag: string | null, text: string) {
      const kept = answers.get(url);
      if (status === 304 && kept) {
        answers.delete(url);
        answers.set(url, kept);
        return { status: 200, body: parseBody(kept.text) };
      }
      answers.delete(url);
      if (status === 200 && etag) {
        answers.set(url, { etag, text });
        if (answers.size > VALIDATED_MAX) answers.delete(answers.keys().next().value!);
      }
      return { status, body: parseBody(text) };
    },
  };
}

/**
 * The browser transport: fetch for requests and for the event stream (read as server-sent events
 * with the Authorization header, which EventSource cannot send). With `tokens`, every call carries
 * the bearer token, and a 401 triggers one refresh and one retry. Main uses it too, to attach the
 * desktop to a remote daemon.
 */
export function createHttpClient(
  baseUrl = '',
  fetchImpl: typeof fetch = fetch.bind(globalThis),
  tokens?: TokenSource,
  onStreamState?: (state: StreamState) => void,
): HttpApiClient {
  const authHeaders = async (): Promise<Record<string, string>> => {
    const token = await tokens?.token();
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  const validated = createValidatedCache();
  const send = async (method: HttpMethod, url: string, body: unknown): Promise<Response> => {
    // Revalidating ourselves: no cache on the way may answer for the engine or swallow its 304.
    const condition = method === 'GET' ? validated.conditionFor(url) : {};
    return fetchImpl(`${baseUrl}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...condition,
        ...(await authHeaders()),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...('if-none-match' in condition ? { cache: 'no-store' as const } : {}),
    });
  };
  const exchange = async (
    method: HttpMethod,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> => {
    let response = await send(method, url, body);
    if (response.status === 401 && tokens && (await tokens.refresh())) {
      response = await send(method, url, body);
    }
    if (method !== 'GET')
      return { status: response.status, body: parseBody(await response.text()) };
    const text = await response.text();
    return validated.settle(url, response.status, response.headers.get('etag'), text);
  };
  return {
    transport: 'http',
    exchange,
    async request<T>(method: HttpMethod, url: string, body?: unknown): Promise<T> {
      const answer = await exchange(method, url, body);
      return unwrap<T>(answer.status, answer.body);
    },
    onEvent(listener: (event: BridgeEvent) => void): () => void {
      return openEventStream({
        url: `${baseUrl}/api/v1/events`,
        fetchImpl,
        headers: authHeaders,
        onEvent: listener,
        onState: onStreamState,
        onUnauthorized: tokens ? () => tokens.refresh() : undefined,
      });
    },
  };
}
