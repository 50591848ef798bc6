import { useState } from 'react';
import type { ApiClient, ChangeResponse, Database } from '../../../api';
import { useFleetStore, useToastStore } from '../../../stores';
import { navigate } from '../../../ui';
import { ActionDialog, type ActionName } from './ActionDialog';
import { ChangeDialog, type ChangeKind } from './ChangeDialog';
import { DeleteDialog } from './DeleteDialog';

type Open = { change: ChangeKind } | { action: ActionName } | { delete: true } | null;

/** The day-2 actions of a database; each opens a dialog that says what it will do first. */
export function ActionsBar({
  database,
  client,
  disabledReason,
}: {
  database: Database;
  client: ApiClient;
  disabledReason: string | null;
}) {
  const [open, setOpen] = useState<Open>(null);
  const { upsertDatabase, upsertOperation } = useFleetStore.getState();
  const toast = useToastStore((s) => s.push);
  const close = (): void => setOpen(null);
  const accepted = (result: unknown, what: string): void => {
    const answer = result as Partial<ChangeResponse> | null;
    if (answer?.database) upsertDatabase(answer.database);
    for (const op of [answer?.operation, ...(answer?.operations ?? [])])
      if (op) upsertOperation(op);
    toast(`${what} of ${database.name} queued`, 'info');
    close();
  };
  const button = (label: string, next: Open) => (
    <button
      type="button"
      onClick={() => setOpen(next)}
      disabled={disabledReason !== null}
      title={disabledReason ?? undefined}
    >
      {label}
    </button>
  );
  return (
    <div className="actions" role="toolbar" aria-label="Database actions">
      {button('Scale', { change: 'scale' })}
      {button('CPU / memory', { change: 'resources' })}
      {button('Resize storage', { change: 'storage' })}
      {button('Upgrade', { change: 'upgrade' })}
      {button('Restart', { action: 'restart' })}
      {database.halted || database.status === 'PAUSED'
        ? button('Resume', { action: 'resume' })
        : button('Pause', { action: 'pause' })}
      {button('Rotate credentials', { action: 'rotate-credentials' })}
      <button
        type="button"
        className="danger"
        onClick={() => setOpen({ delete: true })}
        disabled={disabledReason !== null}
        title={disabledReason ?? undefined}
      >
        Delete
      </button>
      {disabledReason && <span className="muted">{disabledReason}</span>}
      {open && 'change' in open && (
        <ChangeDialog
          kind={open.change}
          database={database}
          client={client}
          onClose={close}
          onApplied={(r) => accepted(r, open.change)}
        />
      )}
      {open && 'action' in open && (
        <ActionDialog
          action={open.action}
          database={database}
          client={client}
          onClose={close}
          onDone={(r) => accepted(r, open.action)}
        />
      )}
      {open && 'delete' in open && (
        <DeleteDialog
          database={database}
          client={client}
          onClose={close}
          onDeleted={(r) => {
            accepted(r, 'deletion');
            navigate('/databases');
          }}
        />
      )}
    </div>
  );
}
