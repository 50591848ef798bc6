import { useEffect, useRef } from 'react';
import type { ApiClient, StreamState } from '../api';
import { isUnreachable, useFleetStore, useToastStore } from '../stores';

const OFFLINE_PING_MS = 5000;

/**
 * Keeps the fleet store live: the last snapshot first (so an unreachable API still shows something),
 * then a full load, then the event stream. Missed events are made up by reloading after the
 * stream reconnects or the API answers again.
 */
export function useLiveFleet(client: ApiClient, streamState: StreamState | null): void {
  const online = useFleetStore((s) => s.online);
  /** The stream was open, or failed, since the page loaded: its next opening may follow missed events. */
  const mayHaveMissed = useRef(false);

  const loadAll = (): void => {
    const fleet = useFleetStore.getState();
    void fleet.loadProviders(client);
    void fleet.loadDatabases(client);
    void fleet.loadOperations(client);
  };

  useEffect(() => {
    useFleetStore.getState().restore();
    loadAll();
    const pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = client.onEvent((event) => {
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
        pending.add(op.databaseId);
      }
      if (result.refresh) pending.add(result.refresh);
      if (pending.size > 0 && timer === null) {
        timer = setTimeout(() => {
          timer = null;
          const ids = [...pending];
          pending.clear();
          for (const id of ids) void useFleetStore.getState().refreshDatabase(client, id);
        }, 200);
      }
    });
    const persist = (): void => useFleetStore.getState().persist();
    const persistTimer = setInterval(persist, 30_000);
    // The last known state must survive the tab going away, for the next (perhaps offline) start.
    window.addEventListener('pagehide', persist);
    return () => {
      unsubscribe();
      clearInterval(persistTimer);
      window.removeEventListener('pagehide', persist);
      if (timer) clearTimeout(timer);
    };
  }, [client]);

  // After the stream dropped and came back — or first opened after failing, as when the page loaded
  // offline — events may have been missed: reload once. When it drops, ask whether the API still
  // answers, so that the page can say its data is stale.
  useEffect(() => {
    if (streamState === 'open') {
      if (mayHaveMissed.current) loadAll();
      mayHaveMissed.current = true;
    } else if (streamState === 'closed') {
      mayHaveMissed.current = true;
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
