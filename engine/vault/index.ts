import type { Disposable } from '../base/disposable';

export {
  SECRET_KINDS,
  assertSecret,
  assertSecretRef,
  parseSecretRefKey,
  secretRefKey,
} from './ref';
export type { SecretKind, SecretRef } from './ref';
export { VAULT_LOCKED, VaultClosedError, VaultLockedError } from './errors';

import type { SecretRef } from './ref';

/**
 * Where secrets live: kubeconfigs, database credentials, S3 keys, signing keys. Nothing secret is
 * ever written to the store, a log line or an error; the store keeps only a {@link SecretRef}.
 *
 * Implementations: `vault/file` (AES-256-GCM encrypted file, for servers) and `vault/keytar`
 * (the OS keychain, for the desktop). Both pass `vault/conformance`.
 *
 * Every method rejects with an `EngineError`: `ValidationError` for a malformed ref,
 * `NotFoundError` for an absent secret, `VaultLockedError` when the key does not open the vault,
 * `UnavailableError` when the keychain cannot be reached, `VaultClosedError` after `close()`.
 */
export interface Vault extends Disposable {
  /** Stores (or replaces) the secret under `ref` and returns the ref to keep in the store. */
  put(ref: SecretRef, secret: string): Promise<SecretRef>;
  /**
   * Stores `secret` under `ref` unless a secret is there already, atomically across replicas, and
   * answers the one kept. Only vaults that several processes share implement it (`vault/store`);
   * with the others one process owns the vault and get-then-put is enough.
   */
  putIfAbsent?(ref: SecretRef, secret: string): Promise<string>;
  /** The secret under `ref`; rejects with `NotFoundError` when there is none. */
  get(ref: SecretRef): Promise<string>;
  /** Removes the secret; resolves `false` (no error) when there was none, so retries are harmless. */
  delete(ref: SecretRef): Promise<boolean>;
  /**
   * The refs (never the values) whose key `kind/id` starts with `prefix`, sorted by key.
   * `list('kubeconfig/')` lists every kubeconfig; no prefix lists everything.
   */
  list(prefix?: string): Promise<SecretRef[]>;
  /** Releases the vault (wipes the key from memory for the file vault). Safe to call twice. */
  close(): Promise<void>;
}
