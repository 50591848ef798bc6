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
  const send = async (method: HttpMethod, url: string, body: unknown): Promise<Response> =>
    fetchImpl(`${baseUrl}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(await authHeaders()),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const exchange = async (
    method: HttpMethod,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> => {
    let response = await send(method, url, body);
    if (response.status === 401 && tokens && (await tokens.refresh())) {
      response = await send(method, url, body);
    }
    return { status: response.status, body: parseBody(await response.text()) };
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
