/**
 * The desktop contract between main, preload and the page. The page may only call these channels;
 * main checks the channel and the sender of every message.
 */

/** The one request channel: the page asks, main answers through the engine's HTTP API. */
export const REQUEST_CHANNEL = 'dbaas:request';
/** Engine events pushed from main to the page. */
export const EVENT_CHANNEL = 'dbaas:event';
/** The desktop's own settings (where the engine keeps its state), read and saved through main. */
export const SETTINGS_CHANNEL = 'dbaas:settings';

/** The user's own kubeconfig ($KUBECONFIG or ~/.kube/config), read by main and never sent to the page. */
export const LOCAL_KUBECONFIG_CHANNEL = 'dbaas:local-kubeconfig';

/** The event main sends when the remote daemon's session starts or ends. */
export const SESSION_EVENT = 'desktop.session';
/**
 * The event main sends as its event stream from a remote daemon connects, opens or drops
 * (`data.state`: `connecting`, `open`, `closed`), so the page can make up events it missed.
 */
export const STREAM_EVENT = 'desktop.stream';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request the page sends; `url` is an API path such as `/api/v1/health`. */
export interface BridgeRequest {
  method: HttpMethod;
  url: string;
  body?: unknown;
}

/** What main answers: the HTTP status and the parsed JSON body. */
export interface BridgeResponse {
  status: number;
  body: unknown;
  /**
   * Set when the engine could not answer and main answered from the offline cache instead: the
   * body is the last known answer, `ageSeconds` old.
   */
  stale?: { since: string; ageSeconds: number; reason: string };
}

/** A server-sent event as the page receives it. */
export interface BridgeEvent {
  type: string;
  data: unknown;
}

/**
 * Where the desktop's engine keeps its state, or the daemon it attaches to instead. URLs that carry
 * a password are shown to the page with the password as {@link MASKED_PASSWORD}; saving a URL whose
 * password is that mask keeps the stored password.
 */
export interface DesktopSettings {
  store: 'sqlite' | 'mongodb';
  /** Required when `store` is `mongodb`; empty otherwise. */
  mongodbUrl: string;
  /** A shared Redis (BullMQ queue, status cache, rate limits); empty for none. */
  redisUrl: string;
  /** Use a remote daemon instead of the embedded engine. */
  attachRemote: boolean;
  /** Required when `attachRemote`; https, or http on this computer only. */
  remoteDaemonUrl: string;
}

/** The password part of a URL as main shows it. */
export const MASKED_PASSWORD = '****';

/** What is running now, as main reports it. */
export type ActiveBackend =
  | { kind: 'embedded'; store: 'sqlite' | 'mongodb'; sharedRedis: boolean }
  | { kind: 'remote'; url: string; signedIn: boolean };

/** Main's answer about settings: the saved settings (masked), what runs, and why it differs. */
export interface SettingsView {
  settings: DesktopSettings;
  /** Null while nothing runs: the saved settings do not start (see `problem`); main retries them. */
  active: ActiveBackend | null;
  /** Why the saved settings are not running, when they are not. */
  problem: string | null;
}

/** A settings call: read them, or save and apply them (main restarts the engine or re-attaches). */
export type SettingsRequest = { action: 'get' } | { action: 'save'; settings: DesktopSettings };

/** What the page gets back: the view, or an API-shaped error naming each field and rule. */
export type SettingsAnswer =
  | { ok: true; view: SettingsView }
  | {
      ok: false;
      status: number;
      body: {
        error: {
          code: string;
          message: string;
          details: readonly { path: string; rule: string; message: string }[];
        };
      };
    };

/**
 * A call about the user's own kubeconfig: list its contexts, or register some of them as clusters.
 * Main reads the file and hands it to the engine itself, so the credentials never reach the page.
 */
export type LocalKubeconfigRequest =
  | { action: 'contexts' }
  | { action: 'add'; contexts: { context: string; name: string; region?: string }[] };

/** What main answers: where it read the kubeconfig from, and the engine's answer as the bridge gives it. */
export interface LocalKubeconfigAnswer {
  /** The files main read, in kubectl's order; empty when none exists. */
  paths: string[];
  /** For `contexts`: the engine's list answer; for `add`: one answer per context, in order. */
  responses: BridgeResponse[];
}

/** What the preload exposes as `window.dbaas`, and nothing more. */
export interface DbaasBridge {
  request(request: BridgeRequest): Promise<BridgeResponse>;
  /** Subscribes to engine events; returns the function that unsubscribes. */
  onEvent(listener: (event: BridgeEvent) => void): () => void;
  /** Reads or saves the desktop's settings. */
  settings(request: SettingsRequest): Promise<SettingsAnswer>;
  /** Lists or adds contexts of the user's own kubeconfig. */
  localKubeconfig(request: LocalKubeconfigRequest): Promise<LocalKubeconfigAnswer>;
}

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Validates what the page sent, since the page is not trusted. Returns null when malformed. */
export function parseBridgeRequest(value: unknown): BridgeRequest | null {
  if (typeof value !== 'object' || value === null) return null;
  const { method, url, body } = value as Record<string, unknown>;
  if (typeof method !== 'string' || !METHODS.includes(method)) return null;
  if (
    typeof url !== 'string' ||
    !url.startsWith('/api/') ||
    url.includes('..') ||
    url.length > 2048
  ) {
    return null;
  }
  return { method: method as HttpMethod, url, body };
}
