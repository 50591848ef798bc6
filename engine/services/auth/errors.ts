import { EngineError } from '../../base/errors';

/**
 * 429: too many requests or too many failed logins. The API's error handler turns
 * `retryAfterSeconds` into the `Retry-After` header.
 */
export class RateLimitedError extends EngineError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterMs: number) {
    super('RATE_LIMITED', message);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}
