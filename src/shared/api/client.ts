import type { ErrorBody } from '../../../engine/api/contracts';
import type { BridgeEvent, HttpMethod } from '../ipc';

/** An API answer that was not 2xx, with API.md's error code, message and field details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorBody['error']['details'] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The renderer's one way to reach the engine. Two implementations: HTTP (a browser against the
 * daemon) and IPC (the Electron window against the embedded engine).
 */
export interface ApiClient {
  readonly transport: 'http' | 'ipc';
  request<T>(method: HttpMethod, url: string, body?: unknown): Promise<T>;
  /** Subscribes to the engine's event stream; returns the unsubscribe function. */
  onEvent(listener: (event: BridgeEvent) => void): () => void;
}

/** Turns a status and body into the value or an ApiError. */
export function unwrap<T>(status: number, body: unknown): T {
  if (status >= 200 && status < 300) return body as T;
  const error = (body as Partial<ErrorBody> | null)?.error;
  throw new ApiError(
    status,
    error?.code ?? 'UNKNOWN',
    error?.message ?? `request failed with status ${status}`,
    error?.details ?? [],
  );
}

/** A response body as the API sends it: JSON, null when empty, the text itself when it is not JSON. */
export function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** An answer in API.md's error shape, for answers main makes itself. */
export function errorAnswer(
  status: number,
  code: ErrorBody['error']['code'],
  message: string,
  details: ErrorBody['error']['details'] = [],
): { status: number; body: ErrorBody } {
  return { status, body: { error: { code, message, details } } };
}
