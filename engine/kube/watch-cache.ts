/**
 * A list-and-watch cache of one kind in one cluster, with the engine's own restart policy: the
 * status-sync loop and the reconciler read live state from here instead of polling each database.
 */
import type { Logger } from 'pino';
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  delay,
  Emitter,
  systemClock,
  type BackoffPolicy,
  type Clock,
  type Disposable,
} from '../base';
import type { KubeObject } from '../kubedb/types';
import { KubeApiError } from './http';
import { isUnreachable, ReachabilityLog } from './reachability-log';
import { resourceOf, resourcePath } from './resources';
import { ObjectIndex } from './watch/object-index';
import { runWatchStream, type RawWatchEvent, type WatchEnd } from './watch/watch-stream';
import type {
  CacheEvent,
  CacheState,
  WatchCacheOptions,
  WatchCacheStats,
} from './watch/watch-cache-types';

export type {
  CacheChange,
  CacheEvent,
  CacheState,
  WatchCacheOptions,
  WatchCacheStats,
} from './watch/watch-cache-types';

/** A watch that lived this long or delivered an event was healthy, whatever ended it. */
const HEALTHY_WATCH_MS = 1_000;
/** Cap of the pause after watches the server closes at once, with nothing in them. */
const QUICK_CLOSE_MAX_DELAY_MS = 2_000;
/** Retry-After beyond this is treated as this, so a bad header cannot park the cache for days. */
const MAX_RETRY_AFTER_MS = 600_000;
/** While degraded by a 403, every this many polls try watching again (permissions change). */
const WATCH_RETRY_EVERY_POLLS = 10;
const FORBIDDEN_REASON = 'watching is forbidden; polling';

/**
 * One kind, one cluster, one selector. `start()` lists in pages, then watches from the list's
 * resourceVersion with bookmarks. Restart policy: a watch the server closes resumes from the last
 * resourceVersion seen (events and bookmarks) with no new list; 410 Gone lists again and announces
 * the differences (deletions included) as ordinary changes; errors back off with jitter and honour
 * Retry-After; a watchdog ends a watch that stays silent, and the cache lists again (it does so
 * too whenever nothing confirmed its data for the silence bound); a 403 on watch (list allowed) falls
 * back to a paged poll. Changes are emitted only when an object's resourceVersion differs from the
 * cached one, and only after the cache itself was updated, so listeners may read it.
 */
export class WatchCache implements Disposable {
  private readonly index = new ObjectIndex();
  private readonly emitter = new Emitter<CacheEvent>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: BackoffPolicy;
  private readonly path: string;
  private readonly log: Logger | undefined;
  private readonly reachability: ReachabilityLog;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private disposed = false;
  private listed = false;
  private needList = true;
  private mode: 'watch' | 'poll' = 'watch';
  private resourceVersion = '';
  private failures = 0;
  private gones = 0;
  private quickCloses = 0;
  private counters = { relists: 0, watchRestarts: 0, polls: 0, requests: 0 };
  private lastEventAt: number | null = null;
  private lastConfirmedAt: number | null = null;
  private state: CacheState | 'idle' = 'idle';
  private reason: string | undefined;

  constructor(private readonly options: WatchCacheOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.policy = options.backoff ?? DEFAULT_BACKOFF;
    this.path = resourcePath(resourceOf(options.apiVersion, options.kind), options.namespace);
    this.log = options.logger?.child({ cluster: options.client.label, kind: options.kind });
    this.reachability =
      options.reachability ?? new ReachabilityLog({ logger: this.log, clock: this.clock });
  }

  /**
   * Clock time of the last moment the cache's data was confirmed current: a list completed, or a
   * watch event or bookmark arrived. Null before the first list.
   */
  get confirmedAt(): number | null {
    return this.lastConfirmedAt;
  }

  /** True once the first complete list is in the cache; stays true through later restarts. */
  get synced(): boolean {
    return this.listed;
  }

  /** Starts listing and watching; a second call does nothing. */
  start(): void {
    if (this.loop || this.disposed) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.index.get(namespace, name);
  }

  list(): KubeObject[] {
    return this.index.values();
  }

