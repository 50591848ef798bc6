import { useMemo, useState } from 'react';
import {
  backupsApi,
  type ApiClient,
  type BackupPolicyRequest,
  type BackupPolicyResponse,
  type Database,
} from '../../api';
import { useFleetStore, useToastStore } from '../../stores';
import { EmptyState, ErrorView, ProgressBar, StatusBadge, formatTime } from '../../ui';
import { durationText } from './backup-format';
import { PolicyForm } from './PolicyForm';
import { RecoverableWindow } from './RecoverableWindow';
import { RestoreDialog, type RestoreSource } from './RestoreDialog';
import { useBackups } from './use-backups';

/**
 * The Backups tab of a database: its policy (edit), next run, RPO/RTO against the objectives, the
 * PITR window with a time picker, the sessions with their snapshots and live progress, "Back up
 * now" and "Restore…".
 */
export function BackupsPanel({
  database,
  client,
  disabledReason,
}: {
  database: Pick<Database, 'id' | 'name' | 'project' | 'providerId'>;
  client: ApiClient;
  disabledReason: string | null;
}) {
  const api = useMemo(() => backupsApi(client), [client]);
  const state = useBackups(client, database.id);
  const providers = useFleetStore((s) => s.providers);
  const toast = useToastStore((s) => s.push);
  const [editing, setEditing] = useState(false);
  const [restoring, setRestoring] = useState<RestoreSource | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const { policy, backups, storages, active } = state;

  const save = async (body: BackupPolicyRequest) => {
    setActionError(null);
    try {
      state.setPolicy(await api.putPolicy(database.id, body));
      setEditing(false);
      toast(`Backup policy of ${database.name} saved`, 'info');
    } catch (failure) {
      setActionError(failure);
      throw failure;
    }
  };
  const backUpNow = async () => {
    setActionError(null);
    try {
      const { operation } = await api.backUpNow(database.id);
      useFleetStore.getState().upsertOperation(operation);
      toast(`Backup of ${database.name} queued`, 'info');
    } catch (failure) {
      setActionError(failure);
    }
  };
  const busyReason = active ? `A ${active.type} is in progress.` : null;

  return (
    <section className="panel" aria-labelledby="backups-title" data-testid="backups-panel">
      <h3 id="backups-title">Backups</h3>
      <ErrorView error={state.error} title="Backups could not be read" />
      {policy === undefined && !state.error && <p className="muted">Loading…</p>}
      {policy === null && !editing && (
        <EmptyState title="Not backed up">
          This database has no backup policy.{' '}
          <button type="button" onClick={() => setEditing(true)} disabled={disabledReason !== null}>
            Set a policy
          </button>
        </EmptyState>
      )}
      {editing && (
        <PolicyForm
          policy={policy ?? null}
          storages={storages}
          disabledReason={disabledReason}
          onSave={save}
          onCancel={() => setEditing(false)}
        />
      )}
      {policy && !editing && (
        <PolicyFacts
          policy={policy}
          storageName={storages.find((s) => s.id === policy.storageId)?.name}
          onEdit={() => setEditing(true)}
          disabledReason={disabledReason}
        />
      )}
      {policy?.pitr && policy.recoverableWindow && (
        <RecoverableWindow
          window={policy.recoverableWindow}
          snapshots={backups.flatMap((b) =>
            b.phase === 'Succeeded' && b.finishedAt ? [b.finishedAt] : [],
          )}
          disabledReason={disabledReason ?? busyReason}
          onRestoreAt={(targetTime) => setRestoring({ targetTime })}
        />
      )}
      <div className="actions">
        <button
          type="button"
          onClick={() => void backUpNow()}
          disabled={!policy || disabledReason !== null || busyReason !== null}
          title={
            !policy ? 'Set a backup policy first' : (disabledReason ?? busyReason ?? undefined)
          }
        >
          Back up now
        </button>
        {active && (
          <span data-testid="backup-active">
            {active.type} <StatusBadge status={active.status} />{' '}
            <ProgressBar value={active.progress} label={`${active.type} progress`} />
          </span>
        )}
      </div>
      <ErrorView error={actionError} title="Refused" />
      <SessionsTable
        backups={backups}
        disabledReason={disabledReason ?? busyReason}
        onRestore={(id, label) => setRestoring({ backupId: id, label })}
      />
      {restoring && (
        <RestoreDialog
          api={api}
          database={database}
          source={restoring}
          providers={providers}
          onClose={() => setRestoring(null)}
          onStarted={(answer) => {
            const fleet = useFleetStore.getState();
            fleet.upsertOperation(answer.operation);
            if (answer.database) fleet.upsertDatabase(answer.database);
            setRestoring(null);
            toast(`Restore of ${database.name} queued`, 'info');
          }}
        />
      )}
    </section>
  );
}

