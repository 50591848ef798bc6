import {
  EVENT_CHANNEL,
  REQUEST_CHANNEL,
  SETTINGS_CHANNEL,
  parseBridgeRequest,
  type BridgeEvent,
  type BridgeRequest,
  type BridgeResponse,
  type SettingsAnswer,
  type SettingsView,
} from '../shared/ipc';
import type { OfflineCache } from './offline-cache';
import { errorAnswer } from '../shared/api/client';
import { BackendUnavailableError } from './backends';
import type { IpcMainLike, WebContentsLike } from './electron-types';

export interface IpcBridgeOptions {
  ipcMain: IpcMainLike;
  /**
   * Answers a request (the embedded engine or a remote daemon, which add the identity themselves:
   * the page cannot choose headers); rejects when nothing answered.
   */
  send: (request: BridgeRequest) => Promise<{ status: number; body: unknown }>;
  /** True only for the app's own page in the app's own window. */
  isTrustedSender: (senderId: number, frameUrl: string | undefined) => boolean;
  /** The offline cache, and which requests it may keep (never credentials). */
  cache?: {
    store: OfflineCache;
    isCacheable: (method: string, url: string) => boolean;
    now: () => number;
  };
}

/**
 * Answers `dbaas:request` by handing the request to the running backend. The page cannot choose
 * headers, so it cannot claim another identity; senders other than our window are refused before
 * anything runs.
 */
export function registerIpcBridge(options: IpcBridgeOptions): { dispose(): void } {
  options.ipcMain.handle(REQUEST_CHANNEL, async (event, raw): Promise<BridgeResponse> => {
    if (!options.isTrustedSender(event.sender.id, event.senderFrame?.url)) {
      return errorAnswer(403, 'FORBIDDEN', 'this window may not call the engine');
    }
    const request = parseBridgeRequest(raw);
    if (!request) return errorAnswer(400, 'BAD_REQUEST', 'malformed bridge request');
    const cache =
      options.cache && options.cache.isCacheable(request.method, request.url)
        ? options.cache
        : undefined;
    let answer: BridgeResponse;
    try {
      answer = await options.send(request);
    } catch (error) {
      const reason =
        error instanceof BackendUnavailableError ? error.message : 'the engine did not answer';
      answer = errorAnswer(503, 'UNAVAILABLE', reason);
    }
    if (cache && answer.status >= 200 && answer.status < 300)
      cache.store.put(request.url, answer.body, cache.now());
    if (cache && answer.status === 503) return fromCache(cache, request.url, answer);
    return answer;
  });
  return { dispose: () => options.ipcMain.removeHandler(REQUEST_CHANNEL) };
}

export interface SettingsBridgeOptions {
  ipcMain: IpcMainLike;
  isTrustedSender: (senderId: number, frameUrl: string | undefined) => boolean;
  view: () => SettingsView;
  save: (settings: unknown) => Promise<SettingsAnswer>;
}

/** Answers `dbaas:settings` (read, or save and apply) for the app's own window only. */
export function registerSettingsBridge(options: SettingsBridgeOptions): { dispose(): void } {
  options.ipcMain.handle(SETTINGS_CHANNEL, async (event, raw): Promise<SettingsAnswer> => {
    if (!options.isTrustedSender(event.sender.id, event.senderFrame?.url))
      return {
        ok: false,
        ...errorAnswer(403, 'FORBIDDEN', 'this window may not change settings'),
      };
    const request = (raw ?? {}) as { action?: unknown; settings?: unknown };
    if (request.action === 'get') return { ok: true, view: options.view() };
    if (request.action === 'save') return options.save(request.settings);
    return { ok: false, ...errorAnswer(400, 'BAD_REQUEST', 'malformed settings request') };
  });
  return { dispose: () => options.ipcMain.removeHandler(SETTINGS_CHANNEL) };
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
