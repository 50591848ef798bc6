import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  backupsApi,
  type ApiClient,
  type BackupEstateResponse,
  type RestoreDrillResponse,
} from '../../api';

/** Reads of the estate (every cluster's KubeStash objects) after events no more often than this. */
export const ESTATE_MIN_INTERVAL_MS = 30_000;

/** One read of the page: the last answer that came, and why the newest read failed (if it did). */
export interface Read<T> {
  /** The last good answer; null until one came. */
  value: T | null;
  /** Why the newest read failed; null when it succeeded (or has not finished yet). */
  error: unknown;
  /** When `value` was read (ms since epoch); null until then. */
  readAt: number | null;
}

/** What the Backups page shows: the estate and the drills, each read on its own. */
export interface EstateState {
  estate: Read<BackupEstateResponse>;
  drills: Read<RestoreDrillResponse[]>;
  /** A read is under way. */
  reading: boolean;
  /** Reads both again now (after an action or on the Refresh button). */
  reload: () => Promise<void>;
}

const EMPTY: Read<never> = { value: null, error: null, readAt: null };

/**
 * Loads the backup estate and the restore drills, and loads them again after a `backup.status`
 * event — at most every 30 s, like the dashboard's count, since one read lists the KubeStash objects
 * of every cluster. A failed read keeps the last answer (shown as stale) and says why.
 */
export function useEstate(client: ApiClient): EstateState {
  const api = useMemo(() => backupsApi(client), [client]);
  const [estate, setEstate] = useState<Read<BackupEstateResponse>>(EMPTY);
  const [drills, setDrills] = useState<Read<RestoreDrillResponse[]>>(EMPTY);
  const [reading, setReading] = useState(true);
  const alive = useRef(true);
  const last = useRef(0);

  const reload = useCallback(async () => {
    last.current = Date.now();
    setReading(true);
    const [e, d] = await Promise.allSettled([api.estate(), api.drills()]);
    if (!alive.current) return;
    const now = Date.now();
    setEstate((old) =>
      e.status === 'fulfilled'
        ? { value: e.value, error: null, readAt: now }
        : { ...old, error: e.reason as unknown },
    );
    setDrills((old) =>
      d.status === 'fulfilled'
        ? { value: d.value.items, error: null, readAt: now }
        : { ...old, error: d.reason as unknown },
    );
    setReading(false);
  }, [api]);

  useEffect(() => {
    alive.current = true;
    void reload();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = client.onEvent((event) => {
      if (event.type !== 'backup.status' || timer) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          void reload();
        },
        Math.max(0, last.current + ESTATE_MIN_INTERVAL_MS - Date.now()),
      );
    });
    return () => {
      alive.current = false;
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [client, reload]);

  return { estate, drills, reading, reload };
}
