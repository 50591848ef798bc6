import { useState } from 'react';
import type { ApiClient, ChangeResponse, Database, DeletionPolicy } from '../../../api';
import { labelProblem } from '../../../model/labels';
import { ErrorView, Modal } from '../../../ui';

/** What each deletionPolicy means when the database is deleted (KubeDB acts on it). */
export const DELETION_POLICIES: Record<DeletionPolicy, string> = {
  Delete: 'Deleting the database removes its pods and volumes; secrets and backups stay.',
  Halt: 'Deleting the database removes its pods but keeps volumes and secrets, so it can come back.',
  WipeOut:
    'Deleting the database removes everything: pods, volumes, secrets and backups. Nothing can be restored afterwards.',
  DoNotTerminate:
    'The database is protected: deleting it is refused (and KubeDB cannot halt it) until the policy is changed back.',
};

type Send = (body: Record<string, unknown>) => Promise<void>;

/**
 * The database's settings KubeDB applies without an OpsRequest: its deletionPolicy (confirmed with
 * what it means) and its own labels (checked like Kubernetes labels before they are sent), both
 * through `PATCH /databases/:id`.
 */
export function SettingsPanel({
  database,
  client,
  disabledReason,
  onApplied,
}: {
  database: Pick<Database, 'id' | 'name' | 'deletionPolicy' | 'labels'>;
  client: ApiClient;
  disabledReason: string | null;
  onApplied: (answer: ChangeResponse, what: string) => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const send =
    (what: string): Send =>
    async (body) => {
      setError(null);
      try {
        const answer = await client.request<ChangeResponse>(
          'PATCH',
          `/api/v1/databases/${encodeURIComponent(database.id)}`,
          body,
        );
        onApplied(answer, what);
      } catch (failure) {
        setError(failure);
        throw failure;
      }
    };
  return (
    <section className="panel" aria-labelledby="settings-title" data-testid="settings-panel">
      <h3 id="settings-title">Settings</h3>
      <DeletionPolicyControl
        database={database}
        disabledReason={disabledReason}
        send={send('deletionPolicy change')}
      />
      <LabelsControl
        database={database}
        disabledReason={disabledReason}
        send={send('label change')}
      />
      <ErrorView error={error} title="The change was refused" />
    </section>
  );
}

function DeletionPolicyControl({
  database,
  disabledReason,
  send,
}: {
  database: Pick<Database, 'name' | 'deletionPolicy'>;
  disabledReason: string | null;
  send: Send;
}) {
  const [chosen, setChosen] = useState<DeletionPolicy>(database.deletionPolicy);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const apply = async (): Promise<void> => {
    setBusy(true);
    try {
      await send({ deletionPolicy: chosen });
      setConfirming(false);
    } catch {
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="field-row">
      <label>
        Deletion policy
        <select
          value={chosen}
          onChange={(e) => setChosen(e.target.value as DeletionPolicy)}
          disabled={disabledReason !== null}
        >
          {(Object.keys(DELETION_POLICIES) as DeletionPolicy[]).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>{' '}
      <button
        type="button"
        onClick={() => setConfirming(true)}
        disabled={disabledReason !== null || chosen === database.deletionPolicy}
        title={disabledReason ?? undefined}
      >
        Change deletion policy
      </button>
      <p className="muted">
        Now {database.deletionPolicy}: {DELETION_POLICIES[database.deletionPolicy]}
      </p>
      {confirming && (
        <Modal title={`Deletion policy of ${database.name}`} onClose={() => setConfirming(false)}>
          <p>
            From <strong>{database.deletionPolicy}</strong> to <strong>{chosen}</strong>.
          </p>
          <p data-testid="policy-explained">{DELETION_POLICIES[chosen]}</p>
          <div className="buttons">
            <button
              type="button"
              className={chosen === 'WipeOut' ? 'danger' : undefined}
              onClick={() => void apply()}
              disabled={busy}
            >
              Set {chosen}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}

function LabelsControl({
  database,
  disabledReason,
  send,
}: {
  database: Pick<Database, 'labels'>;
  disabledReason: string | null;
  send: Send;
}) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const labels = Object.entries(database.labels).sort(([a], [b]) => a.localeCompare(b));
  const save = async (next: Record<string, string>): Promise<boolean> => {
    setBusy(true);
    try {
      await send({ labels: next });
      return true;
    } catch {
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (): Promise<void> => {
    const found = labelProblem(key.trim(), value.trim());
    setProblem(found);
    if (found) return;
    if (await save({ ...database.labels, [key.trim()]: value.trim() })) {
      setKey('');
      setValue('');
    }
  };
  const remove = (name: string): void => {
    const next = { ...database.labels };
    delete next[name];
    void save(next);
  };
  const disabled = disabledReason !== null || busy;
  return (
    <div>
      <h4>Labels</h4>
      {labels.length === 0 ? (
        <p className="muted">No labels of its own.</p>
      ) : (
        <ul className="labels" aria-label="Labels">
          {labels.map(([name, text]) => (
            <li key={name}>
              <code>
                {name}={text}
              </code>{' '}
              <button
                type="button"
                onClick={() => remove(name)}
                disabled={disabled}
                aria-label={`Remove label ${name}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label>
          Label key
          <input value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
        </label>{' '}
        <label>
          Label value
          <input value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
        </label>{' '}
        <button type="submit" disabled={disabled} title={disabledReason ?? undefined}>
          Add label
        </button>
      </form>
      {problem && (
        <p role="alert" className="status-error" data-testid="label-problem">
          {problem}
        </p>
      )}
    </div>
  );
}