  /** Subscribes to changes; a listener that throws is logged and does not disturb the others. */
  on(listener: (event: CacheEvent) => void): Disposable {
    return this.emitter.on((event) => {
      try {
        listener(event);
      } catch (error) {
        this.log?.error({ err: error }, 'a watch cache listener failed');
      }
    });
  }

  stats(): WatchCacheStats {
    return {
      ...this.counters,
      lastEventAt: this.lastEventAt,
      state: this.state,
      reason: this.reason,
    };
  }

  /** Aborts the request in flight, clears every timer, and resolves when the loop has ended. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.abort?.abort(new Error('the watch cache was disposed'));
    await this.loop;
    this.setState('stopped');
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let wait: number;
      try {
        wait = await this.step(signal);
      } catch (error) {
        if (signal.aborted) break;
        wait = this.onFailure(error as Error);
      }
      if (wait > 0 && !signal.aborted) await delay(wait, signal, this.clock).catch(() => undefined);
    }
  }

  /** One list or one watch; returns how long to wait before the next. Throws on failure. */
  private async step(signal: AbortSignal): Promise<number> {
    // Watches that keep ending before they deliver anything never trip the watchdog: list again.
    const confirmedAt = this.lastConfirmedAt;
    if (confirmedAt !== null && this.clock.now() - confirmedAt >= this.silenceTimeoutMs)
      this.needList = true;
    if (this.needList) {
      const served = await this.relist(signal);
      if (signal.aborted) return 0;
      if (!served) {
        // Look again later: the CRD may be installed after the cluster was connected.
        this.needList = true;
        this.counters.polls++;
        this.setState(
          'degraded',
          `the cluster does not serve ${this.options.apiVersion} ${this.options.kind}`,
        );
        return this.pollIntervalMs;
      }
      if (this.mode === 'poll') {
        this.counters.polls++;
        this.lastEventAt = this.clock.now();
        this.setState('degraded', FORBIDDEN_REASON);
        if (this.counters.polls % WATCH_RETRY_EVERY_POLLS !== 0) {
          this.needList = true;
          return this.pollIntervalMs;
        }
      }
    }
    const openedAt = { value: 0 };
    let end: WatchEnd;
    try {
      end = await this.watchOnce(signal, openedAt);
    } catch (error) {
      if (error instanceof KubeApiError && error.httpStatus === 403) return this.degrade(error);
      throw error;
    }
    if (end.reason === 'aborted') return 0;
    this.counters.watchRestarts++;
    const healthy = end.events > 0 || this.clock.now() - openedAt.value >= HEALTHY_WATCH_MS;
    if (healthy) {
      this.failures = 0;
      this.gones = 0;
      this.quickCloses = 0;
    }
    switch (end.reason) {
      case 'gone':
        this.log?.info({ message: end.message }, 'watch history expired; listing again');
        return this.afterGone();
      case 'silent':
        // Resuming would trust a path that delivers nothing: list again to see what was missed.
        this.needList = true;
        this.log?.warn({ silenceTimeoutMs: this.silenceTimeoutMs }, 'watch silent; listing again');
        return 0;
      case 'error':
        throw end.error;
      case 'closed':
        if (healthy) return 0;
        // A server that closes every watch at once must not turn into a request loop.
        this.quickCloses++;
        return Math.min(
          backoffDelay(this.quickCloses, this.policy, this.random),
          QUICK_CLOSE_MAX_DELAY_MS,
        );
    }
  }

