import { describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../ipc';
import { STREAM_RESET_EVENT, SseParser, openEventStream } from './sse';

describe('the server-sent events parser', () => {
  it('emits typed events across chunk boundaries and skips comments', () => {
    const events: BridgeEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.push(': connected\n\nid: 1\nevent: database.status\nda');
    parser.push('ta: {"id":"a","status":"RUNNING"}\n');
    expect(events).toEqual([]);
    parser.push('\n: heartbeat\n\nevent: operation.progress\r\ndata: {"progress":50}\r\n\r\n');
    expect(events).toEqual([
      { type: 'database.status', data: { id: 'a', status: 'RUNNING' } },
      { type: 'operation.progress', data: { progress: 50 } },
    ]);
  });

  it('drops a malformed event and goes on', () => {
    const events: BridgeEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.push('event: x\ndata: {not json\n\nevent: y\ndata: 1\n\n');
    expect(events).toEqual([{ type: 'y', data: 1 }]);
  });

  it('keeps the last event id, also from a message without data', () => {
    const parser = new SseParser(() => undefined, '5-1');
    expect(parser.lastEventId).toBe('5-1');
    parser.push('id: 5-2\nevent: x\ndata: 1\n\n');
    expect(parser.lastEventId).toBe('5-2');
    parser.push('id: 5-9\n\n: heartbeat\n\n');
    expect(parser.lastEventId).toBe('5-9');
    parser.push('id: 5-10\n');
    expect(parser.lastEventId).toBe('5-9');
  });
});

describe('a reconnecting event stream', () => {
  /** A server that answers each connection with the next script and then ends it. */
  function scriptedFetch(scripts: string[]) {
    const seen: (string | undefined)[] = [];
    const fetchImpl = (async (_url: string, init?: RequestInit) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      seen.push(headers['last-event-id']);
      const text = scripts.shift();
      if (text === undefined) return new Promise<Response>(() => undefined);
      return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }) as typeof fetch;
    return { fetchImpl, seen };
  }

  async function until(test: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!test()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it("sends Last-Event-ID on reconnecting and passes the daemon's reset on", async () => {
    const { fetchImpl, seen } = scriptedFetch([
      ': connected\n\nid: 3-4\n\nid: 3-5\nevent: x\ndata: 1\n\n',
      'id: 3-9\nevent: stream.reset\ndata: {"reason":"gone"}\n\nid: 3-9\n\n',
    ]);
    const events: BridgeEvent[] = [];
    const close = openEventStream({
      url: '/events',
      fetchImpl,
      headers: async () => ({}),
      onEvent: (event) => events.push(event),
      backoffMs: [1],
    });
    await until(() => seen.length === 3);
    close();
    expect(seen).toEqual([undefined, '3-5', '3-9']);
    expect(events).toEqual([
      { type: 'x', data: 1 },
      { type: STREAM_RESET_EVENT, data: { reason: 'gone' } },
    ]);
  });

  it('tells its owner to reload when it reconnects with no position to resume from', async () => {
    const { fetchImpl, seen } = scriptedFetch([': connected\n\n', ': connected\n\n']);
    const events: BridgeEvent[] = [];
    const close = openEventStream({
      url: '/events',
      fetchImpl,
      headers: async () => ({}),
      onEvent: (event) => events.push(event),
      backoffMs: [1],
    });
    await until(() => seen.length === 3);
    close();
    expect(seen).toEqual([undefined, undefined, undefined]);
    expect(events.map((event) => event.type)).toEqual([STREAM_RESET_EVENT]);
  });
});
