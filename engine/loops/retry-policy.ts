import { isEngineError } from '../base/errors';
import { KubeConflictError } from '../kube';
import { StaleRevisionError } from '../store';

/**
 * The loops' retry rules, decided by error type — never by an error's code string or message.
 * A store write that lost a race (`StaleRevisionError`) is re-read and written again at once; a
 * `DuplicateError` is also a `ConflictError`, but a second try cannot help, so it is not retried.
 */
export function isStaleWrite(error: unknown): error is StaleRevisionError {
  return error instanceof StaleRevisionError;
}

/**
 * Whether a failed operation attempt deserves another delivery: a cluster conflict (409 `Conflict`:
 * someone else changed the object first) does; an `EngineError` does unless it is terminal; an
 * unexpected error does, within the operation's `maxAttempts`.
 */
export function isRetryableAttempt(error: unknown): boolean {
  if (error instanceof KubeConflictError) return true;
  if (isEngineError(error)) return !error.terminal;
  return true;
}
