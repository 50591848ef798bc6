import type {
  BridgeEvent,
  BridgeRequest,
  DesktopSettings,
  SettingsAnswer,
  SettingsView,
} from '../shared/ipc';
import type { Backend } from './backends';
import {
  DEFAULT_SETTINGS,
  redactSecrets,
  validateSettings,
  type SettingsProblem,
  type SettingsStore,
} from './settings';

export interface BackendHostOptions {
  /** Opens what the settings ask for: the embedded engine on its store, or a remote daemon. */
  open: (settings: DesktopSettings) => Promise<Backend>;
  store: SettingsStore;
  /** Where the running backend's events go (the window). */
  onEvent: (event: BridgeEvent) => void;
  /** Resolves null when a daemon answers at the URL, or a sentence saying why not. */
  probeDaemon: (url: string) => Promise<string | null>;
  /** Called after the backend changed, e.g. to drop answers cached from the previous one. */
  onSwitched?: () => void;
}

/** The parts of the settings that decide which backend runs; the rest can change without a restart. */
function backendKey(settings: DesktopSettings): string {
  return settings.attachRemote
    ? JSON.stringify(['remote', settings.remoteDaemonUrl])
    : JSON.stringify([
        'embedded',
        settings.store,
        settings.store === 'mongodb' ? settings.mongodbUrl : '',
        settings.redisUrl,
      ]);
}

/**
 * Holds the backend that answers the page, and swaps it when the settings change: the old one is
 * stopped first (the embedded engine's files cannot be opened twice), the new one started, and on
 * failure the previous one comes back, so a bad setting never leaves the desktop without an engine.
 * Saves are serialised.
 */
export class BackendHost {
  private backend: Backend | null = null;
  private running: DesktopSettings = DEFAULT_SETTINGS;
  private unsubscribe: (() => void) | null = null;
  private problem: string | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BackendHostOptions) {}

  /**
   * Starts what the saved settings ask for; when that fails, the embedded engine on SQLite, with
   * the reason shown in Settings.
   */
  async start(): Promise<void> {
    const saved = this.options.store.current();
    try {
      await this.attach(saved);
    } catch (error) {
      if (backendKey(saved) === backendKey(DEFAULT_SETTINGS)) throw error;
      this.problem = `the saved settings did not start (${redactSecrets(messageOf(error), saved)}); the embedded engine on SQLite runs instead until they are fixed`;
      await this.attach(DEFAULT_SETTINGS);
    }
  }

  /** Hands a request to the running backend; rejects while none runs (during a switch). */
  send(request: BridgeRequest): Promise<{ status: number; body: unknown }> {
    if (!this.backend) return Promise.reject(new Error('the engine is restarting'));
    return this.backend.send(request);
  }

  view(): SettingsView {
    return {
      settings: this.options.store.masked(),
      active: this.backend?.active() ?? { kind: 'embedded', store: 'sqlite', sharedRedis: false },
      problem: this.problem,
    };
  }

  /** Validates, applies and then saves settings from the page; one save at a time. */
  save(input: unknown): Promise<SettingsAnswer> {
    const result = this.tail.then(() => this.apply(input));
    this.tail = result.catch(() => undefined);
    return result;
  }

  async stop(): Promise<void> {
    await this.tail;
    await this.detach();
  }

  private async apply(input: unknown): Promise<SettingsAnswer> {
    const checked = validateSettings(input);
    if (!checked.ok)
      return failure(400, 'VALIDATION_FAILED', 'the settings are not valid', checked.problems);
    const next = this.options.store.unmask(checked.value);
    if (next.attachRemote) {
      const unreachable = await this.options.probeDaemon(next.remoteDaemonUrl);
      if (unreachable)
        return failure(503, 'UNAVAILABLE', unreachable, [
          { path: 'remoteDaemonUrl', rule: 'reachable', message: unreachable },
        ]);
    }
    if (backendKey(next) !== backendKey(this.running)) {
      const previous = this.running;
      await this.detach();
      try {
        await this.attach(next);
      } catch (error) {
        const reason = redactSecrets(messageOf(error), next);
        try {
          await this.attach(previous);
        } catch (again) {
          this.problem = `neither the new nor the previous settings started (${redactSecrets(messageOf(again), previous)})`;
          return failure(503, 'UNAVAILABLE', this.problem, []);
        }
        return failure(
          503,
          'UNAVAILABLE',
          `the engine did not start with these settings (${reason}); the previous settings are in use again`,
          [],
        );
      }
      this.problem = null;
      this.options.onSwitched?.();
    }
    await this.options.store.save(next);
    return { ok: true, view: this.view() };
  }

  private async attach(settings: DesktopSettings): Promise<void> {
    const backend = await this.options.open(settings);
    this.backend = backend;
    this.running = settings;
    this.unsubscribe = backend.subscribe(this.options.onEvent);
  }

  private async detach(): Promise<void> {
    const backend = this.backend;
    this.backend = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    await backend?.stop();
  }
}

function failure(
  status: number,
  code: string,
  message: string,
  details: SettingsProblem[],
): SettingsAnswer {
  return { ok: false, status, body: { error: { code, message, details } } };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
