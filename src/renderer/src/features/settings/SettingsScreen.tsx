import { useState } from 'react';
import type { ApiClient } from '../../api';
import { HealthPanel } from '../health';
import { usePreferencesStore, type EngineSettings, type ThemeChoice } from '../../stores';

/**
 * Appearance, and on the desktop where the engine keeps its state: embedded SQLite or a MongoDB
 * URL, a shared Redis, or attaching to a remote daemon. The engine has no settings API yet, so the
 * choice is kept locally and takes effect once main reads it (see the report).
 */
export function SettingsScreen({ client }: { client: ApiClient }) {
  const { theme, setTheme, engine, saveEngine } = usePreferencesStore();
  const [draft, setDraft] = useState<EngineSettings>(engine);
  const [saved, setSaved] = useState(false);
  const update = (patch: Partial<EngineSettings>): void => {
    setDraft({ ...draft, ...patch });
    setSaved(false);
  };
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <div className="grid2">
        <form className="panel form" onSubmit={(e) => e.preventDefault()}>
          <h3>Appearance</h3>
          <label>
            Theme
            <select value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
              <option value="system">follow the system</option>
              <option value="light">light</option>
              <option value="dark">dark</option>
            </select>
          </label>
        </form>
        <HealthPanel client={client} />
      </div>
      <form
        className="panel form"
        onSubmit={(e) => {
          e.preventDefault();
          saveEngine(draft);
          setSaved(true);
        }}
      >
        <h3>Engine {client.transport === 'ipc' ? '(this desktop)' : '(desktop only)'}</h3>
        <fieldset>
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
        </fieldset>
        {draft.store === 'mongodb' && (
          <label>
            MongoDB URL
            <input
              value={draft.mongodbUrl}
              onChange={(e) => update({ mongodbUrl: e.target.value })}
              placeholder="mongodb://host:27017/dbaas?replicaSet=rs0"
            />
          </label>
        )}
        <label>
          Shared Redis URL (optional: BullMQ queue and status cache)
          <input
            value={draft.redisUrl}
            onChange={(e) => update({ redisUrl: e.target.value })}
            placeholder="redis://host:6379"
          />
        </label>
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
        <p className="muted">
          Kept on this computer. The engine does not take these settings over its API yet; they
          apply once the desktop reads them at start.
        </p>
        <div className="buttons">
          <button type="submit" className="primary">
            Save settings
          </button>
          {saved && <span role="status">Saved.</span>}
        </div>
      </form>
    </section>
  );
}
