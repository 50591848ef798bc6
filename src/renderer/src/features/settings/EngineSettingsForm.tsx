import { useEffect, useState } from 'react';
import type { DesktopSettingsClient } from '../../api';
import type { ActiveBackend, DesktopSettings, SettingsView } from '../../../../shared/ipc';
import { ErrorView } from '../../ui';

function describe(active: ActiveBackend | null): string {
  if (active === null) return 'nothing (the saved settings do not start; see below)';
  if (active.kind === 'remote')
    return `attached to the daemon at ${active.url} (${active.signedIn ? 'signed in' : 'not signed in'})`;
  return `the embedded engine on ${active.store === 'mongodb' ? 'a shared MongoDB' : 'SQLite'}${
    active.sharedRedis ? ' with a shared Redis' : ''
  }`;
}

/**
 * Where the desktop's engine keeps its state: embedded SQLite or a shared MongoDB, an optional shared
 * Redis, or a remote daemon instead. Main validates, applies (restarting the engine or attaching)
 * and only then saves; passwords in URLs come back masked and stay in the OS keychain.
 */
export function EngineSettingsForm({
  settings,
  onApplied,
}: {
  settings: DesktopSettingsClient;
  /** Called when a save changed what runs: the page then reloads its data from the new backend. */
  onApplied: (view: SettingsView) => void;
}) {
  const [view, setView] = useState<SettingsView | null>(null);
  const [draft, setDraft] = useState<DesktopSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    settings.get().then(
      (loaded) => {
        if (!live) return;
        setView(loaded);
        setDraft(loaded.settings);
      },
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [settings]);

  if (!view || !draft) return <ErrorView error={error} title="Could not read the settings" />;
  const update = (patch: Partial<DesktopSettings>): void => {
    setDraft({ ...draft, ...patch });
    setSaved(false);
  };
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const next = await settings.save(draft);
      const changed = JSON.stringify(next.active) !== JSON.stringify(view.active);
      setView(next);
      setDraft(next.settings);
      setSaved(true);
      if (changed) onApplied(next);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel form"
      aria-labelledby="engine-settings-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3 id="engine-settings-title">Engine (this desktop)</h3>
      <p data-testid="active-backend">Running now: {describe(view.active)}.</p>
      {view.problem && (
        <p role="alert" className="error-box">
          {view.problem}
        </p>
      )}
      <fieldset disabled={draft.attachRemote}>
        <legend>Store</legend>
        <label className="inline">
          <input
            type="radio"
            name="store"
            checked={draft.store === 'sqlite'}
            onChange={() => update({ store: 'sqlite' })}
          />
          Embedded SQLite (default)
        </label>
        <label className="inline">
          <input
            type="radio"
            name="store"
            checked={draft.store === 'mongodb'}
            onChange={() => update({ store: 'mongodb' })}
          />
          Shared MongoDB
        </label>
        {draft.store === 'mongodb' && (
          <label>
            MongoDB URL
            <input
              value={draft.mongodbUrl}
              onChange={(e) => update({ mongodbUrl: e.target.value })}
              placeholder="mongodb://user:password@host:27017/dbaas?replicaSet=rs0"
              autoComplete="off"
            />
          </label>
        )}
        <label>
          Shared Redis URL (optional: BullMQ queue, status cache, leader election)
          <input
            value={draft.redisUrl}
            onChange={(e) => update({ redisUrl: e.target.value })}
            placeholder="redis://:password@host:6379"
            autoComplete="off"
          />
        </label>
      </fieldset>
      <label className="inline">
        <input
          type="checkbox"
          checked={draft.attachRemote}
          onChange={(e) => update({ attachRemote: e.target.checked })}
        />
        Attach to a remote daemon instead of the embedded engine
      </label>
      {draft.attachRemote && (
        <label>
          Daemon URL
          <input
            value={draft.remoteDaemonUrl}
            onChange={(e) => update({ remoteDaemonUrl: e.target.value })}
            placeholder="https://dbaas.example.com"
          />
        </label>
      )}
      <p className="hint">
        Saving applies the settings at once: the engine restarts on the new store or Redis, or the
        console attaches to the daemon (you sign in to it next). If they do not work, the current
        ones stay. Passwords in URLs are kept in the OS keychain and shown as ****; leave **** to
        keep the saved password.
      </p>
      <ErrorView error={error} title="The settings were not applied" />
      <div className="buttons">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Applying…' : 'Save and apply'}
        </button>
        {saved && <span role="status">Saved and applied.</span>}
      </div>
    </form>
  );
}
