import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError, NotFoundError, ValidationError } from '../../base/errors';
import type { SecretRef, Vault } from '../index';

const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: prod',
  '  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: "LS0tLS1CRUdJTi..."}',
  'users:',
  '- name: admin',
  '  user: {token: "eyJhbGciOiJSUzI1NiJ9.super-secret-token"}',
].join('\n');

const kube = (id: string): SecretRef => ({ kind: 'kubeconfig', id });
const creds = (id: string): SecretRef => ({ kind: 'database-credentials', id });

/**
 * The behaviour every `Vault` implementation must show. `open` must return a vault that holds
 * nothing yet (a fresh file, a fresh keychain service); the suite closes it after each test and
 * deletes what it wrote first, so a shared keychain is left clean.
 */
export function runVaultConformance(name: string, open: () => Promise<Vault>): void {
  describe(`${name} vault conformance`, () => {
    let vault: Vault;

    beforeEach(async () => {
      vault = await open();
    });

    afterEach(async () => {
      for (const ref of await vault.list().catch(() => []))
        await vault.delete(ref).catch(() => undefined);
      await vault.close();
    });

    it('returns the secret that was put, byte for byte', async () => {
      const ref = await vault.put(kube('prov-1'), KUBECONFIG);
      expect(ref).toEqual(kube('prov-1'));
      expect(await vault.get(kube('prov-1'))).toBe(KUBECONFIG);
    });

    it('keeps unicode and large secrets intact, and refuses an empty one', async () => {
      const unicode = 'pässwörd-密码-🔑\n\ttabs "quotes" \\ backslash';
      const large = `${KUBECONFIG}\n# ${'x'.repeat(60_000)}`;
      await vault.put(creds('db-unicode'), unicode);
      await expect(vault.put(creds('db-empty'), '')).rejects.toBeInstanceOf(ValidationError);
      await vault.put(kube('prov-large'), large);
      expect(await vault.get(creds('db-unicode'))).toBe(unicode);
      await expect(vault.get(creds('db-empty'))).rejects.toBeInstanceOf(NotFoundError);
      expect(await vault.get(kube('prov-large'))).toBe(large);
    });

    it('replaces the secret when the same ref is put again', async () => {
      await vault.put(creds('db-1'), 'first');
      await vault.put(creds('db-1'), 'second');
      expect(await vault.get(creds('db-1'))).toBe('second');
      expect(await vault.list()).toEqual([creds('db-1')]);
    });

    it('keeps refs with the same id but different kinds apart', async () => {
      await vault.put(kube('same-id'), 'a kubeconfig');
      await vault.put(creds('same-id'), 'a password');
      expect(await vault.get(kube('same-id'))).toBe('a kubeconfig');
      expect(await vault.get(creds('same-id'))).toBe('a password');
    });

    it('rejects an absent secret with NotFoundError', async () => {
      await expect(vault.get(kube('nobody'))).rejects.toBeInstanceOf(NotFoundError);
    });

    it('deletes a secret and reports whether there was one', async () => {
      await vault.put(kube('prov-del'), KUBECONFIG);
      expect(await vault.delete(kube('prov-del'))).toBe(true);
      await expect(vault.get(kube('prov-del'))).rejects.toBeInstanceOf(NotFoundError);
      expect(await vault.delete(kube('prov-del'))).toBe(false);
    });

    it('lists refs sorted, filtered by prefix, and never values', async () => {
      await vault.put(kube('b'), 'kube-b-secret');
      await vault.put(kube('a'), 'kube-a-secret');
      await vault.put(creds('db-1'), 'db-secret');
      await vault.put({ kind: 's3-credentials', id: 'store-1' }, 's3-secret');
      expect(await vault.list()).toEqual([
        creds('db-1'),
        kube('a'),
        kube('b'),
        { kind: 's3-credentials', id: 'store-1' },
      ]);
      expect(await vault.list('kubeconfig/')).toEqual([kube('a'), kube('b')]);
      expect(await vault.list('kubeconfig/a')).toEqual([kube('a')]);
      expect(await vault.list('nothing/')).toEqual([]);
      expect(JSON.stringify(await vault.list())).not.toMatch(/secret/);
    });

    it('accepts ids shaped like uuids, names and namespaced keys', async () => {
      const ids = [
        '0b7c2f9e-5a7d-4f7e-9d3a-3f1c2b8a9e10',
        'orders.shop.acme',
        'acme:shop@orders_1',
      ];
      for (const id of ids) await vault.put(creds(id), id);
      for (const id of ids) expect(await vault.get(creds(id))).toBe(id);
    });

    it('refuses malformed refs with ValidationError before touching storage', async () => {
      const bad: SecretRef[] = [
        { kind: 'kubeconfig', id: '' },
        { kind: 'kubeconfig', id: 'a/b' },
        { kind: 'kubeconfig', id: '../escape' },
        { kind: 'password' as SecretRef['kind'], id: 'x' },
      ];
      for (const ref of bad) {
        await expect(vault.put(ref, 'value')).rejects.toBeInstanceOf(ValidationError);
        await expect(vault.get(ref)).rejects.toBeInstanceOf(ValidationError);
      }
      expect(await vault.list()).toEqual([]);
    });

    it('keeps every write of concurrent puts', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => vault.put(creds(`db-${i}`), `password-${i}`)),
      );
      expect(await vault.list('database-credentials/')).toHaveLength(20);
      for (let i = 0; i < 20; i += 1)
        expect(await vault.get(creds(`db-${i}`))).toBe(`password-${i}`);
    });

    it('refuses calls after close with an EngineError, and closing twice is harmless', async () => {
      await vault.put(kube('closing'), 'value');
      await vault.delete(kube('closing'));
      await vault.close();
      await vault.close();
      await expect(vault.get(kube('closing'))).rejects.toBeInstanceOf(EngineError);
      await expect(vault.put(kube('closing'), 'value')).rejects.toBeInstanceOf(EngineError);
    });

    it('never puts a secret into an error message', async () => {
      const secret = 'never-in-a-message-42';
      await vault.put(kube('prov-msg'), secret);
      const errors = await Promise.all([
        vault.get(kube('absent')).catch((error: unknown) => error),
        vault.put({ kind: 'kubeconfig', id: 'bad/id' }, secret).catch((error: unknown) => error),
      ]);
      for (const error of errors) {
        expect(error).toBeInstanceOf(EngineError);
        expect(String((error as Error).message)).not.toContain(secret);
      }
    });
  });
}
