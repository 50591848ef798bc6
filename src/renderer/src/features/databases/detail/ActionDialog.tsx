import { useState } from 'react';
import type { ApiClient, Database } from '../../../api';
import { ErrorView, Modal } from '../../../ui';

/** The POST actions of a database. */
export type ActionName = 'restart' | 'pause' | 'resume' | 'rotate-credentials';

/** What each action will do, said before it runs (actions have no dry run). */
export function describeAction(
  action: ActionName,
  database: Pick<Database, 'name' | 'engine' | 'namespace'>,
): string {
  switch (action) {
    case 'restart':
      return `Applies a Restart OpsRequest: the pods of ${database.name} in ${database.namespace} restart one at a time; clients may reconnect.`;
    case 'pause':
      return `Sets spec.halted on ${database.name}: KubeDB stops its pods and keeps the volumes and secrets. Nothing answers until you resume it.`;
    case 'resume':
      return `Clears spec.halted on ${database.name}: KubeDB starts its pods again on the kept volumes.`;
    case 'rotate-credentials':
      return `Applies a RotateAuth OpsRequest: KubeDB generates a new password for ${database.name}; clients using the old one must be updated.`;
  }
}

/** Confirms an action with what it will do, then runs it. */
export function ActionDialog({
  action,
  database,
  client,
  onClose,
  onDone,
}: {
  action: ActionName;
  database: Database;
  client: ApiClient;
  onClose: () => void;
  onDone: (result: unknown) => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      onDone(
        await client.request(
          'POST',
          `/api/v1/databases/${encodeURIComponent(database.id)}/actions/${action}`,
        ),
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`${action} ${database.name}`} onClose={onClose}>
      <p>{describeAction(action, database)}</p>
      <ErrorView error={error} />
      <div className="buttons">
        <button type="button" className="primary" onClick={() => void run()} disabled={busy}>
          Run {action}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
