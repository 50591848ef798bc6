import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import type {
  ApiClient,
  KubeContext,
  ListResponse,
  LocalKubeconfigClient,
  PublicProvider,
} from '../../api';
import { ErrorView } from '../../ui';

/** A provider name from a context name: a DNS label, as the API requires. */
export function providerNameFor(base: string, context: string, many: boolean): string {
  const raw = many ? `${base}-${context}` : base;
  const label = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  return (label || 'cluster').slice(0, 63).replace(/-+$/, '');
}

/**
 * Adds clusters from a kubeconfig (a file or pasted text, or on the desktop the user's own, which
 * main reads so its credentials never reach the page): read its contexts, pick some, register each.
 */
export function AddClusterForm({
  client,
  onAdded,
  disabledReason,
  localKubeconfig = null,
}: {
  client: ApiClient;
  onAdded: (p: PublicProvider) => void;
  disabledReason: string | null;
  localKubeconfig?: LocalKubeconfigClient | null;
}) {
  const [kubeconfig, setKubeconfig] = useState('');
  const [name, setName] = useState('');
  const [region, setRegion] = useState('');
  const [contexts, setContexts] = useState<KubeContext[] | null>(null);
  /** The files main read when the contexts come from the user's own kubeconfig; null otherwise. */
  const [localPaths, setLocalPaths] = useState<string[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const onFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    if (file) setKubeconfig(await file.text());
    setContexts(null);
    setLocalPaths(null);
  };

  const showContexts = (items: KubeContext[]): void => {
    setContexts(items);
    const usable = items.filter((c) => !c.problem);
    const current = usable.find((c) => c.current) ?? usable[0];
    setChosen(new Set(current ? [current.name] : []));
    if (!name && current)
      setName(providerNameFor(current.cluster || current.name, current.name, false));
  };

  const readLocal = async (): Promise<void> => {
    if (!localKubeconfig) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await localKubeconfig.contexts();
      setKubeconfig('');
      setLocalPaths(answer.paths);
      showContexts(answer.items);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  /** The text in the form now, so that a late answer for an older text is dropped. */
  const latest = useRef(kubeconfig);
  latest.current = kubeconfig;

  const readContexts = async (text: string = kubeconfig): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const answer = await client.request<ListResponse<KubeContext>>(
        'POST',
        '/api/v1/providers/contexts',
        { kubeconfig: text },
      );
      if (latest.current !== text) return;
      setLocalPaths(null);
      showContexts(answer.items);
    } catch (failure) {
      if (latest.current === text) setError(failure);
    } finally {
      setBusy(false);
    }
  };

  // A pasted or chosen kubeconfig is checked as soon as it is there (the engine runs the same guard
  // as registration), so a refusal shows before "Add", not after it.
  const check = useRef(readContexts);
  check.current = readContexts;
  useEffect(() => {
    if (!kubeconfig.trim() || disabledReason !== null) return;
    const timer = setTimeout(() => void check.current(kubeconfig), 400);
    return () => clearTimeout(timer);
  }, [kubeconfig, disabledReason]);

  const add = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const many = chosen.size > 1;
    try {
      const choices = [...chosen].map((context) => ({
        context,
        name: providerNameFor(name || context, context, many),
        ...(region ? { region } : {}),
      }));
      if (localPaths && localKubeconfig) await localKubeconfig.add(choices, onAdded);
      else {
        for (const choice of choices)
          onAdded(
            await client.request<PublicProvider>('POST', '/api/v1/providers', {
              ...choice,
              kubeconfig,
            }),
          );
      }
      setKubeconfig('');
      setContexts(null);
      setLocalPaths(null);
      setName('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel form"
      onSubmit={(e) => e.preventDefault()}
      aria-labelledby="add-cluster-title"
    >
      <h3 id="add-cluster-title">Add a cluster</h3>
      <label>
        Kubeconfig file
        <input
          type="file"
          accept=".yaml,.yml,.conf,text/plain,*"
          onChange={(e) => void onFile(e)}
        />
      </label>
      <label>
        or paste the kubeconfig
        <textarea
          rows={6}
          value={kubeconfig}
          onChange={(e) => (setKubeconfig(e.target.value), setContexts(null), setLocalPaths(null))}
          spellCheck={false}
        />
      </label>
      <div className="buttons">
        <button
          type="button"
          onClick={() => void readContexts(kubeconfig)}
          disabled={!kubeconfig.trim() || busy || disabledReason !== null}
        >
          Read contexts
        </button>
        {localKubeconfig && (
          <button
            type="button"
            onClick={() => void readLocal()}
            disabled={busy || disabledReason !== null}
          >
            Use my kubeconfig
          </button>
        )}
      </div>
      {localPaths && (
        <p className="hint" data-testid="local-kubeconfig-paths">
          {localPaths.length > 0
            ? `From ${localPaths.join(', ')} (read by the app; the credentials stay out of this page).`
            : 'No kubeconfig found: set KUBECONFIG or create ~/.kube/config.'}
        </p>
      )}
      {contexts && (
        <>
          <fieldset>
            <legend>Contexts to add</legend>
            {contexts.map((c) => (
              <label key={c.name} className="inline">
                <input
                  type="checkbox"
                  disabled={c.problem !== undefined}
                  checked={chosen.has(c.name)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(c.name);
                    else next.delete(c.name);
                    setChosen(next);
                  }}
                />
                {c.name} <span className="muted">({c.server || 'no server shown'})</span>
                {c.problem && (
                  <span className="error" role="alert" data-testid="context-problem">
                    {c.problem.message}
                  </span>
                )}
              </label>
            ))}
          </fieldset>
          <label>
            Cluster name
            <input value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Region (optional)
            <input value={region} onChange={(e) => setRegion(e.target.value)} />
          </label>
          <div className="buttons">
            <button
              type="button"
              className="primary"
              onClick={() => void add()}
              disabled={chosen.size === 0 || busy || disabledReason !== null}
            >
              Add {chosen.size === 1 ? 'cluster' : `${chosen.size} clusters`}
            </button>
          </div>
        </>
      )}
      <ErrorView error={error} />
    </form>
  );
}
