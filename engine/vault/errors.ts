import { EngineError } from '../base/errors';

/** The marker that readiness probes and logs look for: the vault cannot be opened with this key. */
export const VAULT_LOCKED = 'VAULT_LOCKED';

/**
 * The vault's key does not open it: a wrong key, a tampered or truncated file, an unknown format,
 * or an unsafe key file. Code `INTERNAL` (the engine is misconfigured, it is not the caller's fault)
 * and terminal, because retrying with the same key cannot help; an operator must act. The message
 * starts with `VAULT_LOCKED:` and never names a secret, a key or a secret's ref.
 */
export class VaultLockedError extends EngineError {
  readonly reason = VAULT_LOCKED;

  constructor(message: string, cause?: unknown) {
    super('INTERNAL', `${VAULT_LOCKED}: ${message}`, { cause, terminal: true });
    this.name = 'VaultLockedError';
  }
}

/** A call on a vault after `close()`; a programming error during shutdown, not worth retrying. */
export class VaultClosedError extends EngineError {
  constructor() {
    super('UNAVAILABLE', 'the vault is closed', { terminal: true });
    this.name = 'VaultClosedError';
  }
}