function PolicyFacts({
  policy,
  storageName,
  onEdit,
  disabledReason,
}: {
  policy: BackupPolicyResponse;
  storageName: string | undefined;
  onEdit: () => void;
  disabledReason: string | null;
}) {
  const { objectives } = policy;
  const retention = policy.retention
    ? Object.entries(policy.retention)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')
    : policy.retentionDays !== undefined
      ? `${policy.retentionDays} days`
      : "the storage's default";
  return (
    <>
      <dl className="facts" data-testid="backup-policy">
        <dt>Storage</dt>
        <dd>{storageName ?? policy.storageId}</dd>
        <dt>Schedule</dt>
        <dd>
          <code>{policy.schedule}</code>
          {policy.paused && <span className="badge badge-muted"> paused</span>}
        </dd>
        <dt>Retention</dt>
        <dd>{retention}</dd>
        <dt>PITR</dt>
        <dd>{policy.pitr ? 'on' : 'off'}</dd>
        <dt>Next run</dt>
        <dd data-testid="backup-next-run">
          {policy.paused ? 'none while paused' : formatTime(policy.nextRunAt)}
        </dd>
        <dt>RPO</dt>
        <dd data-testid="backup-rpo">
          {durationText(policy.rpoSeconds)} (objective under {durationText(objectives.rpoSeconds)})
          {objectives.breached.includes('rpo') && (
            <span className="badge badge-error"> RPO breached</span>
          )}
        </dd>
        <dt>RTO</dt>
        <dd data-testid="backup-rto">
          {policy.rtoSeconds === null ? 'never restored' : durationText(policy.rtoSeconds)}{' '}
          (objective under {durationText(objectives.rtoSeconds)})
          {objectives.breached.includes('rto') && (
            <span className="badge badge-error"> RTO breached</span>
          )}
        </dd>
      </dl>
      <button type="button" onClick={onEdit} disabled={disabledReason !== null}>
        Edit policy
      </button>
    </>
  );
}

function SessionsTable({
  backups,
  disabledReason,
  onRestore,
}: {
  backups: ReturnType<typeof useBackups>['backups'];
  disabledReason: string | null;
  onRestore: (backupId: string, label: string) => void;
}) {
  if (backups.length === 0) return <p className="muted">No backups yet.</p>;
  return (
    <table className="simple" aria-label="Backups">
      <thead>
        <tr>
          <th>Started</th>
          <th>Finished</th>
          <th>Phase</th>
          <th>Size</th>
          <th>Snapshot</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {backups.map((b) => (
          <tr key={b.id} data-testid={`backup-${b.id}`}>
            <td>{formatTime(b.startedAt)}</td>
            <td>{formatTime(b.finishedAt)}</td>
            <td>
              <StatusBadge
                status={
                  b.phase === 'Succeeded' ? 'SUCCEEDED' : b.phase === 'Failed' ? 'FAILED' : b.phase
                }
              />
              {b.attempts !== undefined && b.attempts > 1 && (
                <span className="muted"> attempt {b.attempts}</span>
              )}
              {b.error && <div className="muted">{b.error}</div>}
            </td>
            <td>{b.size ?? '—'}</td>
            <td>
              {b.snapshot ?? '—'}
              {b.simulated && (
                <span
                  className="badge badge-muted"
                  title="The simulator ran no real data plane: it holds no data"
                >
                  {' '}
                  simulated
                </span>
              )}
            </td>
            <td>
              {b.phase === 'Succeeded' && (
                <button
                  type="button"
                  disabled={disabledReason !== null}
                  title={disabledReason ?? undefined}
                  onClick={() => onRestore(b.id, b.snapshot ?? b.id)}
                  aria-label={`Restore ${b.snapshot ?? b.id}…`}
                >
                  Restore…
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
