/**
 * The stable error codes of the HTTP contract (API.md). Every failure the engine reports carries one.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  QUOTA_EXCEEDED: 422,
  LIMIT_EXCEEDED: 422,
  UNSUPPORTED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one input field, named by its path (`storage.size`, `replicas`). */
export interface ErrorDetail {
  path: string;
  rule: string;
  message: string;
}

/**
 * The one error type of the engine. Messages never contain a secret, a kubeconfig or a connection
 * string; `cause` keeps the underlying error for logs (which are redacted) but is never serialised.
 */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];
  /** Retrying will not help (bad input, a refused webhook); workers stop at once. */
  readonly terminal: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: readonly ErrorDetail[]; cause?: unknown; terminal?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.details = options.details ?? [];
    this.terminal = options.terminal ?? (code !== 'UNAVAILABLE' && code !== 'INTERNAL');
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export class ValidationError extends EngineError {
  constructor(message: string, details: readonly ErrorDetail[], cause?: unknown) {
    super('VALIDATION_FAILED', message, { details, cause });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends EngineError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} was not found`);
    this.name = 'NotFoundError';
  }
}

/** A stale write (optimistic concurrency) or a name that is already taken. */
export class ConflictError extends EngineError {
  constructor(message: string, cause?: unknown) {
    super('CONFLICT', message, { cause });
    this.name = 'ConflictError';
  }
}

/** A cluster, the store or the queue cannot be reached; worth retrying. */
export class UnavailableError extends EngineError {
  constructor(message: string, cause?: unknown) {
    super('UNAVAILABLE', message, { cause, terminal: false });
    this.name = 'UnavailableError';
  }
}

export function isEngineError(value: unknown): value is EngineError {
  return value instanceof EngineError;
}