  /** Lists every page, then swaps the cache and announces the differences. False: not served. */
  private async relist(signal: AbortSignal): Promise<boolean> {
    // A poll keeps the state `degraded`; a list to (re)start watching is `syncing`.
    if (this.state !== 'degraded') this.setState('syncing');
    const items: KubeObject[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      this.counters.requests++;
      const page = await this.options.client.list(this.options.apiVersion, this.options.kind, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        limit: this.options.pageSize ?? 500,
        continue: token,
        signal,
      });
      // Every page answers with the first page's version: the snapshot the watch resumes from.
      if (token === undefined) resourceVersion = page.resourceVersion;
      // Projected page by page, so that no more than one page of whole objects is held at once.
      for (const item of page.items) items.push(this.project(item));
      token = page.continue ?? undefined;
    } while (token !== undefined && !signal.aborted);
    if (signal.aborted) return true;
    // The client maps 404 to an empty page with no version: the kind is not installed (yet).
    const served = resourceVersion !== '';
    if (served && this.listed && this.mode === 'watch') this.counters.relists++;
    this.needList = false;
    this.failures = 0;
    this.reachability.succeeded();
    this.resourceVersion = resourceVersion;
    this.lastConfirmedAt = this.clock.now();
    const changes = this.index.replace(items);
    const first = !this.listed;
    this.listed = true;
    for (const change of changes) this.emitter.emit(change);
    if (first || changes.length > 0 || (served && this.mode === 'watch')) {
      this.emitter.emit({ type: 'SYNCED' });
    }
    return served;
  }

  private async watchOnce(signal: AbortSignal, openedAt: { value: number }): Promise<WatchEnd> {
    const timeoutSeconds = Math.round(
      (this.options.watchTimeoutSeconds ?? 600) * (1 + this.random()),
    );
    this.counters.requests++;
    return runWatchStream({
      http: this.options.client.http,
      path: this.path,
      query: {
        watch: 'true',
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds,
        labelSelector: this.options.labelSelector,
      },
      signal,
      clock: this.clock,
      silenceTimeoutMs: this.silenceTimeoutMs,
      // The server should end the watch itself; this catches one that does not.
      maxLifetimeMs: timeoutSeconds * 1000 + 30_000,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 15_000,
      onOpen: () => {
        openedAt.value = this.clock.now();
        this.reachability.succeeded();
        if (this.mode === 'poll') this.log?.info('watching is allowed again; leaving the poll');
        this.mode = 'watch';
        this.setState('watching');
      },
      onEvent: (event) => this.onEvent(event),
    });
  }

  private onEvent(event: RawWatchEvent): void {
    this.lastEventAt = this.clock.now();
    this.lastConfirmedAt = this.lastEventAt;
    const version = event.object.metadata.resourceVersion;
    if (version) this.resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    const change = this.index.apply(event.type, this.project(event.object));
    if (change) this.emitter.emit(change);
  }

  /** Watching is forbidden but listing is not: poll in pages instead. */
  private degrade(error: KubeApiError): number {
    if (this.mode !== 'poll') {
      this.log?.warn({ err: error }, 'watching is forbidden; polling instead');
    }
    this.mode = 'poll';
    this.needList = true;
    this.setState('degraded', FORBIDDEN_REASON);
    // The list just made is current: the first poll can wait its interval.
    return this.pollIntervalMs;
  }

  /**
   * A version (or continue token) too old: a fresh list is the cure, at once the first time. A
   * server that keeps answering 410 right after a list gets the usual backoff, not a list loop.
   */
  private afterGone(): number {
    this.needList = true;
    this.gones++;
    if (this.gones === 1) return 0;
    const wait = backoffDelay(this.gones - 1, this.policy, this.random);
    this.setState('backoff', 'the server keeps answering 410 Gone');
    return wait;
  }

  /** Decides the pause after a failure: 410 lists again, anything else backs off with jitter. */
  private onFailure(error: Error): number {
    if (error instanceof KubeApiError && error.httpStatus === 410) return this.afterGone();
    this.failures++;
    let wait = backoffDelay(this.failures, this.policy, this.random);
    if (error instanceof KubeApiError && error.retryAfterSeconds !== undefined) {
      wait = Math.max(wait, Math.min(error.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS));
    }
    this.setState('backoff', error.message);
    if (isUnreachable(error)) this.reachability.failed(error);
    else
      this.log?.warn(
        { err: error, failures: this.failures, waitMs: wait },
        'watch cache backs off',
      );
    return wait;
  }

  private project(object: KubeObject): KubeObject {
    return this.options.projection ? this.options.projection(object) : object;
  }

  private get silenceTimeoutMs(): number {
    return this.options.silenceTimeoutMs ?? 90_000;
  }

  private get pollIntervalMs(): number {
    return this.options.pollIntervalMs ?? 30_000;
  }

  private setState(state: CacheState, reason?: string): void {
    if (this.state === state && this.reason === reason) return;
    this.state = state;
    this.reason = reason;
    this.emitter.emit(
      reason === undefined ? { type: 'STATE', state } : { type: 'STATE', state, reason },
    );
  }
}
