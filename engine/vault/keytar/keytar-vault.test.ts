import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../base/errors';
import { runVaultConformance } from '../conformance/vault-conformance';
import { openKeytarVault, type KeychainBinding } from './keytar-vault';

/**
 * Whether a keychain answers here. On a headless Linux without a D-Bus session and an unlocked
 * Secret Service (gnome-keyring), keytar rejects at once; the suite is then skipped, loudly.
 */
async function secretServiceReachable(): Promise<boolean> {
  try {
    const vault = await openKeytarVault({ service: 'kubedb-dbaas-probe' });
    await vault.close();
    return true;
  } catch {
    return false;
  }
}

const reachable = await secretServiceReachable();
if (!reachable) console.log('keytar vault suite SKIPPED: no Secret Service (run through npm test)');

describe.skipIf(!reachable)('keytar vault against the real keychain', () => {
  // A fresh service per vault: tests never see each other's accounts or a developer's real ones.
  runVaultConformance('keytar', () =>
    openKeytarVault({ service: `kubedb-dbaas-test-${randomBytes(6).toString('hex')}` }),
  );

  // The same suite with chunking forced, as on Windows (small secrets stay whole, large ones split).
  runVaultConformance('keytar chunked', () =>
    openKeytarVault({
      service: `kubedb-dbaas-test-${randomBytes(6).toString('hex')}`,
      maxCodePoints: 2000,
    }),
  );

  it('sees secrets written by another instance with the same service', async () => {
    const service = `kubedb-dbaas-test-${randomBytes(6).toString('hex')}`;
    const writer = await openKeytarVault({ service });
    await writer.put({ kind: 'kubeconfig', id: 'shared' }, 'kubeconfig-yaml');
    const reader = await openKeytarVault({ service });
    expect(await reader.get({ kind: 'kubeconfig', id: 'shared' })).toBe('kubeconfig-yaml');
    expect(await reader.delete({ kind: 'kubeconfig', id: 'shared' })).toBe(true);
    await writer.close();
    await reader.close();
  });
});

/** An in-memory keychain for the chunking edge cases; the real keychain runs the suite above. */
function memoryKeychain(): KeychainBinding & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  const key = (service: string, account: string): string => `${service}\u0000${account}`;
  return {
    entries,
    getPassword: (service, account) => Promise.resolve(entries.get(key(service, account)) ?? null),
    setPassword: (service, account, password) => {
      entries.set(key(service, account), password);
      return Promise.resolve();
    },
    deletePassword: (service, account) => Promise.resolve(entries.delete(key(service, account))),
    findCredentials: (service) =>
      Promise.resolve(
        [...entries]
          .filter(([k]) => k.startsWith(`${service}\u0000`))
          .map(([k, password]) => ({ account: k.slice(service.length + 1), password })),
      ),
  };
}

describe('keytar vault chunking', () => {
  const ref = { kind: 'kubeconfig', id: 'big' } as const;

  it('splits a large secret into entries of at most the limit and joins it back', async () => {
    const binding = memoryKeychain();
    const vault = await openKeytarVault({ service: 'svc', binding, maxCodePoints: 10 });
    const secret = 'a'.repeat(95);
    await vault.put(ref, secret);
    expect(binding.entries.size).toBe(11);
    for (const value of binding.entries.values()) expect(value.length).toBeLessThanOrEqual(26);
    expect(await vault.get(ref)).toBe(secret);
    expect(await vault.list()).toEqual([ref]);
  });

  it('never splits a surrogate pair and keeps a marker-like secret intact', async () => {
    const vault = await openKeytarVault({
      service: 'svc',
      binding: memoryKeychain(),
      maxCodePoints: 3,
    });
    const emoji = '🔑🔒🗝️'.repeat(5);
    await vault.put(ref, emoji);
    expect(await vault.get(ref)).toBe(emoji);
    const markerLike = 'kubedb-dbaas-chunked:v1:2';
    await vault.put({ kind: 'signing-key', id: 'm' }, markerLike);
    expect(await vault.get({ kind: 'signing-key', id: 'm' })).toBe(markerLike);
  });

  it('leaves no chunk behind when a secret shrinks or is deleted', async () => {
    const binding = memoryKeychain();
    const vault = await openKeytarVault({ service: 'svc', binding, maxCodePoints: 10 });
    await vault.put(ref, 'b'.repeat(50));
    await vault.put(ref, 'c'.repeat(25));
    expect(binding.entries.size).toBe(4);
    expect(await vault.get(ref)).toBe('c'.repeat(25));
    await vault.put(ref, 'small');
    expect(binding.entries.size).toBe(1);
    await vault.put(ref, 'd'.repeat(30));
    expect(await vault.delete(ref)).toBe(true);
    expect(binding.entries.size).toBe(0);
  });

  it('reports a head whose chunks are gone as an incomplete entry, not as the marker text', async () => {
    const binding = memoryKeychain();
    const vault = await openKeytarVault({ service: 'svc', binding, maxCodePoints: 10 });
    await vault.put(ref, 'e'.repeat(30));
    await binding.deletePassword('svc', 'kubeconfig/big#1');
    await expect(vault.get(ref)).rejects.toThrow(/incomplete/);
  });
});

describe('keytar vault error wrapping', () => {
  const failing: KeychainBinding = {
    getPassword: () => Promise.reject(new Error('Cannot create an item in a locked collection')),
    setPassword: () => Promise.reject(new Error('Cannot create an item in a locked collection')),
    deletePassword: () => Promise.reject(new Error('Cannot create an item in a locked collection')),
    findCredentials: () =>
      Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
  };

  it('turns a keychain that cannot be reached into UnavailableError at open, keeping the cause', async () => {
    const error = await openKeytarVault({ service: 'svc', binding: failing }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('turns a failing call into UnavailableError without the secret in the message', async () => {
    const vault = await openKeytarVault({
      service: 'svc',
      binding: { ...failing, findCredentials: () => Promise.resolve([]) },
    });
    const error = await vault
      .put({ kind: 'database-credentials', id: 'db' }, 'hunter2-secret')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).not.toContain('hunter2-secret');
    await vault.close();
  });

  it('lists accounts only, dropping passwords and accounts it does not understand', async () => {
    const vault = await openKeytarVault({
      service: 'svc',
      binding: {
        ...failing,
        findCredentials: () =>
          Promise.resolve([
            { account: 'kubeconfig/p2', password: 'secret-2' },
            { account: 'legacy-account', password: 'secret-3' },
            { account: 'kubeconfig/p1', password: 'secret-1' },
          ]),
      },
    });
    expect(await vault.list()).toEqual([
      { kind: 'kubeconfig', id: 'p1' },
      { kind: 'kubeconfig', id: 'p2' },
    ]);
    await vault.close();
  });
});
