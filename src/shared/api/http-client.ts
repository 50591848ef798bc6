import type { BridgeEvent, HttpMethod } from '../ipc';
import { unwrap, type ApiClient } from './client';
import type { TokenSource } from './session';
import { openEventStream, type StreamState } from './sse';

async function parse(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The browser transport: fetch for requests and for the event stream (read as server-sent events
 * with the Authorization header, which EventSource cannot send). With `tokens`, every call carries
 * the bearer token, and a 401 triggers one refresh and one retry.
 */
export function createHttpClient(
  baseUrl = '',
  fetchImpl: typeof fetch = fetch.bind(globalThis),
  tokens?: TokenSource,
  onStreamState?: (state: StreamState) => void,
): ApiClient {
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
  return {
    transport: 'http',
    async request<T>(method: HttpMethod, url: string, body?: unknown): Promise<T> {
      let response = await send(method, url, body);
      if (response.status === 401 && tokens && (await tokens.refresh())) {
        response = await send(method, url, body);
      }
      return unwrap<T>(response.status, await parse(response));
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
