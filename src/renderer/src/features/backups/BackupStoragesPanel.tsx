import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  ApiError,
  backupsApi,
  type ApiClient,
  type BackupStorageRequest,
  type BackupStorageResponse,
  type StorageTestResponse,
} from '../../api';
import { ErrorView } from '../../ui';

const EMPTY = {
  name: '',
  bucket: '',
  endpoint: '',
  region: '',
  prefix: '',
  accessKeyId: '',
  secretAccessKey: '',
};

/**
 * Backup storages under Settings: the list, adding one (its keys are sent once and never shown
 * again: the form forgets them after it is sent), testing one (each check shown), deleting one
 * (a storage still in use is refused, naming the databases that use it).
 */
export function BackupStoragesPanel({ client }: { client: ApiClient }) {
  const api = useMemo(() => backupsApi(client), [client]);
  const [storages, setStorages] = useState<BackupStorageResponse[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [tests, setTests] = useState<Record<string, StorageTestResponse>>({});
  const [draft, setDraft] = useState(EMPTY);
  const [forcePathStyle, setForcePathStyle] = useState(true);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setStorages((await api.storages()).items);
    } catch (failure) {
      setError(failure);
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const add = () =>
    act(async () => {
      const body: BackupStorageRequest = {
        type: 's3',
        name: draft.name.trim(),
        bucket: draft.bucket.trim(),
        endpoint: draft.endpoint.trim(),
        region: draft.region.trim(),
        ...(draft.prefix.trim() ? { prefix: draft.prefix.trim() } : {}),
        forcePathStyle,
        accessKeyId: draft.accessKeyId,
        secretAccessKey: draft.secretAccessKey,
      };
      try {
        await api.createStorage(body);
      } finally {
        // The keys are written once: the form never keeps them, not even after a refusal.
        setDraft((d) => ({ ...d, accessKeyId: '', secretAccessKey: '' }));
      }
      setDraft(EMPTY);
      await load();
    });
  const test = (id: string) =>
    act(async () => {
      const answer = await api.testStorage(id);
      setTests((t) => ({ ...t, [id]: answer }));
    });
  const remove = (storage: BackupStorageResponse) =>
    act(async () => {
      try {
        await api.deleteStorage(storage.id);
      } catch (failure) {
        if (failure instanceof ApiError && failure.status === 409 && storage.usedBy.length > 0)
          throw new Error(
            `${storage.name} is used by ${storage.usedBy.map((u) => u.name).join(', ')}: ${failure.message}`,
            { cause: failure },
          );
        throw failure;
      }
      await load();
    });
  const field = (key: keyof typeof EMPTY, label: string, secret = false) => (
    <label>
      {label}
      <input
        type={secret ? 'password' : 'text'}
        autoComplete={secret ? 'new-password' : 'off'}
        value={draft[key]}
        onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
      />
    </label>
  );

  return (
    <section className="panel" aria-labelledby="storages-title" data-testid="backup-storages">
      <h3 id="storages-title">Backup storages</h3>
      {storages.length === 0 ? (
        <p className="muted">No backup storage yet.</p>
      ) : (
        <table className="simple" aria-label="Backup storages">
          <thead>
            <tr>
              <th>Name</th>
              <th>Bucket</th>
              <th>Endpoint</th>
              <th>Key</th>
              <th>Used by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {storages.map((s) => (
              <tr key={s.id} data-testid={`storage-${s.name}`}>
                <td>{s.name}</td>
                <td>
                  {s.bucket}
                  {s.prefix ? `/${s.prefix}` : ''}
                </td>
                <td>{s.endpoint}</td>
                <td>…{s.accessKeyIdHint}</td>
                <td>{s.usedBy.map((u) => u.name).join(', ') || '—'}</td>
                <td>
                  <button type="button" disabled={busy} onClick={() => void test(s.id)}>
                    Test {s.name}
                  </button>{' '}
                  <button
                    type="button"
                    className="danger"
                    disabled={busy}
                    onClick={() => void remove(s)}
                  >
                    Delete {s.name}
                  </button>
                  {tests[s.id] && (
                    <ul aria-label={`Checks of ${s.name}`}>
                      {tests[s.id]!.checks.map((c) => (
                        <li key={c.name} data-ok={c.ok}>
                          <span className={`badge badge-${c.ok ? 'ok' : 'error'}`}>
                            {c.ok ? 'ok' : 'failed'}
                          </span>{' '}
                          {c.name}: {c.message}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorView error={error} title="Refused" />
      <form
        className="form"
        aria-label="Add a backup storage"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <h4>Add an S3 storage</h4>
        {field('name', 'Name')}
        {field('endpoint', 'Endpoint URL')}
        {field('bucket', 'Bucket')}
        {field('region', 'Region')}
        {field('prefix', 'Prefix (optional)')}
        <label className="inline">
          <input
            type="checkbox"
            checked={forcePathStyle}
            onChange={(e) => setForcePathStyle(e.target.checked)}
          />{' '}
          Path-style addressing (Ceph, MinIO)
        </label>
        {field('accessKeyId', 'Access key id', true)}
        {field('secretAccessKey', 'Secret access key', true)}
        <p className="muted">The keys go to the vault and are never shown again.</p>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Add storage
          </button>
        </div>
      </form>
    </section>
  );
}
