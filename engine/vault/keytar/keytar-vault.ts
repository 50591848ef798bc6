import { EngineError, NotFoundError, UnavailableError } from '../../base/errors';
import { VaultClosedError } from '../errors';
import type { Vault } from '../index';
import { assertSecret, parseSecretRefKey, secretRefKey, type SecretRef } from '../ref';
import {
  CHUNK_MARKER,
  chunkAccount,
  chunkCountOf,
  DEFAULT_MAX_CODE_POINTS,
  splitSecret,
} from './chunks';

/** The part of keytar's API this adapter uses; injectable so that a test or another binding can stand in. */
export interface KeychainBinding {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

export interface KeytarVaultOptions {
  /** The keychain service name, e.g. `kubedb-dbaas`; every secret is one account under it. */
  service: string;
  /** Defaults to the `keytar` native module, loaded on open. */
  binding?: KeychainBinding;
  /**
   * Secrets longer than this (in code points) are split over several entries. Default 600 on
   * Windows (Credential Manager's 2560-byte limit), unlimited elsewhere.
   */
  maxCodePoints?: number;
}

/**
 * Opens the OS keychain (macOS Keychain, Windows Credential Vault, the freedesktop Secret Service
 * on Linux) through keytar. The service name is the app, the account is the ref's key `kind/id`.
 *
 * keytar is archived upstream. It stays behind the `Vault` port and the {@link KeychainBinding}
 * seam so that a maintained binding such as `@napi-rs/keyring` (same service/account model) can
 * replace it without touching anything outside this folder.
 *
 * Windows keeps at most 2560 bytes per entry, so larger secrets (kubeconfigs) are split into
 * chunks there (see chunks.ts); the port does not show it.
 *
 * Opening probes the keychain once, so that "no Secret Service" (a headless Linux without D-Bus)
 * fails here with `UnavailableError`, not on the first request.
 */
export async function openKeytarVault(options: KeytarVaultOptions): Promise<Vault> {
  if (!options.service) throw new UnavailableError('the keychain service name is empty');
  const binding = options.binding ?? (await loadKeytar());
  try {
    await binding.findCredentials(options.service);
  } catch (error) {
    throw keychainError(error);
  }
  return new KeytarVault(
    options.service,
    binding,
    options.maxCodePoints ?? DEFAULT_MAX_CODE_POINTS,
  );
}

async function loadKeytar(): Promise<KeychainBinding> {
  try {
    const module = (await import('keytar')) as KeychainBinding & { default?: KeychainBinding };
    return module.default ?? module;
  } catch (error) {
    throw new UnavailableError('the OS keychain binding (keytar) could not be loaded', error);
  }
}

class KeytarVault implements Vault {
  private closed = false;

  constructor(
    private readonly service: string,
    private readonly binding: KeychainBinding,
    private readonly maxCodePoints: number,
  ) {}

  async put(ref: SecretRef, secret: string): Promise<SecretRef> {
    const account = this.account(ref);
    assertSecret(secret);
    const before = chunkCountOf(await this.read(account)) ?? 0;
    const chunks = splitSecret(secret, this.maxCodePoints);
    if (chunks) {
      // Chunks first, the head last, surplus chunks after: a head never points at a missing chunk.
      // A get racing a put of the same ref may read a mix; each ref has one writer in the engine.
      for (const [index, chunk] of chunks.entries())
        await this.write(chunkAccount(account, index), chunk);
      await this.write(account, `${CHUNK_MARKER}${chunks.length}`);
    } else {
      await this.write(account, secret);
    }
    for (let index = chunks?.length ?? 0; index < before; index += 1)
      await this.remove(chunkAccount(account, index));
    return { kind: ref.kind, id: ref.id };
  }

  async get(ref: SecretRef): Promise<string> {
    const account = this.account(ref);
    const head = await this.read(account);
    if (head === null) throw new NotFoundError('secret', account);
    const count = chunkCountOf(head);
    if (count === null) return head;
    const chunks: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const chunk = await this.read(chunkAccount(account, index));
      if (chunk === null) {
        throw new EngineError(
          'INTERNAL',
          `the keychain entry ${account} is incomplete; put the secret again`,
        );
      }
      chunks.push(chunk);
    }
    return chunks.join('');
  }

  async delete(ref: SecretRef): Promise<boolean> {
    const account = this.account(ref);
    const count = chunkCountOf(await this.read(account)) ?? 0;
    for (let index = 0; index < count; index += 1) await this.remove(chunkAccount(account, index));
    return this.remove(account);
  }

  async list(prefix = ''): Promise<SecretRef[]> {
    this.assertOpen();
    // findCredentials also returns the passwords; they are dropped here and never leave this method.
    const credentials = await this.call(() => this.binding.findCredentials(this.service));
    return credentials
      .map((credential) => credential.account)
      .filter((account) => account.startsWith(prefix))
      .sort()
      .map(parseSecretRefKey)
      .filter((ref): ref is SecretRef => ref !== undefined);
  }

  async close(): Promise<void> {
    // keytar holds no connection of its own; closing only refuses further calls.
    this.closed = true;
  }

  dispose(): Promise<void> {
    return this.close();
  }

  private account(ref: SecretRef): string {
    this.assertOpen();
    return secretRefKey(ref);
  }

  private read(account: string): Promise<string | null> {
    return this.call(() => this.binding.getPassword(this.service, account));
  }

  private write(account: string, value: string): Promise<void> {
    return this.call(() => this.binding.setPassword(this.service, account, value));
  }

  private remove(account: string): Promise<boolean> {
    return this.call(() => this.binding.deletePassword(this.service, account));
  }

  private assertOpen(): void {
    if (this.closed) throw new VaultClosedError();
  }

  private async call<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      throw keychainError(error);
    }
  }
}

/** keytar's messages describe the keychain (locked collection, no D-Bus), never the secret. */
function keychainError(error: unknown): UnavailableError {
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new UnavailableError(`the OS keychain is unavailable${detail}`, error);
}
