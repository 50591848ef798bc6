import type { Engine } from '../../engine/engine';
import { createHttpClient } from '../shared/api/http-client';
import { TokenManager, type TokenStorage } from '../shared/api/session';
import { ApiError, errorAnswer, parseBody } from '../shared/api/client';
import {
  SESSION_EVENT,
  STREAM_EVENT,
  type ActiveBackend,
  type BridgeEvent,
  type BridgeRequest,
} from '../shared/ipc';

/** Nothing runs to answer (settings that do not start, or a switch under way); the message says why and holds no secret. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** What answers the page's requests: the embedded engine, or a remote daemon. */
export interface Backend {
  /** What runs, as the Settings screen shows it. */
  active(): ActiveBackend;
  /** Answers a request; rejects only when nothing answered (the bridge then says 503). */
  send(request: BridgeRequest): Promise<{ status: number; body: unknown }>;
  /** Receives the backend's live events; returns the function that unsubscribes. */
  subscribe(listener: (event: BridgeEvent) => void): () => void;
  stop(): Promise<void>;
}

/** The engine in this process, reached through fastify's `inject` as the local desktop user. */
export function createEmbeddedBackend(
  engine: Engine,
  identityHeaders: () => Record<string, string>,
): Backend {
  return {
    active: () => ({
      kind: 'embedded',
      store: engine.config.store,
      sharedRedis: engine.config.redisUrl !== undefined,
    }),
    async send(request) {
      const response = await engine.api.inject({
        method: request.method,
        url: request.url,
        payload: request.body === undefined ? undefined : JSON.stringify(request.body),
        headers: {
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...identityHeaders(),
        },
      });
      return { status: response.statusCode, body: parseBody(response.body) };
    },
    subscribe(listener) {
      const subscription = engine.services.events.subscribe((event) =>
        listener({ type: event.type, data: event.data }),
      );
      return () => void subscription.dispose();
    },
    stop: () => engine.stop(),
  };
}

const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
/** Not a daemon route: the desktop's way to end its own session with the remote daemon. */
export const DESKTOP_LOGOUT = '/api/v1/auth/logout';

/** In memory only: the desktop signs in to a remote daemon again after a restart. */
function memoryStorage(): TokenStorage {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  };
}

/**
 * A remote daemon over HTTP. Main holds the session: the page signs in through the bridge, but the
 * access and refresh tokens stay in main and never reach the page. Events come from the daemon's
 * SSE stream while signed in.
 */
export function createRemoteBackend(baseUrl: string, fetchImpl: typeof fetch = fetch): Backend {
  const tokens = new TokenManager(baseUrl, fetchImpl, memoryStorage());
  const listeners = new Set<(event: BridgeEvent) => void>();
  const emit = (event: BridgeEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const client = createHttpClient(baseUrl, fetchImpl, tokens, (state) =>
    emit({ type: STREAM_EVENT, data: { state } }),
  );
  let closeStream: (() => void) | null = null;
  const offSession = tokens.onChange((user) => {
    if (user && !closeStream) closeStream = client.onEvent(emit);
    if (!user && closeStream) {
      closeStream();
      closeStream = null;
    }
    emit({ type: SESSION_EVENT, data: { signedIn: user !== null } });
  });

  return {
    active: () => ({ kind: 'remote', url: baseUrl, signedIn: tokens.user !== null }),
    async send(request) {
      if (request.method === 'POST' && request.url === LOGIN) return signIn(tokens, request.body);
      if (request.method === 'POST' && request.url === DESKTOP_LOGOUT) {
        tokens.logout();
        return { status: 204, body: null };
      }
      if (request.url === REFRESH)
        return errorAnswer(400, 'BAD_REQUEST', 'the desktop refreshes its session itself');
      if (tokens.user === null && request.url.startsWith('/api/v1/') && !isPublic(request.url))
        return errorAnswer(401, 'UNAUTHENTICATED', 'sign in to the remote daemon first');
      return client.exchange(request.method, request.url, request.body);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async stop() {
      offSession();
      closeStream?.();
      closeStream = null;
      tokens.logout();
      listeners.clear();
    },
  };
}

function isPublic(url: string): boolean {
  return url === LOGIN || url.startsWith('/api/v1/health');
}

async function signIn(
  tokens: TokenManager,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const { username, password } = (body ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || typeof password !== 'string')
    return errorAnswer(400, 'VALIDATION_FAILED', 'username and password are required', [
      { path: 'username', rule: 'required', message: 'username and password are strings' },
    ]);
  try {
    // The page gets the user, never the tokens: main keeps those.
    return { status: 200, body: { user: await tokens.login(username, password) } };
  } catch (error) {
    // The daemon's own refusal, passed on as it came.
    if (error instanceof ApiError)
      return {
        status: error.status,
        body: { error: { code: error.code, message: error.message, details: error.details } },
      };
    throw error;
  }
}

/**
 * Checks that a KubeDB DBaaS daemon answers at `baseUrl` (its liveness route says `mode: daemon`),
 * within `timeoutMs`. Resolves null when it does, or a sentence saying what went wrong.
 */
export async function probeDaemon(
  baseUrl: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 5_000,
): Promise<string | null> {
  try {
    const response = await fetchImpl(`${baseUrl}/api/v1/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => null)) as { mode?: unknown } | null;
    if (response.ok && body?.mode === 'daemon') return null;
    return `${baseUrl} answered, but not as a KubeDB DBaaS daemon (status ${response.status})`;
  } catch {
    return `no daemon answered at ${baseUrl} within ${timeoutMs / 1000} s`;
  }
}
