import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ApiError,
  backupsApi,
  type ApiClient,
  type BackupItem,
  type BackupPolicyResponse,
  type BackupStorageResponse,
  type Operation,
} from '../../api';
import { useFleetStore } from '../../stores';

/** What the Backups tab shows of one database, read together and read again on its events. */
export interface BackupsState {
  /** Undefined while loading; null when the database has no policy (404). */
  policy: BackupPolicyResponse | null | undefined;
  backups: BackupItem[];
  storages: BackupStorageResponse[];
  error: unknown;
  /** The database's backup or restore operation in progress, live from the event stream. */
  active: Operation | null;
  reload: () => Promise<void>;
  setPolicy: (policy: BackupPolicyResponse) => void;
}

const LIVE = new Set(['QUEUED', 'RUNNING']);

/**
 * Loads the policy, the sessions and the storages, and loads them again whenever one of the
 * database's backup or restore operations moves (operation events reach the fleet store) or a
 * `backup.status` event names the database.
 */
export function useBackups(client: ApiClient, databaseId: string): BackupsState {
  const api = useMemo(() => backupsApi(client), [client]);
  const [policy, setPolicy] = useState<BackupPolicyResponse | null | undefined>(undefined);
  const [backups, setBackups] = useState<BackupItem[]>([]);
  const [storages, setStorages] = useState<BackupStorageResponse[]>([]);
  const [error, setError] = useState<unknown>(null);
  const alive = useRef(true);

  const reload = useCallback(async () => {
    const [p, b, s] = await Promise.allSettled([
      api.policy(databaseId),
      api.backups(databaseId),
      api.storages(),
    ]);
    if (!alive.current) return;
    let failure: unknown = null;
    if (p.status === 'fulfilled') setPolicy(p.value);
    else if (p.reason instanceof ApiError && p.reason.status === 404) setPolicy(null);
    else failure = p.reason;
    if (b.status === 'fulfilled') setBackups(b.value.items);
    else failure ??= b.reason;
    if (s.status === 'fulfilled') setStorages(s.value.items);
    else failure ??= s.reason;
    setError(failure);
  }, [api, databaseId]);

  const operations = useFleetStore((st) => st.operations);
  const mine = useMemo(
    () =>
      [...operations.values()]
        .filter((o) => o.databaseId === databaseId && (o.type === 'backup' || o.type === 'restore'))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [operations, databaseId],
  );
  const active = mine.find((o) => LIVE.has(o.status)) ?? null;
  // A fingerprint of their states: every change of one (a new step, the end) reads again.
  const fingerprint = mine.map((o) => `${o.id}:${o.status}:${o.progress}`).join(',');

  useEffect(() => {
    alive.current = true;
    void reload();
    return () => {
      alive.current = false;
    };
  }, [reload, fingerprint]);

  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type !== 'backup.status') return;
        const data = event.data as { databaseId?: string } | null;
        if (data?.databaseId === databaseId) void reload();
      }),
    [client, databaseId, reload],
  );

  return { policy, backups, storages, error, active, reload, setPolicy };
}
