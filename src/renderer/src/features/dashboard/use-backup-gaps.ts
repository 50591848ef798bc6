import { useEffect, useState } from 'react';
import { backupsApi, useOptionalClient } from '../../api';

/** Reads of the estate (every cluster's KubeStash objects) no more often than this. */
const MIN_INTERVAL_MS = 30_000;

/** What the dashboard shows of the backup estate. */
export interface BackupGaps {
  /** Databases whose newest succeeded backup is older than their schedule allows; null until read. */
  overdue: number | null;
  /** Why the estate could not be read, when it could not. */
  error: string | null;
  /** Clusters whose backups could not be read: the count leaves out their databases. */
  unreadableClusters: number;
}

/**
 * Counts the overdue backups from `GET /backup-estate`, and reads it again after a `backup.status`
 * event (at most every 30 s, since one read lists the KubeStash objects of every cluster). Outside a
 * ClientProvider it reads nothing.
 */
export function useBackupGaps(): BackupGaps {
  const client = useOptionalClient();
  const [gaps, setGaps] = useState<BackupGaps>({
    overdue: null,
    error: null,
    unreadableClusters: 0,
  });
  useEffect(() => {
    if (!client) return undefined;
    const api = backupsApi(client);
    let alive = true;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = (): void => {
      last = Date.now();
      api.estate().then(
        (estate) => {
          if (!alive) return;
          const overdue = estate.unprotected.filter((u) => u.state === 'overdue').length;
          setGaps({ overdue, error: null, unreadableClusters: estate.unreadable.length });
        },
        (error: unknown) => {
          if (alive) setGaps((g) => ({ ...g, error: (error as Error).message }));
        },
      );
    };
    read();
    const stop = client.onEvent((event) => {
      if (event.type !== 'backup.status' || timer) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          read();
        },
        Math.max(0, last + MIN_INTERVAL_MS - Date.now()),
      );
    });
    return () => {
      alive = false;
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [client]);
  return gaps;
}
