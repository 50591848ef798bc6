import { useState } from 'react';
import type { ApiClient, Database } from '../../../api';
import { ErrorView, Modal } from '../../../ui';

const POLICY: Record<string, string> = {
  Delete: 'KubeDB deletes the database and its volumes; backups stay.',
  WipeOut: 'KubeDB deletes the database, its volumes, secrets and backups.',
  Halt: 'KubeDB removes the pods but keeps volumes and secrets.',
  DoNotTerminate: 'The engine refuses: this database is protected (deletionPolicy DoNotTerminate).',
};

/** Deletion needs the database's name typed out; the button stays disabled until it matches. */
export function DeleteDialog({
  database,
  client,
  onClose,
  onDeleted,
}: {
  database: Pick<Database, 'id' | 'name' | 'namespace' | 'deletionPolicy'> &
    Partial<Pick<Database, 'drift'>>;
  client: ApiClient;
  onClose: () => void;
  onDeleted: (result: unknown) => void;
}) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const matches = typed === database.name;
  // KubeDB acts on the policy on the cluster: when it was changed outside the console, that one.
  const changed = database.drift?.find((entry) => entry.path === 'deletionPolicy');
  const livePolicy = typeof changed?.live === 'string' ? changed.live : database.deletionPolicy;
  const run = async (): Promise<void> => {
    if (!matches) return;
    setBusy(true);
    setError(null);
    try {
      onDeleted(
        await client.request('DELETE', `/api/v1/databases/${encodeURIComponent(database.id)}`),
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`Delete ${database.name}`} onClose={onClose}>
      <p>
        Deletes <strong>{database.name}</strong> from {database.namespace}.{' '}
        {POLICY[livePolicy] ?? ''}
      </p>
      {livePolicy !== database.deletionPolicy && (
        <p className="status-error" role="alert">
          The deletionPolicy on the cluster is {livePolicy}, changed outside the console (the
          console asked for {database.deletionPolicy}).
        </p>
      )}
      <label>
        Type <strong>{database.name}</strong> to confirm
        <input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
          aria-label="Database name to confirm"
        />
      </label>
      <ErrorView error={error} />
      <div className="buttons">
        <button
          type="button"
          className="danger"
          onClick={() => void run()}
          disabled={!matches || busy}
        >
          Delete {database.name}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
