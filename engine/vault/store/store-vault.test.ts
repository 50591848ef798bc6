import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store';
import { openSqliteStore } from '../../store/sqlite';
import { runVaultConformance } from '../conformance/vault-conformance';
import { VaultLockedError } from '../errors';
import { openStoreVault, STORE_VAULT_KEY } from './store-vault';

const dir = mkdtempSync(join(tmpdir(), 'store-vault-'));
const stores: Store[] = [];
let counter = 0;
const hexKey = (): string => randomBytes(32).toString('hex');

async function freshStore(): Promise<Store> {
  const store = await openSqliteStore({ file: join(dir, `s${(counter += 1)}.sqlite`) });
  stores.push(store);
  return store;
}

afterAll(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

runVaultConformance('store', async () =>
  openStoreVault({ meta: (await freshStore()).meta, key: hexKey() }),
);

describe('the store vault', () => {
  it('keeps only ciphertext in the store and opens with the same key only', async () => {
    const store = await freshStore();
    const key = hexKey();
    const vault = await openStoreVault({ meta: store.meta, key });
    await vault.put({ kind: 'kubeconfig', id: 'prod-eu' }, 'token: s3cr3t-value');
    const raw = JSON.stringify(await store.meta.get(STORE_VAULT_KEY));
    expect(raw).not.toMatch(/s3cr3t|prod-eu|kubeconfig/);
    await expect(openStoreVault({ meta: store.meta, key: hexKey() })).rejects.toBeInstanceOf(
      VaultLockedError,
    );
    const again = await openStoreVault({ meta: store.meta, key });
    expect(await again.get({ kind: 'kubeconfig', id: 'prod-eu' })).toBe('token: s3cr3t-value');
  });

  it('keeps every secret when replicas write at once', async () => {
    const store = await freshStore();
    const key = hexKey();
    const replicas = await Promise.all(
      [0, 1, 2].map(() => openStoreVault({ meta: store.meta, key })),
    );
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        replicas[i % 3]!.put({ kind: 'kubeconfig', id: `c${i}` }, `secret-${i}`),
      ),
    );
    const listed = await replicas[0]!.list('kubeconfig/');
    expect(listed).toHaveLength(30);
    for (let i = 0; i < 30; i++)
      expect(await replicas[(i + 1) % 3]!.get({ kind: 'kubeconfig', id: `c${i}` })).toBe(
        `secret-${i}`,
      );
  });

  it('lets replicas that race to create one secret all keep the first one written', async () => {
    const store = await freshStore();
    const key = hexKey();
    const replicas = await Promise.all(
      [0, 1, 2].map(() => openStoreVault({ meta: store.meta, key })),
    );
    const ref = { kind: 'signing-key', id: 'access-tokens' } as const;
    const kept = await Promise.all(replicas.map((vault, i) => vault.putIfAbsent!(ref, `key-${i}`)));
    expect(new Set(kept).size).toBe(1);
    expect(await replicas[0]!.get(ref)).toBe(kept[0]);
  });
});
