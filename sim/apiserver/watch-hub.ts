/**
 * Watch fan-out and resume history. Each committed change is serialised once into a watch line and
 * that same string goes to every matching watcher; a bounded ring per resource keeps recent events
 * so a watch can resume from a resourceVersion, and answers "gone" once it has been overwritten.
 */
import type { KubeObject, WatchEventType } from '../core/contract';
import type { Entry } from './object-store';

/** One committed change in the history of a resource. */
export interface HubEvent {
  rv: number;
  type: WatchEventType;
  entry: Entry;
  old?: KubeObject;
  line?: string;
  bytes?: Buffer;
}

/** One open watch (an HTTP stream or an in-process listener). */
export interface HubWatcher {
  namespace?: string;
  /** Whether an object passes this watcher's label/field selectors. */
  matches(object: KubeObject): boolean;
  /** Sends one serialised event line (ending in "\n"); `bytes` is the same line, encoded once for all. */
  send(line: string, bytes?: Buffer): void;
}

/** The shared serialised line of an event. */
export function eventLine(event: HubEvent): string {
  event.line ??= `{"type":"${event.type}","object":${event.entry.json}}\n`;
  return event.line;
}

/** The shared UTF-8 bytes of an event's line: encoded once, written to every watcher. */
export function eventBytes(event: HubEvent): Buffer {
  event.bytes ??= Buffer.from(eventLine(event), 'utf8');
  return event.bytes;
}

class Ring {
  events: HubEvent[] = [];
  start = 0;
  evictedRv = 0;
  constructor(readonly capacity: number) {}

  push(e: HubEvent): void {
    this.events.push(e);
    if (this.events.length - this.start > this.capacity) {
      this.evictedRv = (this.events[this.start] as HubEvent).rv;
      this.events[this.start] = undefined as unknown as HubEvent;
      this.start++;
      // Compact now and then so the array does not grow without bound.
      if (this.start > this.capacity) {
        this.events = this.events.slice(this.start);
        this.start = 0;
      }
    }
  }

  since(rv: number): HubEvent[] | 'gone' {
    if (rv < this.evictedRv) return 'gone';
    let lo = this.start;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid] as HubEvent).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo);
  }
}

/** Watchers and history of every resource. */
export class WatchHub {
  private readonly rings = new Map<string, Ring>();
  private readonly watchers = new Map<string, Set<HubWatcher>>();

  constructor(private readonly capacity: number) {}

  /** Records a committed change and delivers it to the matching watchers. */
  publish(key: string, event: HubEvent): void {
    let ring = this.rings.get(key);
    if (!ring) {
      ring = new Ring(this.capacity);
      this.rings.set(key, ring);
    }
    ring.push(event);
    const set = this.watchers.get(key);
    if (!set || set.size === 0) return;
    for (const w of set) deliver(w, event);
  }

  /** Events of a resource after `rv`, or "gone" when some of them have been dropped. */
  since(key: string, rv: number): HubEvent[] | 'gone' {
    return this.rings.get(key)?.since(rv) ?? [];
  }

  add(key: string, watcher: HubWatcher): () => void {
    let set = this.watchers.get(key);
    if (!set) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(watcher);
    return () => set.delete(watcher);
  }

  /** Forgets a resource's history (its CRD was deleted). */
  drop(key: string): void {
    this.rings.delete(key);
  }
}

/**
 * Sends an event to one watcher, translating it the way the watch cache does for filtered watches:
 * an object that stops matching arrives as DELETED, one that starts matching as ADDED.
 */
export function deliver(w: HubWatcher, event: HubEvent): void {
  const obj = event.entry.object;
  if (w.namespace !== undefined && (obj.metadata.namespace ?? '') !== w.namespace) return;
  const now = w.matches(obj);
  if (event.type !== 'MODIFIED' || !event.old) {
    if (now) w.send(eventLine(event), eventBytes(event));
    return;
  }
  const before = w.matches(event.old);
  if (now && before) w.send(eventLine(event), eventBytes(event));
  else if (now) w.send(`{"type":"ADDED","object":${event.entry.json}}\n`);
  else if (before) {
    const old = {
      ...event.old,
      metadata: { ...event.old.metadata, resourceVersion: String(event.rv) },
    };
    w.send(`{"type":"DELETED","object":${JSON.stringify(old)}}\n`);
  }
}
