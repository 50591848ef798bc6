import type {
  DbaasBridge,
  DesktopSettings,
  SettingsAnswer,
  SettingsView,
} from '../../../shared/ipc';
import { ApiError, unwrap } from '../../../shared/api/client';
import type { KubeContext, ListResponse, PublicProvider } from './types';

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

/** The user's own kubeconfig on the desktop: main reads it; the page sees contexts, never credentials. */
export interface LocalKubeconfigClient {
  /** The contexts of $KUBECONFIG (or ~/.kube/config) and the files they came from. */
  contexts(): Promise<{ paths: string[]; items: KubeContext[] }>;
  /** Registers the chosen contexts as clusters; stops at the first refusal and throws it. */
  add(
    choices: { context: string; name: string; region?: string }[],
    onAdded: (provider: PublicProvider) => void,
  ): Promise<void>;
}

/** The local kubeconfig client inside the desktop window; null in a browser. */
export function createLocalKubeconfigClient(
  bridge: DbaasBridge | undefined,
): LocalKubeconfigClient | null {
  if (!bridge) return null;
  return {
    async contexts() {
      const answer = await bridge.localKubeconfig({ action: 'contexts' });
      const [response] = answer.responses;
      const list = unwrap<ListResponse<KubeContext>>(response?.status ?? 503, response?.body);
      return { paths: answer.paths, items: list.items };
    },
    async add(choices, onAdded) {
      const answer = await bridge.localKubeconfig({ action: 'add', contexts: choices });
      for (const response of answer.responses)
        onAdded(unwrap<PublicProvider>(response.status, response.body));
    },
  };
}
