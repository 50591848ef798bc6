import { ConflictError, NotFoundError } from '../../base/errors';
import { VaultClosedError } from '../errors';
import type { Vault } from '../index';
import { assertSecret, parseSecretRefKey, secretRefKey, type SecretRef } from '../ref';
import { openEntries, parseVaultKey, sealEntries, type VaultEntries } from '../file';

/** The meta entry that holds the sealed vault. */
export const STORE_VAULT_KEY = 'vault.sealed';

/** Replicas racing on one vault retry this often before the write fails (each retry re-reads). */
const MAX_ATTEMPTS = 30;
/** The longest pause between two attempts; each pause is a random part of a growing bound. */
const MAX_BACKOFF_MS = 200;

/**
 * What the vault needs of the store: one key/value entry with a revision (the store's
 * `MetaRepository` is one). `put` with an expected revision (null: must not exist yet) rejects with
 * a `ConflictError` when the entry moved on.
 */
export interface SealedEntryStore {
  get(key: string): Promise<{ value: unknown; revision: number } | null>;
  put(key: string, value: unknown, expectedRevision?: number | null): Promise<unknown>;
}

export interface StoreVaultOptions {
  meta: SealedEntryStore;
  /** 32 bytes as hex or base64 (`DBAAS_VAULT_KEY`), the same on every replica. */
  key: string;
}

/**
 * The vault of replicated daemons: the same AES-256-GCM sealed map as the file vault (refs and
 * secrets encrypted together), kept as one entry of the shared store, so that every replica reads
 * and writes the same secrets. Each write re-seals the whole map with a fresh nonce and commits only
 * if nobody wrote since it read (the entry's revision); a replica that lost the race reads again and
 * retries, so two replicas adding secrets at once both keep theirs. The store sees ciphertext only.
 */
export async function openStoreVault(options: StoreVaultOptions): Promise<Vault> {
  const vault = new StoreVault(options.meta, parseVaultKey(options.key));
  try {
    await vault.verify();
  } catch (error) {
    await vault.close();
    throw error;
  }
  return vault;
}

class StoreVault implements Vault {
  private closed = false;
  /** Writes of this replica, one at a time: only other replicas can race it. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly meta: SealedEntryStore,
    private readonly key: Buffer,
  ) {}

  async verify(): Promise<void> {
    await this.read();
  }

  async put(ref: SecretRef, secret: string): Promise<SecretRef> {
    const entryKey = secretRefKey(ref);
    assertSecret(secret);
    await this.update((entries) => {
      entries.set(entryKey, secret);
      return true;
    });
    return { kind: ref.kind, id: ref.id };
  }

  async putIfAbsent(ref: SecretRef, secret: string): Promise<string> {
    const entryKey = secretRefKey(ref);
    assertSecret(secret);
    let kept = secret;
    await this.update((entries) => {
      const existing = entries.get(entryKey);
      if (existing !== undefined) {
        kept = existing;
        return false;
      }
      kept = secret;
      entries.set(entryKey, secret);
      return true;
    });
    return kept;
  }

  async get(ref: SecretRef): Promise<string> {
    const entryKey = secretRefKey(ref);
    const secret = (await this.read()).entries.get(entryKey);
    if (secret === undefined) throw new NotFoundError('secret', entryKey);
    return secret;
  }

  async delete(ref: SecretRef): Promise<boolean> {
    const entryKey = secretRefKey(ref);
    return this.update((entries) => entries.delete(entryKey));
  }

  async list(prefix = ''): Promise<SecretRef[]> {
    const keys = [...(await this.read()).entries.keys()]
      .filter((key) => key.startsWith(prefix))
      .sort();
    return keys.map(parseSecretRefKey).filter((ref): ref is SecretRef => ref !== undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.key.fill(0);
  }

  dispose(): Promise<void> {
    return this.close();
  }

  /** Applies `change` to the current map and commits it; answers whether anything changed. */
  private update(change: (entries: VaultEntries) => boolean): Promise<boolean> {
    const result = this.writes.then(
      () => this.commit(change),
      () => this.commit(change),
    );
    this.writes = result.catch(() => undefined);
    return result;
  }

  private async commit(change: (entries: VaultEntries) => boolean): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const { entries, revision } = await this.read();
      if (!change(entries)) return false;
      const sealed = sealEntries(entries, this.key).toString('base64');
      try {
        await this.meta.put(STORE_VAULT_KEY, sealed, revision);
        return true;
      } catch (error) {
        // Another replica wrote first: read its map and apply the change again.
        if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
        const bound = Math.min(MAX_BACKOFF_MS, 5 * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * bound));
      }
    }
  }

  private async read(): Promise<{ entries: VaultEntries; revision: number | null }> {
    if (this.closed) throw new VaultClosedError();
    const entry = await this.meta.get(STORE_VAULT_KEY);
    if (!entry) return { entries: new Map(), revision: null };
    const data =
      typeof entry.value === 'string' ? Buffer.from(entry.value, 'base64') : Buffer.alloc(0);
    return { entries: openEntries(data, this.key), revision: entry.revision };
  }
}
