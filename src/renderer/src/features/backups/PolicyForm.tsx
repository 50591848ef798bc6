import { useState } from 'react';
import type { BackupPolicyRequest, BackupPolicyResponse, BackupStorageResponse } from '../../api';
import { policyProblems, type FieldProblem, type PolicyDraft } from './backup-format';

/**
 * Sets or edits a database's backup policy: storage, cron schedule, retention in days, PITR and
 * paused. Checks the draft as the API does and names each wrong field next to it.
 */
export function PolicyForm({
  policy,
  storages,
  disabledReason,
  onSave,
  onCancel,
}: {
  policy: BackupPolicyResponse | null;
  storages: BackupStorageResponse[];
  disabledReason: string | null;
  onSave: (body: BackupPolicyRequest) => Promise<void>;
  onCancel?: () => void;
}) {
  const [draft, setDraft] = useState<PolicyDraft>({
    storageId: policy?.storageId ?? storages[0]?.id ?? '',
    schedule: policy?.schedule ?? '0 2 * * *',
    retentionDays: String(policy?.retentionDays ?? ''),
    pitr: policy?.pitr ?? false,
    paused: policy?.paused ?? false,
  });
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const problem = (path: string) => problems.find((p) => p.path === path)?.message;
  const set = (patch: Partial<PolicyDraft>) => setDraft((d) => ({ ...d, ...patch }));

  const submit = async () => {
    const checked = policyProblems(draft);
    setProblems(checked.problems);
    if (!checked.body) return;
    setBusy(true);
    try {
      await onSave(checked.body);
    } catch {
      // The panel shows the API's answer with its fields.
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="form"
      aria-label="Backup policy"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        Storage
        <select
          value={draft.storageId}
          onChange={(e) => set({ storageId: e.target.value })}
          aria-invalid={problem('storageId') ? true : undefined}
          aria-describedby={problem('storageId') ? 'policy-storage-error' : undefined}
        >
          {storages.length === 0 && <option value="">no storage yet (add one in Settings)</option>}
          {storages.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.bucket})
            </option>
          ))}
        </select>
      </label>
      {problem('storageId') && (
        <p id="policy-storage-error" className="error-box" role="alert">
          storageId: {problem('storageId')}
        </p>
      )}
      <label>
        Schedule (cron)
        <input
          value={draft.schedule}
          onChange={(e) => set({ schedule: e.target.value })}
          aria-invalid={problem('schedule') ? true : undefined}
          aria-describedby={problem('schedule') ? 'policy-schedule-error' : undefined}
        />
      </label>
      {problem('schedule') && (
        <p id="policy-schedule-error" className="error-box" role="alert">
          schedule: {problem('schedule')}
        </p>
      )}
      <label>
        Retention (days; empty for the storage&apos;s default)
        <input
          inputMode="numeric"
          value={draft.retentionDays}
          onChange={(e) => set({ retentionDays: e.target.value })}
          aria-invalid={problem('retentionDays') ? true : undefined}
          aria-describedby={problem('retentionDays') ? 'policy-retention-error' : undefined}
        />
      </label>
      {problem('retentionDays') && (
        <p id="policy-retention-error" className="error-box" role="alert">
          retentionDays: {problem('retentionDays')}
        </p>
      )}
      <label className="inline">
        <input
          type="checkbox"
          checked={draft.pitr}
          onChange={(e) => set({ pitr: e.target.checked })}
        />{' '}
        Point-in-time recovery (archive the write-ahead log)
      </label>
      <label className="inline">
        <input
          type="checkbox"
          checked={draft.paused}
          onChange={(e) => set({ paused: e.target.checked })}
        />{' '}
        Paused (no scheduled runs)
      </label>
      <div className="actions">
        <button type="submit" disabled={busy || disabledReason !== null}>
          {busy ? 'Saving…' : 'Save policy'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {disabledReason && <p className="muted">{disabledReason}</p>}
    </form>
  );
}
