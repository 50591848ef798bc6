import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type EngineError, NotFoundError, UnavailableError } from '../../base/errors';
import { VaultClosedError, VaultLockedError } from '../errors';
import type { Vault } from '../index';
import { assertSecret, parseSecretRefKey, secretRefKey, type SecretRef } from '../ref';
import { openEntries, sealEntries, type VaultEntries } from './format';
import { loadOrCreateKeyFile, parseVaultKey } from './key';

/** Where the encrypted vault lives and where its key comes from. */
export type FileVaultOptions = { file: string } & (
  | {
      /** 32 bytes as hex or base64, e.g. the value of `DBAAS_VAULT_KEY` (the caller reads the env). */
      key: string;
    }
  | {
      /** A key file; created (random key, mode 0600) when absent, refused when group/world may read it. */
      keyFile: string;
    }
);

/**
 * Opens (or prepares to create) an AES-256-GCM encrypted vault file. An existing file is decrypted
 * at once, so a wrong key fails here with `VaultLockedError` and not on the first request.
 */
export async function openFileVault(options: FileVaultOptions): Promise<Vault> {
  const key =
    'key' in options ? parseVaultKey(options.key) : await loadOrCreateKeyFile(options.keyFile);
  const vault = new FileVault(options.file, key);
  try {
    await vault.verify();
  } catch (error) {
    await vault.close();
    throw error;
  }
  return vault;
}

/**
 * The encrypted file vault for servers. The whole map is re-encrypted with a fresh nonce on every
 * write and replaced atomically (temp file, fsync, rename, fsync of the folder), so a crash leaves
 * either the old or the new file. Calls are serialised within the process; the file is read on
 * every call so that another process's writes are seen, but concurrent writers in two processes
 * are not supported (one engine owns one vault file).
 */
class FileVault implements Vault {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly key: Buffer,
  ) {}

  async verify(): Promise<void> {
    await this.serial(() => this.read());
  }

  async put(ref: SecretRef, secret: string): Promise<SecretRef> {
    const entryKey = secretRefKey(ref);
    assertSecret(secret);
    return this.serial(async () => {
      const entries = await this.read();
      entries.set(entryKey, secret);
      await this.write(entries);
      return { kind: ref.kind, id: ref.id };
    });
  }

  async get(ref: SecretRef): Promise<string> {
    const entryKey = secretRefKey(ref);
    return this.serial(async () => {
      const secret = (await this.read()).get(entryKey);
      if (secret === undefined) throw new NotFoundError('secret', entryKey);
      return secret;
    });
  }

  async delete(ref: SecretRef): Promise<boolean> {
    const entryKey = secretRefKey(ref);
    return this.serial(async () => {
      const entries = await this.read();
      if (!entries.delete(entryKey)) return false;
      await this.write(entries);
      return true;
    });
  }

  async list(prefix = ''): Promise<SecretRef[]> {
    return this.serial(async () => {
      const keys = [...(await this.read()).keys()].filter((key) => key.startsWith(prefix)).sort();
      return keys.map(parseSecretRefKey).filter((ref): ref is SecretRef => ref !== undefined);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail.catch(() => undefined);
    this.key.fill(0);
  }

  dispose(): Promise<void> {
    return this.close();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new VaultClosedError());
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async read(): Promise<VaultEntries> {
    let data: Buffer;
    try {
      data = await readFile(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw fileError('read', error);
    }
    return openEntries(data, this.key);
  }

  private async write(entries: VaultEntries): Promise<void> {
    const folder = dirname(this.file);
    const temp = join(folder, `.${basename(this.file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const handle = await open(
        temp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
        0o600,
      );
      try {
        await handle.writeFile(sealEntries(entries, this.key));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw fileError('write', error);
    }
    await syncFolder(folder);
  }
}

/** Makes the rename itself durable. Some platforms (Windows) cannot open a folder; skip there. */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Best effort: the data file itself was already fsynced.
  } finally {
    await handle?.close();
  }
}

/** File system errors name the vault file's path only through `cause`, which stays in the logs. */
function fileError(action: 'read' | 'write', error: unknown): EngineError {
  if (error instanceof VaultLockedError) return error;
  return new UnavailableError(
    `the vault file could not be ${action === 'read' ? 'read' : 'written'}`,
    error,
  );
}
