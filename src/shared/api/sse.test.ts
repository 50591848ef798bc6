import { describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../ipc';
import { SseParser } from './sse';

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
});
