import type { BridgeEvent } from '../ipc';

/**
 * A server-sent-events parser over a byte stream. `fetch` plus this replaces EventSource, which
 * cannot send an Authorization header.
 */
export class SseParser {
  private buffer = '';
  private type = 'message';
  private data: string[] = [];
  private idBuffer: string | undefined;

  /**
   * @param lastEventId where a previous connection stopped; the stream's `id:` fields move it on,
   * also when a message carries no data (the server states its position that way).
   */
  constructor(
    private readonly emit: (event: BridgeEvent) => void,
    public lastEventId?: string,
  ) {
    this.idBuffer = lastEventId;
  }

  /** Feeds decoded text; complete events are emitted as they end. */
  push(text: string): void {
    this.buffer += text;
    let newline = this.buffer.search(/\r?\n/);
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline);
      const skip = this.buffer[newline] === '\r' ? 2 : 1;
      this.buffer = this.buffer.slice(newline + skip);
      this.line(line);
      newline = this.buffer.search(/\r?\n/);
    }
  }

  private line(line: string): void {
    if (line === '') {
      this.lastEventId = this.idBuffer;
      if (this.data.length > 0) {
        const raw = this.data.join('\n');
        try {
          this.emit({ type: this.type, data: JSON.parse(raw) as unknown });
        } catch {
          // A malformed event is dropped; the next refresh corrects the view.
        }
      }
      this.type = 'message';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    // A NUL in an id is ignored, as the SSE specification says.
    else if (field === 'id' && !value.includes('\0')) this.idBuffer = value;
  }
}

/**
 * The event that tells the owner of a stream to reload what it shows: the daemon no longer knows
 * the events after the last one received, or there was no position to resume from.
 */
export const STREAM_RESET_EVENT = 'stream.reset';

/** What an event stream tells its owner about the connection. */
export type StreamState = 'connecting' | 'open' | 'closed';

export interface EventStreamOptions {
  url: string;
  fetchImpl: typeof fetch;
  /** Headers for each (re)connection, e.g. a fresh Authorization header. */
  headers: () => Promise<Record<string, string>>;
  onEvent: (event: BridgeEvent) => void;
  onState?: (state: StreamState) => void;
  /** Called on a 401; resolves true when new credentials are worth a retry. */
  onUnauthorized?: () => Promise<boolean>;
  /** Delays between reconnections, in ms. */
  backoffMs?: readonly number[];
}

/**
 * Opens a reconnecting event stream; returns the function that closes it for good. A reconnection
 * sends `Last-Event-ID`, so the daemon replays what was missed; when it cannot, the owner gets a
 * `stream.reset` event (from the daemon, or made here when there was no id yet) and reloads.
 */
export function openEventStream(options: EventStreamOptions): () => void {
  const controller = new AbortController();
  const backoff = options.backoffMs ?? [500, 1000, 2000, 5000, 10_000];
  let failures = 0;
  /** A stream was open or failed before: events may have been missed since. */
  let interrupted = false;
  let lastEventId: string | undefined;

  const wait = (ms: number): Promise<void> =>
    new Promise((done) => {
      const timer = setTimeout(done, ms);
      controller.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        done();
      });
    });

  const connectOnce = async (): Promise<void> => {
    options.onState?.('connecting');
    const reconnecting = interrupted;
    const resumeFrom = lastEventId;
    const response = await options.fetchImpl(options.url, {
      headers: {
        accept: 'text/event-stream',
        ...(resumeFrom === undefined ? {} : { 'last-event-id': resumeFrom }),
        ...(await options.headers()),
      },
      signal: controller.signal,
    });
    if (response.status === 401 && options.onUnauthorized) {
      const retry = await options.onUnauthorized();
      if (!retry) throw new Error('unauthorized');
      return;
    }
    if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
    options.onState?.('open');
    failures = 0;
    interrupted = true;
    if (reconnecting && resumeFrom === undefined) {
      options.onEvent({ type: STREAM_RESET_EVENT, data: { reason: 'no position to resume from' } });
    }
    const parser = new SseParser(options.onEvent, resumeFrom);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        lastEventId = parser.lastEventId;
      }
    } finally {
      lastEventId = parser.lastEventId;
    }
  };

  void (async () => {
    while (!controller.signal.aborted) {
      try {
        await connectOnce();
      } catch {
        failures += 1;
        interrupted = true;
      }
      if (controller.signal.aborted) break;
      options.onState?.('closed');
      await wait(backoff[Math.min(failures, backoff.length - 1)] ?? 1000);
    }
  })();

  return () => controller.abort();
}
