import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../base/errors';
import { runVaultConformance } from '../conformance/vault-conformance';
import { VaultLockedError } from '../errors';
import { openFileVault } from './file-vault';

let root: string;
let counter = 0;
const nextFile = (): string => join(root, `vault-${(counter += 1)}`, 'secrets.vault');
const hexKey = (): string => randomBytes(32).toString('hex');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'file-vault-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

runVaultConformance('file', () => openFileVault({ file: nextFile(), key: hexKey() }));

describe('file vault', () => {
  const SECRET = 'p4ssw0rd-that-must-stay-hidden';

  async function vaultWithSecret(key = hexKey()): Promise<{ file: string; key: string }> {
    const file = nextFile();
    const vault = await openFileVault({ file, key });
    await vault.put({ kind: 'database-credentials', id: 'db-1' }, SECRET);
    await vault.close();
    return { file, key };
  }

  it('reads back what an earlier instance wrote with the same key', async () => {
    const { file, key } = await vaultWithSecret();
    const vault = await openFileVault({ file, key });
    expect(await vault.get({ kind: 'database-credentials', id: 'db-1' })).toBe(SECRET);
    await vault.close();
  });

  it('accepts the same key as hex or as base64', async () => {
    const raw = randomBytes(32);
    const { file } = await vaultWithSecret(raw.toString('hex'));
    const vault = await openFileVault({ file, key: raw.toString('base64') });
    expect(await vault.get({ kind: 'database-credentials', id: 'db-1' })).toBe(SECRET);
    await vault.close();
  });

  it('never writes a secret or a ref in plain text', async () => {
    const { file } = await vaultWithSecret();
    const bytes = await readFile(file);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from('db-1'))).toBe(false);
    expect(bytes.includes(Buffer.from('database-credentials'))).toBe(false);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('KDBVAULT');
  });

  it('uses a fresh nonce for every write', async () => {
    const file = nextFile();
    const vault = await openFileVault({ file, key: hexKey() });
    await vault.put({ kind: 'kubeconfig', id: 'p' }, 'same');
    const first = await readFile(file);
    await vault.put({ kind: 'kubeconfig', id: 'p' }, 'same');
    const second = await readFile(file);
    await vault.close();
    expect(first.subarray(9, 21).equals(second.subarray(9, 21))).toBe(false);
  });

  it('writes the vault file with mode 0600 and leaves no temp file behind', async () => {
    const { file } = await vaultWithSecret();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(file, '..'))).toEqual(['secrets.vault']);
  });

  it('fails closed with VAULT_LOCKED on a wrong key, naming no secret or key', async () => {
    const { file } = await vaultWithSecret();
    const wrongKey = hexKey();
    const error = await openFileVault({ file, key: wrongKey }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VaultLockedError);
    expect((error as EngineError).code).toBe('INTERNAL');
    expect((error as EngineError).terminal).toBe(true);
    expect((error as Error).message).toMatch(/^VAULT_LOCKED: /);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(wrongKey);
  });

  it('fails closed on a tampered file, whichever part was changed', async () => {
    const { file, key } = await vaultWithSecret();
    const original = await readFile(file);
    // header version, nonce, tag, ciphertext
    for (const offset of [8, 10, 25, original.length - 1]) {
      const tampered = Buffer.from(original);
      tampered[offset] = (tampered[offset] ?? 0) ^ 0x01;
      await writeFile(file, tampered);
      const error = await openFileVault({ file, key }).catch((caught: unknown) => caught);
      expect(error, `offset ${offset}`).toBeInstanceOf(VaultLockedError);
      expect((error as Error).message).not.toContain(SECRET);
    }
    await writeFile(file, original.subarray(0, 20));
    await expect(openFileVault({ file, key })).rejects.toBeInstanceOf(VaultLockedError);
  });

  it('fails closed when the file changes under an open vault', async () => {
    const { file, key } = await vaultWithSecret();
    const vault = await openFileVault({ file, key });
    const bytes = await readFile(file);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    await expect(vault.get({ kind: 'database-credentials', id: 'db-1' })).rejects.toBeInstanceOf(
      VaultLockedError,
    );
    await vault.close();
  });

  it('refuses a key that is not 32 bytes without echoing it', async () => {
    for (const key of [
      'short',
      'ab'.repeat(31),
      randomBytes(16).toString('base64'),
      'z'.repeat(64),
    ]) {
      const error = await openFileVault({ file: nextFile(), key }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(EngineError);
      expect((error as Error).message).not.toContain(key);
    }
  });

  it('creates a missing key file with mode 0600 and reuses it', async () => {
    const keyFile = join(root, `key-${(counter += 1)}`, 'vault.key');
    const file = nextFile();
    const first = await openFileVault({ file, keyFile });
    await first.put({ kind: 'signing-key', id: 'jwt' }, SECRET);
    await first.close();
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'base64')).toHaveLength(32);
    const second = await openFileVault({ file, keyFile });
    expect(await second.get({ kind: 'signing-key', id: 'jwt' })).toBe(SECRET);
    await second.close();
  });

  it('refuses a key file that group or others may read', async () => {
    const keyFile = join(root, `key-${(counter += 1)}.key`);
    await writeFile(keyFile, hexKey(), { mode: 0o600 });
    for (const mode of [0o640, 0o604, 0o644]) {
      await chmod(keyFile, mode);
      const error = await openFileVault({ file: nextFile(), keyFile }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(VaultLockedError);
      expect((error as Error).message).toMatch(/0600/);
    }
    await chmod(keyFile, 0o600);
    await (await openFileVault({ file: nextFile(), keyFile })).close();
  });

  it('opens an absent vault file as empty and creates it on the first write only', async () => {
    const file = nextFile();
    const vault = await openFileVault({ file, key: hexKey() });
    expect(await vault.list()).toEqual([]);
    await expect(stat(file)).rejects.toThrow();
    await vault.put({ kind: 'kubeconfig', id: 'p' }, 'x');
    expect((await stat(file)).isFile()).toBe(true);
    await vault.close();
  });
});
