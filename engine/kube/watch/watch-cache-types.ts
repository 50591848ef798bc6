/** The public shapes of a watch cache: its options, events, states and counters. */
import type { Logger } from 'pino';
import type { BackoffPolicy, Clock } from '../../base';
import type { KubeObject } from '../../kubedb/types';
import type { ClusterClient } from '../cluster-client';
import type { Projection } from './projections';
import type { ReachabilityLog } from '../reachability-log';

/** Options of one cache. Times are injectable so that tests can shorten them. */
export interface WatchCacheOptions {
  client: ClusterClient;
  apiVersion: string;
  kind: string;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
  labelSelector?: string;
  /**
   * What the cache keeps of each object: applied to every object a list or a watch event brings,
   * before it is stored or announced (see `watch/projections.ts`). It must keep name, namespace,
   * uid and resourceVersion, which the cache itself reads. The whole object when absent.
   */
  projection?: Projection;
  /** Objects per list page; 500 by default (a page is parsed in one go on the event loop). */
  pageSize?: number;
  clock?: Clock;
  backoff?: BackoffPolicy;
  /**
   * The shortest server-side bound of a watch (`timeoutSeconds`); each watch asks for a random
   * time between it and twice it, as client-go's reflector does, so that the caches of a fleet,
   * started together, do not all reopen together; 600 s (every reopening is a request).
   */
  watchTimeoutSeconds?: number;
  /**
   * Silence bound, 90 s: an open watch that sends nothing, not even a bookmark, for this long ends,
   * and the cache lists again instead of resuming (a stalling proxy keeps a watch open and silent);
   * so does a cache whose data nothing confirmed for this long (watches that keep failing).
   */
  silenceTimeoutMs?: number;
  /** Interval of the paged poll used when the server forbids watching (or lacks the kind); 30 s. */
  pollIntervalMs?: number;
  /** Bound on the wait for a watch's response status; 15 s. */
  connectTimeoutMs?: number;
  /** Source of jitter; injectable for deterministic tests. */
  random?: () => number;
  logger?: Logger;
  /** Shared by the caches of one cluster, so that an outage is logged once; one of its own if absent. */
  reachability?: ReachabilityLog;
}

/**
 * A change of one object. `old` is the cached copy before it (absent for ADDED); a DELETED found
 * by a re-list carries the last state the cache knew.
 */
export interface CacheChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  old?: KubeObject;
}

/**
 * A change, a completed list (`SYNCED`, after the first list and after every re-list), or a
 * change of the cache's state.
 */
export type CacheEvent =
  CacheChange | { type: 'SYNCED' } | { type: 'STATE'; state: CacheState; reason?: string };

/**
 * `syncing`: listing. `watching`: a watch is open. `backoff`: waiting after a failure.
 * `degraded`: polling, because watching is forbidden or the kind is not served. `stopped`: disposed.
 */
export type CacheState = 'syncing' | 'watching' | 'backoff' | 'degraded' | 'stopped';

/** Counters for health pages, metrics and tests. */
export interface WatchCacheStats {
  /** Lists after the first complete one (410 Gone, a lost continue token); polls are not counted. */
  relists: number;
  /** Watches that ended (closed, silent, failed) and were opened again. */
  watchRestarts: number;
  /** Lists made while degraded. */
  polls: number;
  /** Every request sent: list pages and watch opens. */
  requests: number;
  /** Clock time of the last watch event or bookmark, or of the last poll. */
  lastEventAt: number | null;
  /** `idle` before `start()`. */
  state: CacheState | 'idle';
  reason: string | undefined;
}
