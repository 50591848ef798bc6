import type {
  DbaasBridge,
  DesktopSettings,
  SettingsAnswer,
  SettingsView,
} from '../../../shared/ipc';
import { ApiError } from '../../../shared/api/client';

/** The desktop's settings as the page reaches them: through main, which keeps their secrets. */
export interface DesktopSettingsClient {
  get(): Promise<SettingsView>;
  /** Saves and applies; rejects with an ApiError naming each field when main refuses. */
  save(settings: DesktopSettings): Promise<SettingsView>;
}

function viewOf(answer: SettingsAnswer): SettingsView {
  if (answer.ok) return answer.view;
  const { code, message, details } = answer.body.error;
  throw new ApiError(answer.status, code, message, details);
}

/** The settings client inside the desktop window; null in a browser, where the daemon is configured by its operator. */
export function createDesktopSettingsClient(
  bridge: DbaasBridge | undefined,
): DesktopSettingsClient | null {
  if (!bridge) return null;
  return {
    get: async () => viewOf(await bridge.settings({ action: 'get' })),
    save: async (settings) => viewOf(await bridge.settings({ action: 'save', settings })),
  };
}
