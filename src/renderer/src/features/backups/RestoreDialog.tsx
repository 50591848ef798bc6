import { useState } from 'react';
import type {
  BackupsApi,
  DryRunResponse,
  PublicProvider,
  RestoreRequest,
  RestoreStartedResponse,
} from '../../api';
import { ErrorView, Modal, formatTime } from '../../ui';

/** What is restored: one backup, or a point in time (PITR). */
export type RestoreSource = { backupId: string; label: string } | { targetTime: string };

/**
 * Restores a backup or a point in time, in place (after an explicit confirmation that it replaces
 * the database's data) or into a new database, on this or another cluster. "Preview" shows what
 * the restore would apply (`?dryRun=true`) without applying anything.
 */
export function RestoreDialog({
  api,
  database,
  source,
  providers,
  onClose,
  onStarted,
}: {
  api: BackupsApi;
  database: { id: string; name: string; project: string; providerId: string };
  source: RestoreSource;
  providers: Pick<PublicProvider, 'id' | 'name'>[];
  onClose: () => void;
  onStarted: (answer: RestoreStartedResponse) => void;
}) {
  const [mode, setMode] = useState<'new' | 'inPlace'>('new');
  const [replace, setReplace] = useState(false);
  const [newName, setNewName] = useState(`${database.name}-restored`);
  const [project, setProject] = useState(database.project);
  const [providerId, setProviderId] = useState(database.providerId);
  const [preview, setPreview] = useState<DryRunResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const body = (): RestoreRequest => ({
    ...('backupId' in source
      ? { backupId: source.backupId }
      : { pitr: { targetTime: source.targetTime } }),
    target:
      mode === 'inPlace'
        ? { inPlace: true, replace: true }
        : {
            newName: newName.trim(),
            ...(project.trim() ? { project: project.trim() } : {}),
            ...(providerId ? { providerId } : {}),
          },
  });
  const ready = mode === 'inPlace' ? replace : newName.trim() !== '';
  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      if (dryRun) setPreview(await api.previewRestore(database.id, body()));
      else onStarted(await api.restore(database.id, body()));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const what =
    'backupId' in source
      ? `backup ${source.label}`
      : `the state at ${formatTime(source.targetTime)}`;

  return (
    <Modal title={`Restore ${database.name}`} onClose={onClose} wide>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(false);
        }}
      >
        <p>
          Restores <strong>{what}</strong>.
        </p>
        <fieldset>
          <legend>Restore into</legend>
          <label className="inline">
            <input
              type="radio"
              name="restore-target"
              checked={mode === 'new'}
              onChange={() => setMode('new')}
            />{' '}
            a new database
          </label>
          <label className="inline">
            <input
              type="radio"
              name="restore-target"
              checked={mode === 'inPlace'}
              onChange={() => setMode('inPlace')}
            />{' '}
            {database.name} itself (in place)
          </label>
        </fieldset>
        {mode === 'new' ? (
          <>
            <label>
              New database name
              <input value={newName} onChange={(e) => setNewName(e.target.value)} />
            </label>
            <label>
              Project
              <input value={project} onChange={(e) => setProject(e.target.value)} />
            </label>
            <label>
              Cluster
              <select value={providerId} onChange={(e) => setProviderId(e.target.value)}>
                {providers.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : (
          <label className="inline">
            <input
              type="checkbox"
              checked={replace}
              onChange={(e) => setReplace(e.target.checked)}
            />{' '}
            I understand this replaces all data of {database.name}; what was written after {what} is
            lost.
          </label>
        )}
        <ErrorView error={error} title="The restore was refused" />
        {preview && (
          <div data-testid="restore-preview">
            <h4>What the restore applies</h4>
            <ul>
              {preview.manifests.map((m, i) => (
                <li key={i}>
                  <code>
                    {m.kind} {m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}
                    {m.metadata?.name}
                  </code>
                </li>
              ))}
            </ul>
          </div>
        )}
        <div className="actions">
          <button type="button" disabled={busy || !ready} onClick={() => void run(true)}>
            Preview
          </button>
          <button
            type="submit"
            className={mode === 'inPlace' ? 'danger' : undefined}
            disabled={busy || !ready}
          >
            {mode === 'inPlace' ? `Replace ${database.name}` : 'Restore'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
