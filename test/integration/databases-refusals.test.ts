/**
 * Creating a database refuses bad requests with a clear error (code, message, the field) and
 * leaves no trace: nothing on the clusters, nothing in the store. A real engine (SQLite, file
 * vault) through app.inject(), two simulated KubeDB clusters over HTTP with the real CRDs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { createBody, kubedbObjects } from '../helpers/databases';
import { startClusters, startTestEngine, type TestEngine } from '../helpers/engine';

describe('creating a database', () => {
  let t: TestEngine;
  let clusters: SimCluster[];
  const providerIds: string[] = [];

  beforeAll(async () => {
    clusters = await startClusters(2);
    t = await startTestEngine();
    for (const [i, cluster] of clusters.entries()) {
      const response = await t.request<{ id: string }>('POST', '/api/v1/providers', {
        name: `cluster-${i + 1}`,
        kubeconfig: cluster.kubeconfig,
      });
      expect(response.status, response.text).toBe(201);
      providerIds.push(response.body.id);
    }
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.all((clusters ?? []).map((c) => c.stop()));
  });

  describe('refuses bad requests with a clear error and leaves no trace', () => {
    let before: string[][];
    let countBefore: number;

    beforeAll(async () => {
      before = clusters.map(kubedbObjects);
      countBefore = (await t.request<{ items: unknown[] }>('GET', '/api/v1/databases?limit=500'))
        .body.items.length;
    });

    async function expectRefused(body: unknown, status: number, path: string, code?: string) {
      const response = await t.request<{
        error: { code: string; message: string; details: { path: string }[] };
      }>('POST', '/api/v1/databases', body);
      expect(response.status, response.text).toBe(status);
      if (code) expect(response.body.error.code).toBe(code);
      if (path) expect(response.body.error.details.map((d) => d.path)).toContain(path);
      expect(response.body.error.message.length).toBeGreaterThan(0);
      expect(clusters.map(kubedbObjects)).toEqual(before);
      expect(
        (await t.request<{ items: unknown[] }>('GET', '/api/v1/databases?limit=500')).body.items,
      ).toHaveLength(countBefore);
      return response.body.error;
    }

    it('a bad name', async () => {
      await expectRefused(createBody({ name: 'Bad_Name' }), 400, 'name', 'VALIDATION_FAILED');
      await expectRefused(createBody({ name: 'a'.repeat(43) }), 400, 'name', 'VALIDATION_FAILED');
    });

    it('an unknown engine', async () => {
      await expectRefused(createBody({ engine: 'oracle' }), 400, 'engine', 'VALIDATION_FAILED');
    });

    it('an unknown version', async () => {
      const error = await expectRefused(
        createBody({ version: '99.9' }),
        422,
        'version',
        'UNSUPPORTED',
      );
      expect(error.message).toContain('99.9');
    });

    it('a deprecated version', async () => {
      const error = await expectRefused(
        createBody({ version: '13.13' }),
        422,
        'version',
        'UNSUPPORTED',
      );
      expect(error.message).toContain('deprecated');
    });

    it('replicas over the limit', async () => {
      await expectRefused(
        createBody({ mode: 'cluster', replicas: 12 }),
        400,
        'replicas',
        'VALIDATION_FAILED',
      );
    });

    it('a topology the engine does not have', async () => {
      await expectRefused(createBody({ mode: 'sharded' }), 400, 'mode', 'VALIDATION_FAILED');
    });

    it('a quota exceeded', async () => {
      // Projects get their quota through the store until the tenancy routes (identity issue) land.
      const now = new Date().toISOString();
      const existing = (
        await t.request<{ items: Database[] }>(
          'GET',
          '/api/v1/databases?domain=acme&project=p0&limit=500',
        )
      ).body.items.length;
      await quotaProject(t, 'acme', 'p0', existing, now);
      await expectRefused(
        createBody({ project: 'p0', name: 'one-too-many' }),
        422,
        'project',
        'QUOTA_EXCEEDED',
      );
    });

    it('an unreachable cluster', async () => {
      clusters[1]!.faults.setUnreachable(true);
      try {
        const error = await expectRefused(
          createBody({ name: 'unreachable', providerId: providerIds[1] }),
          503,
          '',
          'UNAVAILABLE',
        );
        expect(error.message).toContain('unreachable');
      } finally {
        clusters[1]!.faults.setUnreachable(false);
      }
    });

    it('a guarded kubeconfig', async () => {
      const exec = clusters[0]!.kubeconfig.replace(
        /token: .*/g,
        'exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws',
      );
      const guarded = await startTestEngine({ allowPrivateClusterAddresses: false });
      try {
        const execRefused = await guarded.request<{
          error: { details: { rule: string }[]; message: string };
        }>('POST', '/api/v1/providers', {
          name: 'exec',
          kubeconfig: exec,
        });
        expect(execRefused.status).toBe(400);
        expect(execRefused.body.error.details[0]?.rule).toBe('exec');
        const loopback = await guarded.request<{
          error: { details: { rule: string }[]; message: string };
        }>('POST', '/api/v1/providers', {
          name: 'loopback',
          kubeconfig: clusters[0]!.kubeconfig,
        });
        expect(loopback.status).toBe(400);
        expect(loopback.body.error.details[0]?.rule).toBe('server-address');
        expect(loopback.body.error.message).toMatch(/loopback|own host/);
        expect(
          (await guarded.request<{ items: unknown[] }>('GET', '/api/v1/providers')).body.items,
        ).toEqual([]);
      } finally {
        await guarded.stop();
      }
    });
  });
});

async function quotaProject(
  t: TestEngine,
  domain: string,
  project: string,
  maxDatabases: number,
  now: string,
): Promise<void> {
  // Admins' databases create their project implicitly (identity issue): set the quota on it then.
  const existing = await t.store.projects.findByName(domain, project);
  if (existing) {
    await t.store.projects.update({ ...existing, quota: { maxDatabases }, updatedAt: now });
    return;
  }
  await t.store.projects.create({
    id: `quota-${project}`,
    domain,
    name: project,
    quota: { maxDatabases },
    revision: 1,
    createdAt: now,
    updatedAt: now,
  });
}
