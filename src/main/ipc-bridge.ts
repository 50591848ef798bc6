import {
  EVENT_CHANNEL,
  REQUEST_CHANNEL,
  parseBridgeRequest,
  type BridgeEvent,
  type BridgeResponse,
} from '../shared/ipc';
import type { OfflineCache } from '../../engine/engine';
import type { IpcMainLike, WebContentsLike } from './electron-types';

/** What the bridge needs from the engine's API: fastify's `inject`. */
export interface InjectableApi {
  inject(options: {
    method: string;
    url: string;
    payload?: string;
    headers: Record<string, string>;
  }): Promise<{ statusCode: number; body: string }>;
}

export interface IpcBridgeOptions {
  ipcMain: IpcMainLike;
  api: InjectableApi;
  /** True only for the app's own page in the app's own window. */
  isTrustedSender: (senderId: number, frameUrl: string | undefined) => boolean;
  /** Headers main adds to every request: the local desktop identity, set here and never by the page. */
  identityHeaders: () => Record<string, string>;
  /** The offline cache, and which requests it may keep (never credentials). */
  cache?: {
    store: OfflineCache;
    isCacheable: (method: string, url: string) => boolean;
    now: () => number;
  };
}

/**
 * Answers `dbaas:request` by handing the request to the engine's HTTP API in-process. The page
 * cannot choose headers, so it cannot claim another identity; senders other than our window are
 * refused before anything runs.
 */
export function registerIpcBridge(options: IpcBridgeOptions): { dispose(): void } {
  options.ipcMain.handle(REQUEST_CHANNEL, async (event, raw): Promise<BridgeResponse> => {
    if (!options.isTrustedSender(event.sender.id, event.senderFrame?.url)) {
      return errorResponse(403, 'FORBIDDEN', 'this window may not call the engine');
    }
    const request = parseBridgeRequest(raw);
    if (!request) return errorResponse(400, 'BAD_REQUEST', 'malformed bridge request');
    const cache =
      options.cache && options.cache.isCacheable(request.method, request.url)
        ? options.cache
        : undefined;
    let answer: BridgeResponse;
    try {
      const response = await options.api.inject({
        method: request.method,
        url: request.url,
        payload: request.body === undefined ? undefined : JSON.stringify(request.body),
        headers: {
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.identityHeaders(),
        },
      });
      answer = { status: response.statusCode, body: parseJson(response.body) };
    } catch {
      answer = errorResponse(503, 'UNAVAILABLE', 'the engine did not answer');
    }
    if (cache && answer.status >= 200 && answer.status < 300)
      cache.store.put(request.url, answer.body, cache.now());
    if (cache && answer.status === 503) return fromCache(cache, request.url, answer);
    return answer;
  });
  return { dispose: () => options.ipcMain.removeHandler(REQUEST_CHANNEL) };
}

/** Sends an engine event to the window, unless it is gone. */
export function forwardEvent(contents: WebContentsLike | undefined, event: BridgeEvent): void {
  contents?.send(EVENT_CHANNEL, event);
}

/** The last known answer, marked stale with its age; the error itself when nothing was kept. */
function fromCache(
  cache: NonNullable<IpcBridgeOptions['cache']>,
  url: string,
  failure: BridgeResponse,
): BridgeResponse {
  const kept = cache.store.get(url);
  if (!kept) return failure;
  const reason =
    (failure.body as { error?: { message?: string } } | null)?.error?.message ??
    'the engine is unavailable';
  return {
    status: 200,
    body: kept.body,
    stale: {
      since: new Date(kept.at).toISOString(),
      ageSeconds: Math.round((cache.now() - kept.at) / 1000),
      reason,
    },
  };
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorResponse(status: number, code: string, message: string): BridgeResponse {
  return { status, body: { error: { code, message, details: [] } } };
}
