import type { Disposable } from '../base/disposable';
import { Emitter } from '../base/emitter';
import type { EngineEvent } from '../domain';

/** One event with its place in the engine's sequence: the SSE `id:` of the event. */
export interface JournaledEvent {
  id: string;
  event: EngineEvent;
}

/**
 * Gives every event of an engine the next id of one sequence, hands it to the subscribers in that
 * order, and keeps the latest ones so that a client reconnecting with `Last-Event-ID` gets exactly
 * what it missed. The in-memory journal serves one engine. For replicas behind a load balancer a
 * shared journal replaces it (a Redis stream: XADD assigns ids, XREAD feeds the subscribers of every
 * replica, XRANGE replays); that is why the reads are asynchronous and the ids opaque strings.
 */
export interface EventJournal {
  /** Records an event; subscribers receive it with its id. */
  append(event: EngineEvent): void;
  /** Receives every appended event, in id order. */
  subscribe(listener: (entry: JournaledEvent) => void): Disposable;
  /** The id of the last event appended, or of the empty sequence before the first. */
  head(): Promise<string>;
  /**
   * The events after `id`, oldest first; `undefined` when that cannot be told — the id belongs to
   * another sequence (another engine, or this one before a restart), lies ahead of it, or is older
   * than what is kept — and the client must reload instead.
   */
  since(id: string): Promise<readonly JournaledEvent[] | undefined>;
}

export interface MemoryEventJournalOptions {
  /** How many of the latest events are kept for replay. */
  capacity?: number;
  /**
   * Tells this sequence from others: ids are `<epoch>-<n>`. The engine passes its start time, so
   * that an id from before a restart is recognised as foreign rather than replayed wrongly.
   */
  epoch: number;
}

/** The default: a bounded ring of the latest events, in memory, for one engine. */
export function createMemoryEventJournal(options: MemoryEventJournalOptions): EventJournal {
  const capacity = options.capacity ?? 1000;
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be at least 1');
  const prefix = `${options.epoch}-`;
  const ring: (JournaledEvent | undefined)[] = new Array<JournaledEvent | undefined>(capacity);
  const emitter = new Emitter<JournaledEvent>();
  let last = 0;

  const seqOf = (id: string): number | undefined => {
    if (!id.startsWith(prefix)) return undefined;
    const rest = id.slice(prefix.length);
    if (!/^(0|[1-9]\d{0,15})$/.test(rest)) return undefined;
    return Number(rest);
  };

  return {
    append(event) {
      last += 1;
      const entry = { id: `${prefix}${last}`, event };
      ring[last % capacity] = entry;
      emitter.emit(entry);
    },
    subscribe: (listener) => emitter.on(listener),
    head: async () => `${prefix}${last}`,
    async since(id) {
      const seq = seqOf(id);
      if (seq === undefined || seq > last || seq < last - capacity) return undefined;
      const missed: JournaledEvent[] = [];
      for (let n = seq + 1; n <= last; n += 1) {
        const entry = ring[n % capacity];
        if (entry) missed.push(entry);
      }
      return missed;
    },
  };
}
