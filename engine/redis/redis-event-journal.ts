import type { Redis } from 'ioredis';
import { backoffDelay, Emitter, type Disposable } from '../base';
import type { EngineEvent } from '../domain';
import type { EventJournal, JournaledEvent } from '../services/events';
import { REDIS_RECONNECT_BACKOFF, type RedisConnections } from './connection';

/**
 * The shared mode's event journal: one Redis stream for every replica. `append` is an XADD (the
 * stream assigns the id, so every replica numbers an event the same way); each replica reads the
 * stream with a blocking XREAD and hands what it reads to its subscribers, in stream order, so an
 * SSE client on any replica gets every replica's events in one order. `since` replays with XRANGE
 * and knows from XINFO whether a trim or a delete removed something after the client's id (then it
 * answers `undefined`: reload).
 */
export interface RedisEventJournalOptions {
  connections: RedisConnections;
  /** Roughly how many of the latest events the stream keeps (XADD MAXLEN ~). Default 10,000. */
  capacity?: number;
  /** Bound of one blocking read; the reader loop checks for stop between reads. Default 1 s. */
  blockMs?: number;
  /** Receives what fails (a lost XADD, a read error the loop survives by retrying with backoff). */
  onError?: (error: unknown, what: string) => void;
}

/** A stream id (`<ms>-<seq>`), as Redis writes it. */
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

function compareIds(a: string, b: string): number {
  const [, am = '0', as = '0'] = STREAM_ID.exec(a) ?? [];
  const [, bm = '0', bs = '0'] = STREAM_ID.exec(b) ?? [];
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

type StreamEntry = [id: string, fields: string[]];

function decode([id, fields]: StreamEntry): JournaledEvent | undefined {
  const at = fields.indexOf('e');
  const raw = at >= 0 ? fields[at + 1] : undefined;
  if (raw === undefined) return undefined;
  try {
    return { id, event: JSON.parse(raw) as EngineEvent };
  } catch {
    return undefined;
  }
}

/** XINFO STREAM's flat reply as a map (only the scalar fields are used). */
function infoField(reply: unknown, name: string): unknown {
  if (!Array.isArray(reply)) return undefined;
  for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] === name) return reply[i + 1];
  return undefined;
}

export function createRedisEventJournal(
  options: RedisEventJournalOptions,
): EventJournal & Disposable {
  const capacity = options.capacity ?? 10_000;
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be at least 1');
  const blockMs = options.blockMs ?? 1_000;
  const key = options.connections.key('events');
  const writer = options.connections.open('event journal (writer)');
  // A blocking read holds its connection: the reader has one of its own, waiting through outages.
  const reader: Redis = options.connections.open('event journal (reader)', {
    maxRetriesPerRequest: null,
  });
  const emitter = new Emitter<JournaledEvent>();
  const report = (error: unknown, what: string): void => options.onError?.(error, what);
  let stopped = false;
  let appends: Promise<unknown> = Promise.resolve();

  const head = async (): Promise<string> => {
    const last = (await writer.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return last[0]?.[0] ?? '0-0';
  };

  // The reader starts at the head as it is now: what was appended before is history (replay).
  const started = head();
  const loop = (async () => {
    let position: string;
    try {
      position = await started;
    } catch (error) {
      report(error, 'read the event stream head');
      position = '$';
    }
    let failures = 0;
    while (!stopped) {
      try {
        const reply = await reader.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', key, position);
        failures = 0;
        for (const [, entries] of reply ?? []) {
          for (const entry of entries) {
            position = entry[0];
            const decoded = decode(entry);
            if (decoded) emitter.emit(decoded);
          }
        }
      } catch (error) {
        if (stopped) break;
        failures += 1;
        report(error, 'read the event stream');
        await new Promise((resolve) =>
          setTimeout(resolve, backoffDelay(failures, REDIS_RECONNECT_BACKOFF)),
        );
      }
    }
  })();

  return {
    append(event) {
      // One connection, one pipeline of XADDs: this replica's events keep their order.
      appends = writer
        .xadd(key, 'MAXLEN', '~', String(capacity), '*', 'e', JSON.stringify(event))
        .catch((error: unknown) => report(error, `publish ${event.type}`));
    },
    subscribe: (listener) => emitter.on(listener),
    head,
    async since(id) {
      if (!STREAM_ID.test(id)) return undefined;
      const [info, last] = await Promise.all([
        writer.call('XINFO', 'STREAM', key).catch(() => null),
        head(),
      ]);
      if (compareIds(id, last) > 0) return undefined;
      // An XDEL removed an event after `id`: what the client missed is not all here.
      const deleted = infoField(info, 'max-deleted-entry-id');
      if (typeof deleted === 'string' && compareIds(deleted, id) > 0) return undefined;
      // The MAXLEN trim removed the oldest: an id before the first kept one may have missed some.
      const trimmed = Number(infoField(info, 'entries-added')) > Number(infoField(info, 'length'));
      const first = infoField(info, 'recorded-first-entry-id');
      if (trimmed && typeof first === 'string' && compareIds(id, first) < 0) return undefined;
      const entries = (await writer.xrange(key, `(${id}`, last)) as StreamEntry[];
      return entries.map(decode).filter((e): e is JournaledEvent => e !== undefined);
    },
    async dispose() {
      stopped = true;
      await appends;
      // Ends the blocking read now rather than when its block runs out.
      reader.disconnect();
      await loop;
    },
  };
}
