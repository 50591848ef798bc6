import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError } from '../../base/errors';
import { VaultLockedError } from '../errors';

/** AES-256 takes a 32-byte key. */
export const KEY_BYTES = 32;

/**
 * Reads a 32-byte key written as 64 hex digits or as base64 (standard or url-safe). The value is
 * never echoed: an error only says what shape was expected.
 */
export function parseVaultKey(value: string): Buffer {
  const text = value.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text)) key = Buffer.from(text, 'base64');
  if (key?.length !== KEY_BYTES) {
    throw new EngineError(
      'INTERNAL',
      'the vault key must be 32 bytes written as 64 hex digits or as base64',
      {
        terminal: true,
      },
    );
  }
  return key;
}

/**
 * The key in `file`, creating the file (32 random bytes, base64, mode 0600) when it does not exist.
 * A key file that group or others may read is refused: the key is as secret as everything it opens.
 */
export async function loadOrCreateKeyFile(file: string): Promise<Buffer> {
  const created = await createKeyFileIfMissing(file);
  if (created) return created;
  const info = await stat(file);
  if (!info.isFile()) throw new VaultLockedError('the vault key file is not a regular file');
  // Windows has no POSIX permission bits to check; its ACLs are the user's business.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new VaultLockedError(
      'the vault key file may be read by group or others; make it mode 0600',
    );
  }
  return parseVaultKey(await readFile(file, 'utf8'));
}

async function createKeyFileIfMissing(file: string): Promise<Buffer | undefined> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  let handle;
  try {
    // O_EXCL: two engines starting at once never overwrite each other's fresh key.
    handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return key;
}
