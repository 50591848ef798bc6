import { useEffect, useMemo, useState } from 'react';
import {
  useClient,
  type ChangeResponse,
  type DatabaseMode,
  type DryRunResponse,
  type Engine,
  type KubeObject,
  type ListResponse,
  type VersionItem,
} from '../../api';
import {
  ENGINE_MODES,
  ENGINE_NAMES,
  SIZE_PRESETS,
  replicaRange,
  type SizePreset,
} from '../../model/engines';
import { useFleetStore } from '../../stores';
import { EmptyState, ErrorView, YamlView, href, navigate, useOfflineReason } from '../../ui';
import { TenancyFields } from './TenancyFields';
import { buildCreateRequest, type WizardForm } from './create-request';

const STEPS = ['Engine', 'Topology', 'Size and storage', 'Placement', 'Review'] as const;

/** The create wizard: engine and version, topology, size, storage, placement, preview, then progress. */
export function CreateWizard() {
  const client = useClient();
  const providers = useFleetStore((s) => s.providers);
  const upsertDatabase = useFleetStore((s) => s.upsertDatabase);
  const upsertOperation = useFleetStore((s) => s.upsertOperation);
  const offline = useOfflineReason();
  const [step, setStep] = useState(0);
  const [form, setForm] = useState<WizardForm>({
    engine: 'postgres',
    version: '',
    mode: 'standalone',
    replicas: 1,
    preset: 'small',
    cpu: SIZE_PRESETS.small.cpu,
    memory: SIZE_PRESETS.small.memory,
    storageSize: '10Gi',
    storageClass: 'standard',
    name: '',
    // Picked from the existing tenants once they are read (TenancyFields), never a demo's names.
    domain: '',
    project: '',
    providerId: '',
  });
  const [versions, setVersions] = useState<VersionItem[] | null>(null);
  const [preview, setPreview] = useState<KubeObject[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const update = (patch: Partial<WizardForm>): void => {
    setForm((f) => ({ ...f, ...patch }));
    setPreview(null);
  };

  useEffect(() => {
    setVersions(null);
    client
      .request<ListResponse<VersionItem>>('GET', `/api/v1/versions?engine=${form.engine}`)
      .then((answer) => {
        const usable = answer.items.filter((v) => v.engine === form.engine);
        setVersions(usable);
        const first = usable.find((v) => !v.deprecated) ?? usable[0];
        setForm((f) => ({ ...f, version: first?.version ?? '' }));
      })
      .catch((failure: unknown) => {
        setVersions([]);
        setError(failure);
      });
  }, [client, form.engine]);

  const range = useMemo(() => replicaRange(form.engine, form.mode), [form.engine, form.mode]);
  const request = buildCreateRequest(form);

  const submit = async (dryRun: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      if (dryRun) {
        setPreview(
          (await client.request<DryRunResponse>('POST', '/api/v1/databases?dryRun=true', request))
            .manifests,
        );
      } else {
        const answer = await client.request<ChangeResponse>('POST', '/api/v1/databases', request);
        upsertDatabase(answer.database);
        upsertOperation(answer.operation);
        // The progress has its own route, so that "New database" afterwards opens a fresh wizard.
        navigate(`/create/${answer.database.id}/${answer.operation.id}`);
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (providers.length === 0) {
    return (
      <EmptyState title="No cluster to create a database on">
        Add one under <a href={href('/clusters')}>Clusters</a> first.
      </EmptyState>
    );
  }

  const setEngine = (engine: Engine): void => {
    const mode = ENGINE_MODES[engine][0]!;
    update({ engine, mode, replicas: replicaRange(engine, mode).default });
  };
  const setMode = (mode: DatabaseMode): void =>
    update({ mode, replicas: replicaRange(form.engine, mode).default });
  const setPreset = (preset: SizePreset): void =>
    update(
      preset === 'custom'
        ? { preset }
        : { preset, cpu: SIZE_PRESETS[preset].cpu, memory: SIZE_PRESETS[preset].memory },
    );

  return (
    <section aria-labelledby="create-title" className="wizard">
      <h2 id="create-title">New database</h2>
      <ol className="steps" aria-label="Steps">
        {STEPS.map((label, i) => (
          <li
            key={label}
            aria-current={i === step ? 'step' : undefined}
            className={i === step ? 'current' : i < step ? 'done' : ''}
          >
            {label}
          </li>
        ))}
      </ol>
      <form className="panel form" onSubmit={(e) => e.preventDefault()}>
        {step === 0 && (
          <>
            <label>
              Engine
              <select value={form.engine} onChange={(e) => setEngine(e.target.value as Engine)}>
                {ENGINE_NAMES.map((engine) => (
                  <option key={engine}>{engine}</option>
                ))}
              </select>
            </label>
            {versions === null ? (
              <p>Reading the clusters&apos; catalogs…</p>
            ) : versions.length === 0 ? (
              <p>
                No connected cluster offers {form.engine}. Pick another engine or add a cluster with
                it.
              </p>
            ) : (
              <label>
                Version
                <select value={form.version} onChange={(e) => update({ version: e.target.value })}>
                  {versions.map((v) => (
                    <option key={v.version} value={v.version}>
                      {v.version}
                      {v.deprecated ? ' (deprecated)' : ''}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </>
        )}
        {step === 1 && (
          <>
            <label>
              Mode
              <select value={form.mode} onChange={(e) => setMode(e.target.value as DatabaseMode)}>
                {ENGINE_MODES[form.engine].map((mode) => (
                  <option key={mode}>{mode}</option>
                ))}
              </select>
            </label>
            <label>
              Replicas (
              {range.min === range.max ? `exactly ${range.min}` : `${range.min} to ${range.max}`})
              <input
                type="number"
                min={range.min}
                max={range.max}
                value={form.replicas}
                onChange={(e) => update({ replicas: Number(e.target.value) })}
              />
            </label>
          </>
        )}
        {step === 2 && (
          <>
            <fieldset>
              <legend>Size</legend>
              {(['small', 'medium', 'large', 'custom'] as const).map((preset) => (
                <label key={preset} className="inline">
                  <input
                    type="radio"
                    name="preset"
                    checked={form.preset === preset}
                    onChange={() => setPreset(preset)}
                  />
                  {preset}
                  {preset !== 'custom' &&
                    ` (${SIZE_PRESETS[preset].cpu} CPU, ${SIZE_PRESETS[preset].memory})`}
                </label>
              ))}
            </fieldset>
            {form.preset === 'custom' && (
              <>
                <label>
                  CPU
                  <input value={form.cpu} onChange={(e) => update({ cpu: e.target.value })} />
                </label>
                <label>
                  Memory
                  <input value={form.memory} onChange={(e) => update({ memory: e.target.value })} />
                </label>
              </>
            )}
            <label>
              Storage size
              <input
                value={form.storageSize}
                onChange={(e) => update({ storageSize: e.target.value })}
              />
            </label>
            <label>
              Storage class
              <input
                value={form.storageClass}
                onChange={(e) => update({ storageClass: e.target.value })}
              />
            </label>
          </>
        )}
        {step === 3 && (
          <>
            <label>
              Name
              <input
                value={form.name}
                onChange={(e) => update({ name: e.target.value })}
                placeholder="orders"
              />
            </label>
            <TenancyFields domain={form.domain} project={form.project} onChange={update} />
            <label>
              Cluster
              <select
                value={form.providerId}
                onChange={(e) => update({ providerId: e.target.value })}
              >
                <option value="">automatic (the engine chooses)</option>
                {providers.map((p) => (
                  <option key={p.id} value={p.id} disabled={!p.health.reachable}>
                    {p.name}
                    {p.health.reachable ? '' : ' (unreachable)'}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        {step === 4 && (
          <>
            <YamlView value={request} label="Request" />
            {preview ? (
              <div data-testid="create-preview">
                <h4>Manifests that will be applied</h4>
                {preview.map((m, i) => (
                  <YamlView
                    key={i}
                    value={m}
                    label={`${m.kind ?? 'object'} ${m.metadata?.name ?? ''}`}
                  />
                ))}
              </div>
            ) : (
              <p className="muted">
                Preview the manifests (a dry run: nothing is stored or applied), then create.
              </p>
            )}
          </>
        )}
        <ErrorView error={error} />
        <div className="buttons">
          {step > 0 && (
            <button type="button" onClick={() => setStep(step - 1)}>
              Back
            </button>
          )}
          {step < STEPS.length - 1 && (
            <button
              type="button"
              className="primary"
              onClick={() => setStep(step + 1)}
              disabled={step === 0 && !form.version}
            >
              Next
            </button>
          )}
          {step === STEPS.length - 1 && (
            <>
              <button
                type="button"
                onClick={() => void submit(true)}
                disabled={busy || offline !== null}
              >
                Preview manifests
              </button>
              <button
                type="button"
                className="primary"
                onClick={() => void submit(false)}
                disabled={busy || preview === null || offline !== null}
                title={offline ?? undefined}
              >
                Create database
              </button>
            </>
          )}
        </div>
      </form>
    </section>
  );
}
