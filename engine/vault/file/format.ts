import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { VaultLockedError } from '../errors';

/**
 * The file layout, version 1:
 *
 *   magic "KDBVAULT" (8) | version (1) | nonce (12) | GCM tag (16) | ciphertext
 *
 * The magic and version are authenticated as additional data, so changing them fails like a wrong
 * key. The plaintext is JSON `{ "entries": { "<kind>/<id>": "<secret>" } }`: refs are encrypted too,
 * so the file does not even say which providers or databases exist.
 */
const MAGIC = Buffer.from('KDBVAULT', 'latin1');
export const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1;
const MIN_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

/** Decrypted content: entry key `kind/id` to secret. */
export type VaultEntries = Map<string, string>;

/** Encrypts the entries under `key` with a fresh random 96-bit nonce. */
export function sealEntries(entries: VaultEntries, key: Buffer): Buffer {
  const header = Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION])]);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  const plaintext = Buffer.from(JSON.stringify({ entries: Object.fromEntries(entries) }), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  return Buffer.concat([header, nonce, cipher.getAuthTag(), ciphertext]);
}

/**
 * Decrypts a vault file. Fails closed with `VaultLockedError` for anything that does not
 * authenticate: a wrong key, a flipped bit, a truncated file, an unknown version.
 */
export function openEntries(data: Buffer, key: Buffer): VaultEntries {
  if (data.length < MIN_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new VaultLockedError('the vault file is not a vault file or is truncated');
  }
  const version = data[MAGIC.length];
  if (version !== FORMAT_VERSION) {
    throw new VaultLockedError(
      `the vault file has format version ${String(version)}, this engine reads ${FORMAT_VERSION}`,
    );
  }
  const header = data.subarray(0, HEADER_BYTES);
  const nonce = data.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const tag = data.subarray(HEADER_BYTES + NONCE_BYTES, MIN_BYTES);
  const ciphertext = data.subarray(MIN_BYTES);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    throw new VaultLockedError(
      'the key does not open the vault file (a wrong key, or the file was changed)',
      error,
    );
  }
  try {
    const parsed = JSON.parse(plaintext.toString('utf8')) as { entries?: unknown };
    const entries = parsed.entries;
    if (typeof entries !== 'object' || entries === null) throw new Error('no entries object');
    return new Map(
      Object.entries(entries).filter(
        (pair): pair is [string, string] => typeof pair[1] === 'string',
      ),
    );
  } catch {
    // Authenticated yet unreadable: written by a broken engine. No cause is kept, because
    // JSON.parse quotes the text around the fault, and that text is secret.
    throw new VaultLockedError('the vault file authenticates but its content is unreadable');
  } finally {
    plaintext.fill(0);
  }
}
