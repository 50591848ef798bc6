import type { ApiClient, DesktopSettingsClient } from '../../api';
import type { SettingsView } from '../../../../shared/ipc';
import { BackupStoragesPanel } from '../backups/BackupStoragesPanel';
import { HealthPanel } from '../health';
import { usePreferencesStore, type ThemeChoice } from '../../stores';
import { EngineSettingsForm } from './EngineSettingsForm';

/**
 * Appearance, the engine's health, and on the desktop where the engine keeps its state (embedded
 * SQLite or a MongoDB URL, a shared Redis) or the remote daemon it attaches to instead.
 */
export function SettingsScreen({
  client,
  settings,
  onBackendChanged,
}: {
  client: ApiClient;
  /** Null in a browser: a daemon is configured by its operator, not from the console. */
  settings: DesktopSettingsClient | null;
  onBackendChanged: (view: SettingsView) => void;
}) {
  const { theme, setTheme } = usePreferencesStore();
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
      <BackupStoragesPanel client={client} />
      {settings ? (
        <EngineSettingsForm settings={settings} onApplied={onBackendChanged} />
      ) : (
        <div className="panel">
          <h3>Engine</h3>
          <p className="muted">
            This console runs in a browser against a daemon. Its store, Redis and limits are set
            where the daemon runs (DBAAS_STORE, MONGODB_URL, REDIS_URL; see the README). The desktop
            app chooses them here.
          </p>
        </div>
      )}
    </section>
  );
}
