import type { Clock, Disposable } from '../../base';
import type { KubeObject } from '../../kubedb/types';
import { KubeApiError, type KubeHttp } from '../http';
import { LineSplitter } from './line-splitter';

/** One event of a watch stream as the server sends it. */
export interface RawWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: KubeObject;
}

/**
 * Why a watch stream ended. `closed`: the server ended it cleanly (its timeout, a proxy, a restart),
 * so resuming from the last resourceVersion is enough. `gone`: the server no longer has the history
 * after that version (410), so only a new list helps. `silent`: the watchdog found it open but mute.
 * `error`: the connection broke or the stream could not be read. `aborted`: the caller stopped.
 */
export type WatchEnd =
  | { reason: 'closed' | 'silent' | 'aborted'; events: number }
  | { reason: 'gone'; events: number; message: string }
  | { reason: 'error'; events: number; error: Error };

export interface WatchStreamOptions {
  http: KubeHttp;
  path: string;
  query: Record<string, string | number | boolean | undefined>;
  signal: AbortSignal;
  clock: Clock;
  /** No byte for this long ends the stream as `silent`. */
  silenceTimeoutMs: number;
  /** The client's own bound on the stream's life, for servers that ignore `timeoutSeconds`. */
  maxLifetimeMs: number;
  /** Bound on the wait for the response status. */
  connectTimeoutMs: number;
  maxLineBytes?: number;
  /** Called once the server accepted the watch (2xx). */
  onOpen(): void;
  /** Called for each event, bookmarks included, in order. */
  onEvent(event: RawWatchEvent): void;
}

interface StatusObject {
  code?: number;
  reason?: string;
  message?: string;
}

/**
 * Opens one watch and reads it to its end. Opening errors (an HTTP status, an unreachable server)
 * are thrown; once open, every way the stream can end is a `WatchEnd` value, so that the caller's
 * restart policy sees them all in one place.
 */
export async function runWatchStream(options: WatchStreamOptions): Promise<WatchEnd> {
  const { clock, signal } = options;
  const response = await options.http.watch({
    path: options.path,
    query: options.query,
    signal,
    timeoutMs: options.connectTimeoutMs,
  });
  options.onOpen();
  const openedAt = clock.now();
  let lastByteAt = openedAt;
  let events = 0;
  const splitter = new LineSplitter(options.maxLineBytes);

  return new Promise<WatchEnd>((resolve) => {
    let done = false;
    let watchdog: Disposable | undefined;

    const finish = (end: WatchEnd): void => {
      if (done) return;
      done = true;
      void watchdog?.dispose();
      signal.removeEventListener('abort', onAbort);
      response.destroy();
      resolve(end);
    };
    const onAbort = (): void => finish({ reason: 'aborted', events });

    // One timer re-armed for the time left, rather than a new timer for every event.
    const check = (): void => {
      const now = clock.now();
      if (now - openedAt >= options.maxLifetimeMs) return finish({ reason: 'closed', events });
      const quiet = now - lastByteAt;
      if (quiet >= options.silenceTimeoutMs) return finish({ reason: 'silent', events });
      const next = Math.min(
        options.silenceTimeoutMs - quiet,
        options.maxLifetimeMs - (now - openedAt),
      );
      watchdog = clock.setTimeout(check, Math.max(1, next));
    };

    /** Handles one line; returns how the stream ends when the line ends it. */
    const handle = (line: string): WatchEnd | undefined => {
      let event: { type?: string; object?: unknown };
      try {
        event = JSON.parse(line) as { type?: string; object?: unknown };
      } catch {
        return {
          reason: 'error',
          events,
          error: new Error('the watch stream sent a line that is not JSON'),
        };
      }
      if (event.type === 'ERROR') return errorEnd(event.object ?? {}, events);
      if (!isKnownType(event.type) || !isObject(event.object)) {
        return {
          reason: 'error',
          events,
          error: new Error(`the watch stream sent an event of type ${String(event.type)}`),
        };
      }
      events++;
      options.onEvent({ type: event.type, object: event.object });
      return undefined;
    };

    response.on('data', (chunk: Buffer) => {
      if (done) return;
      lastByteAt = clock.now();
      try {
        for (const line of splitter.push(chunk)) {
          const end = handle(line);
          if (end) return finish(end);
          if (done) return;
        }
      } catch (error) {
        finish({ reason: 'error', events, error: error as Error });
      }
    });
    response.on('end', () => {
      const tail = done ? undefined : splitter.flush();
      const end = tail === undefined ? undefined : handle(tail);
      finish(end ?? { reason: 'closed', events });
    });
    response.on('error', (error) => {
      finish(signal.aborted ? { reason: 'aborted', events } : { reason: 'error', events, error });
    });
    // A socket destroyed under the response ends it with 'close' and no 'end'.
    response.on('close', () => {
      finish(
        signal.aborted
          ? { reason: 'aborted', events }
          : { reason: 'error', events, error: new Error('the watch connection was lost') },
      );
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

function isKnownType(type: unknown): type is RawWatchEvent['type'] {
  return type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' || type === 'BOOKMARK';
}

function isObject(value: unknown): value is KubeObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KubeObject).metadata === 'object'
  );
}

/** An ERROR event: 410 (or reason Expired/Gone) asks for a new list; anything else is a failure. */
function errorEnd(status: StatusObject, events: number): WatchEnd {
  const message = typeof status.message === 'string' ? status.message.slice(0, 300) : 'watch error';
  if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') {
    return { reason: 'gone', events, message };
  }
  const code = typeof status.code === 'number' ? status.code : 500;
  return {
    reason: 'error',
    events,
    error: new KubeApiError(code, status.reason ?? String(code), `watch error ${code}: ${message}`),
  };
}
