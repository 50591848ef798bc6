import type {
  BridgeEvent,
  BridgeRequest,
  DesktopSettings,
  SettingsAnswer,
  SettingsView,
} from '../shared/ipc';
import { errorAnswer } from '../shared/api/client';
import { BackendUnavailableError, type Backend } from './backends';
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
  /** Waits between attempts to start saved settings that did not start (the last one repeats). */
  retryDelaysMs?: readonly number[];
}

const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

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
 *
 * Saved settings that do not start (a shared MongoDB or Redis that cannot be reached) are not
 * swapped for another engine: nothing answers, so the page gets main's last known answers marked
 * stale, with the reason, while the host tries again with backoff until they start or are changed.
 * Saves and retries are serialised.
 */
export class BackendHost {
  private backend: Backend | null = null;
  private running: DesktopSettings = DEFAULT_SETTINGS;
  private unsubscribe: (() => void) | null = null;
  private problem: string | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: BackendHostOptions) {}

  /**
   * Starts what the saved settings ask for. When they do not start, the host keeps trying (see the
   * class comment); only the defaults failing (the local disk) is fatal.
   */
  async start(): Promise<void> {
    const saved = this.options.store.current();
    try {
      await this.attach(saved);
    } catch (error) {
      if (backendKey(saved) === backendKey(DEFAULT_SETTINGS)) throw error;
      this.running = saved;
      this.failed(saved, error);
    }
  }

  /** Hands a request to the running backend; rejects, saying why, while none runs. */
  send(request: BridgeRequest): Promise<{ status: number; body: unknown }> {
    if (!this.backend)
      return Promise.reject(
        new BackendUnavailableError(this.problem ?? 'the engine is restarting'),
      );
    return this.backend.send(request);
  }

  view(): SettingsView {
    return {
      settings: this.options.store.masked(),
      active: this.backend?.active() ?? null,
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
    this.stopped = true;
    this.cancelRetry();
    await this.tail;
    await this.detach();
  }

  /** Records why `settings` did not start and tries them again after the next delay. */
  private failed(settings: DesktopSettings, error: unknown): void {
    const delays = this.options.retryDelaysMs ?? RETRY_DELAYS_MS;
    const delay = delays[Math.min(this.failures, delays.length - 1)] ?? 60_000;
    this.failures += 1;
    this.problem = `the engine cannot start with the saved settings (${redactSecrets(messageOf(error), settings)}); trying again in ${Math.round(delay / 1000)} s`;
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      const attempt = this.tail.then(() => this.retry(settings));
      this.tail = attempt.catch(() => undefined);
    }, delay);
    this.retryTimer.unref?.();
  }

  private async retry(settings: DesktopSettings): Promise<void> {
    if (this.stopped || this.backend || backendKey(settings) !== backendKey(this.running)) return;
    try {
      await this.attach(settings);
    } catch (error) {
      this.failed(settings, error);
    }
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
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
    if (backendKey(next) !== backendKey(this.running) || !this.backend) {
      const previous = this.running;
      this.cancelRetry();
      await this.detach();
      try {
        await this.attach(next);
      } catch (error) {
        const reason = redactSecrets(messageOf(error), next);
        try {
          await this.attach(previous);
        } catch (again) {
          this.failed(previous, again);
          return failure(
            503,
            'UNAVAILABLE',
            `the engine did not start with these settings (${reason}), nor with the previous ones`,
            [],
          );
        }
        return failure(
          503,
          'UNAVAILABLE',
          `the engine did not start with these settings (${reason}); the previous settings are in use again`,
          [],
        );
      }
      this.options.onSwitched?.();
    }
    await this.options.store.save(next);
    return { ok: true, view: this.view() };
  }

  private async attach(settings: DesktopSettings): Promise<void> {
    const backend = await this.options.open(settings);
    this.backend = backend;
    this.running = settings;
    this.problem = null;
    this.failures = 0;
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
  code: Parameters<typeof errorAnswer>[1],
  message: string,
  details: SettingsProblem[],
): SettingsAnswer {
  return { ok: false, ...errorAnswer(status, code, message, details) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
