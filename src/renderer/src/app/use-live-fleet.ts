import { useEffect } from 'react';
import { STREAM_RESET_EVENT, type ApiClient, type StreamState } from '../api';
import { isUnreachable, useFleetStore, useToastStore } from '../stores';

const OFFLINE_PING_MS = 5000;
/** Changed databases are collected this long before they are re-read. */
const REREAD_DELAY_MS = 200;
/** At most one batched re-read this often: 200 creates a minute cost ~20 reads, not 200. */
const REREAD_INTERVAL_MS = 3000;
/** After a refused or failed re-read: wait, doubling, up to the last; then say so and stop. */
const REREAD_RETRY_MS = [5_000, 10_000, 20_000, 30_000, 30_000, 30_000];

/**
 * Collects the ids of databases that events could not update by themselves and re-reads them
 * in one batched request (`?ids=`), at most every few seconds. A refused re-read (429) or a
 * failure keeps the ids and tries again with backoff; after the last try the list shows the error
 * instead of silently missing databases.
 */
export function createRereadBatcher(
  client: ApiClient,
  fleet: Pick<typeof useFleetStore, 'getState' | 'setState'> = useFleetStore,
  now: () => number = Date.now,
): { add: (id: string) => void; stop: () => void } {
  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;
  let stopped = false;
  let lastAt = -Infinity;
  let failures = 0;
  const schedule = (delay: number): void => {
    if (timer !== null || running || stopped || pending.size === 0) return;
    timer = setTimeout(flush, delay);
  };
  const nextDelay = (): number => Math.max(REREAD_DELAY_MS, lastAt + REREAD_INTERVAL_MS - now());
  const flush = (): void => {
    timer = null;
    const ids = [...pending];
    pending.clear();
    running = true;
    lastAt = now();
    fleet
      .getState()
      .refreshDatabases(client, ids)
      .then(() => {
        failures = 0;
        running = false;
        schedule(nextDelay());
      })
      .catch((error: unknown) => {
        running = false;
        for (const id of ids) pending.add(id);
        const wait = REREAD_RETRY_MS[failures++];
        if (wait === undefined) {
          pending.clear();
          failures = 0;
          fleet.setState({ loadError: error as Error });
          return;
        }
        schedule(wait);
      });
  };
  return {
    add(id) {
      pending.add(id);
      schedule(nextDelay());
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    },
  };
}

/**
 * Keeps the fleet store live: the last snapshot first (so an unreachable API still shows something),
 * then a full load, then the event stream. A reconnecting stream replays what it missed
 * (`Last-Event-ID`); only when it cannot (`stream.reset`), or the API answers again after being
 * unreachable, is everything reloaded.
 */
export function useLiveFleet(client: ApiClient, streamState: StreamState | null): void {
  const online = useFleetStore((s) => s.online);

  const loadAll = (): void => {
    const fleet = useFleetStore.getState();
    void fleet.loadProviders(client);
    void fleet.loadDatabases(client);
    void fleet.loadOperations(client);
  };

  useEffect(() => {
    useFleetStore.getState().restore();
    loadAll();
    const rereads = createRereadBatcher(client);
    const unsubscribe = client.onEvent((event) => {
      if (event.type === STREAM_RESET_EVENT) {
        loadAll();
        return;
      }
      const fleet = useFleetStore.getState();
      const result = fleet.applyEvent(event);
      if (result.finished) {
        const op = result.finished;
        const name = fleet.databases.get(op.databaseId)?.name ?? 'a database';
        useToastStore
          .getState()
          .push(
            `${op.type} of ${name} ${op.status.toLowerCase()}`,
            op.status === 'SUCCEEDED' ? 'ok' : 'error',
          );
        rereads.add(op.databaseId);
      }
      if (result.refresh) rereads.add(result.refresh);
    });
    const persist = (): void => useFleetStore.getState().persist();
    const persistTimer = setInterval(persist, 30_000);
    // The last known state must survive the tab going away, for the next (perhaps offline) start.
    window.addEventListener('pagehide', persist);
    return () => {
      unsubscribe();
      clearInterval(persistTimer);
      window.removeEventListener('pagehide', persist);
      rereads.stop();
    };
  }, [client]);

  // When the stream drops, ask whether the API still answers, so that the page can say its data is
  // stale. What was missed meanwhile comes with the reconnection, or a `stream.reset` reloads it.
  useEffect(() => {
    if (streamState === 'closed') {
      client
        .request('GET', '/api/v1/health')
        .then(() => useFleetStore.getState().reachable(true))
        .catch((error: unknown) => {
          if (isUnreachable(error)) useFleetStore.getState().reachable(false);
        });
    }
  }, [streamState]);

  // While the API is unreachable, ask for its health every few seconds; reload when it answers.
  useEffect(() => {
    if (online) return;
    const timer = setInterval(() => {
      client
        .request('GET', '/api/v1/health')
        .then(() => {
          useFleetStore.getState().reachable(true);
          loadAll();
        })
        .catch(() => undefined);
    }, OFFLINE_PING_MS);
    return () => clearInterval(timer);
  }, [online, client]);
}
