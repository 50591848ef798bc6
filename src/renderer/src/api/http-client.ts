import type { BridgeEvent, HttpMethod } from '../../../shared/ipc';
import { unwrap, type ApiClient } from './client';

/** The browser transport: fetch for requests, server-sent events for the event stream. */
export function createHttpClient(
  baseUrl = '',
  fetchImpl: typeof fetch = fetch.bind(globalThis),
): ApiClient {
  return {
    transport: 'http',
    async request<T>(method: HttpMethod, url: string, body?: unknown): Promise<T> {
      const response = await fetchImpl(`${baseUrl}${url}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = null;
      if (text !== '') {
        try {
          parsed = JSON.parse(text) as unknown;
        } catch {
          parsed = text;
        }
      }
      return unwrap<T>(response.status, parsed);
    },
    onEvent(listener: (event: BridgeEvent) => void): () => void {
      if (typeof EventSource === 'undefined') return () => undefined;
      const source = new EventSource(`${baseUrl}/api/v1/events`);
      const handler = (message: MessageEvent<string>): void => {
        try {
          listener({ type: message.type, data: JSON.parse(message.data) as unknown });
        } catch {
          // A malformed event is dropped; the next full refresh corrects the view.
        }
      };
      for (const type of ['database.status', 'operation.progress', 'provider.health']) {
        source.addEventListener(type, handler);
      }
      return () => source.close();
    },
  };
}
