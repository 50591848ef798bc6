import { useEffect, useState } from 'react';
import type {
  ApiClient,
  ChangeResponse,
  Database,
  DryRunResponse,
  KubeObject,
  ListResponse,
  VersionItem,
} from '../../../api';
import { ErrorView, Modal, YamlView } from '../../../ui';

/** The PATCH-based changes; each previews its OpsRequests with `?dryRun=true` before applying. */
export type ChangeKind = 'scale' | 'resources' | 'storage' | 'upgrade';

const TITLES: Record<ChangeKind, string> = {
  scale: 'Scale replicas',
  resources: 'Change CPU and memory',
  storage: 'Resize storage',
  upgrade: 'Upgrade version',
};

/** A PATCH body. */
export interface PatchBody {
  replicas?: number;
  resources?: { cpu?: string; memory?: string };
  storage?: { size: string };
  version?: string;
}

/** The upgrade targets of a database's version in the catalog, or [] when the catalog names none. */
export function upgradeTargetsFor(
  items: readonly VersionItem[],
  database: Pick<Database, 'engine' | 'version'>,
): string[] {
  return (
    items.find((item) => item.engine === database.engine && item.version === database.version)
      ?.upgradeTargets ?? []
  );
}

/** A dialog that shows what a change will do (the OpsRequest manifests) before doing it. */
export function ChangeDialog({
  kind,
  database,
  client,
  onClose,
  onApplied,
}: {
  kind: ChangeKind;
  database: Database;
  client: ApiClient;
  onClose: () => void;
  onApplied: (result: ChangeResponse) => void;
}) {
  const [replicas, setReplicas] = useState(database.replicas);
  const [cpu, setCpu] = useState(database.resources.cpu);
  const [memory, setMemory] = useState(database.resources.memory);
  const [size, setSize] = useState(database.storage.size);
  const [targets, setTargets] = useState<string[] | null>(null);
  const [target, setTarget] = useState('');
  const [preview, setPreview] = useState<KubeObject[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (kind !== 'upgrade') return;
    client
      .request<ListResponse<VersionItem>>(
        'GET',
        `/api/v1/versions?engine=${database.engine}&providerId=${encodeURIComponent(database.providerId)}`,
      )
      .then((answer) => {
        const found = upgradeTargetsFor(answer.items, database);
        setTargets(found);
        setTarget(found[0] ?? '');
      })
      .catch((failure: unknown) => setError(failure));
  }, [kind, client, database]);

  const body = (): PatchBody => {
    switch (kind) {
      case 'scale':
        return { replicas };
      case 'resources':
        return {
          resources: {
            ...(cpu !== database.resources.cpu ? { cpu } : {}),
            ...(memory !== database.resources.memory ? { memory } : {}),
          },
        };
      case 'storage':
        return { storage: { size } };
      case 'upgrade':
        return { version: target };
    }
  };
  const url = `/api/v1/databases/${encodeURIComponent(database.id)}`;

  const run = async (dryRun: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      if (dryRun)
        setPreview(
          (await client.request<DryRunResponse>('PATCH', `${url}?dryRun=true`, body())).manifests,
        );
      else onApplied(await client.request<ChangeResponse>('PATCH', url, body()));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const edited = (): void => setPreview(null);

  return (
    <Modal title={TITLES[kind]} onClose={onClose} wide>
      <form className="form" onSubmit={(e) => e.preventDefault()}>
        {kind === 'scale' && (
          <label>
            Replicas (now {database.replicas})
            <input
              type="number"
              min={1}
              max={9}
              value={replicas}
              onChange={(e) => (setReplicas(Number(e.target.value)), edited())}
            />
          </label>
        )}
        {kind === 'resources' && (
          <>
            <label>
              CPU (now {database.resources.cpu})
              <input value={cpu} onChange={(e) => (setCpu(e.target.value), edited())} />
            </label>
            <label>
              Memory (now {database.resources.memory})
              <input value={memory} onChange={(e) => (setMemory(e.target.value), edited())} />
            </label>
          </>
        )}
        {kind === 'storage' && (
          <label>
            Storage size (now {database.storage.size}; volumes only grow)
            <input value={size} onChange={(e) => (setSize(e.target.value), edited())} />
          </label>
        )}
        {kind === 'upgrade' &&
          (targets === null ? (
            <p>Reading the catalog…</p>
          ) : targets.length === 0 ? (
            <p>
              The catalog names no upgrade target for {database.engine} {database.version}.
            </p>
          ) : (
            <label>
              Target version (from the catalog&apos;s upgrade targets of {database.version})
              <select value={target} onChange={(e) => (setTarget(e.target.value), edited())}>
                {targets.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
          ))}
        <ErrorView error={error} />
        {preview && (
          <div data-testid="dry-run-preview">
            <h4>
              What will be applied ({preview.length} object{preview.length === 1 ? '' : 's'})
            </h4>
            {preview.length === 0 ? (
              <p className="muted">Nothing: this is already the desired state.</p>
            ) : (
              preview.map((m, i) => (
                <YamlView
                  key={i}
                  value={m}
                  label={`${m.kind ?? 'object'} ${m.metadata?.name ?? ''}`}
                />
              ))
            )}
          </div>
        )}
        <div className="buttons">
          <button
            type="button"
            onClick={() => void run(true)}
            disabled={busy || (kind === 'upgrade' && !target)}
          >
            Preview
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => void run(false)}
            disabled={busy || preview === null}
          >
            Apply
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
