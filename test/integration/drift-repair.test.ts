import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';
import { runKubectl, writeKubeconfig } from '../helpers/kubectl';

/**
 * Drift made with kubectl on a simulated cluster: a database halted by hand is resumed, a version
 * moved forward by hand is reported (never downgraded) while the other drift is still repaired.
 */
describe('drift repair against kubectl changes', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let providerId: string;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({ env: { DBAAS_RECONCILE_INTERVAL_MS: '1000' } });
    providerId = (
      await t.engine.services.providers.create({ name: 'drift', kubeconfig: cluster.kubeconfig })
    ).id;
    dir = mkdtempSync(join(tmpdir(), 'drift-kubectl-'));
    kubeconfig = writeKubeconfig(cluster.url, dir);
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runningDatabase(name: string): Promise<Database> {
    const result = await t.engine.services.databases.create({
      name,
      engine: 'postgres',
      version: '16.1',
      domain: 'acme',
      project: 'drift',
      storage: { size: '1Gi', storageClass: 'standard' },
      providerId,
    });
    if (!('database' in result)) throw new Error('expected a database');
    return waitFor(async () => {
      const d = await t.engine.services.databases.get(result.database.id);
      return d.status === 'RUNNING' && !d.activeOperationId ? d : null;
    }, `${name} to run`);
  }

  async function kubectlPatch(name: string, patch: unknown): Promise<void> {
    const result = await runKubectl(kubeconfig, [
      'patch',
      'postgres',
      name,
      '-n',
      'acme-drift',
      '--type',
      'merge',
      '-p',
      JSON.stringify(patch),
    ]);
    expect(result.code, result.stderr).toBe(0);
  }

  const liveSpec = (name: string) =>
    cluster.state.get('kubedb.com/v1', 'Postgres', 'acme-drift', name)?.spec as
      Record<string, unknown> | undefined;

  it('resumes a database halted with kubectl', async () => {
    const database = await runningDatabase('halted-by-hand');
    await kubectlPatch(database.name, { spec: { halted: true } });
    await waitFor(
      async () =>
        (await t.engine.services.databases.get(database.id)).drift.some((d) => d.path === 'halted'),
      'the halted drift to be seen',
    );
    const repaired = await waitFor(
      async () => {
        const d = await t.engine.services.databases.get(database.id);
        const phase = (
          cluster.state.get('kubedb.com/v1', 'Postgres', 'acme-drift', database.name)?.status as
            { phase?: string } | undefined
        )?.phase;
        return liveSpec(database.name)?.halted === false &&
          phase === 'Ready' &&
          d.drift.length === 0
          ? d
          : null;
      },
      'the database to run again',
      30_000,
    );
    expect(repaired.halted).toBe(false);
  }, 60_000);

  it('reports a version moved forward by hand once, and still repairs the cpu', async () => {
    const database = await runningDatabase('forward');
    await kubectlPatch(database.name, {
      spec: {
        version: '16.4',
        podTemplate: {
          spec: {
            containers: [
              {
                name: 'postgres',
                resources: { requests: { cpu: '900m', memory: '1Gi' }, limits: { memory: '1Gi' } },
              },
            ],
          },
        },
      },
    });
    const seen = await waitFor(
      async () => {
        const d = await t.engine.services.databases.get(database.id);
        const version = d.drift.find((entry) => entry.path === 'version');
        const cpu = (
          liveSpec(database.name)?.podTemplate as {
            spec: { containers: { resources: { requests: { cpu: string } } }[] };
          }
        ).spec.containers[0]?.resources.requests.cpu;
        return version?.refused && cpu === '500m' ? { d, version } : null;
      },
      'the version refusal and the cpu repair',
      30_000,
    );
    expect(seen.version).toMatchObject({ desired: '16.1', live: '16.4' });
    expect(seen.version.refused?.reason).toMatch(/does not downgrade/);
    const operations = (await t.store.operations.list({ databaseId: database.id }, { limit: 50 }))
      .items;
    expect(
      operations.filter(
        (o) =>
          o.type === 'repair-drift' && JSON.stringify(o.params.steps).includes('update-version'),
      ),
    ).toEqual([]);
    const repairs = operations.filter((o) => o.type === 'repair-drift').length;
    // Another pass does not try again: the refusal stands until the version changes.
    await waitFor(
      async () => !(await t.engine.services.operations.hasActive(database.id)),
      'the repairs to finish',
    );
    t.engine.loops.reconciler.notify(await t.engine.services.databases.get(database.id));
    await t.engine.loops.reconciler.idle();
    expect(
      (await t.store.operations.list({ databaseId: database.id }, { limit: 50 })).items.filter(
        (o) => o.type === 'repair-drift',
      ).length,
    ).toBe(repairs);
    expect(liveSpec(database.name)?.version).toBe('16.4');
  }, 60_000);

  it('repairs a deletionPolicy changed with kubectl and reports a label added with kubectl', async () => {
    const database = await runningDatabase('policy');
    await kubectlPatch(database.name, {
      metadata: { labels: { 'cost-centre': '42' } },
      spec: { deletionPolicy: 'WipeOut' },
    });
    const seen = await waitFor(
      async () => {
        const d = await t.engine.services.databases.get(database.id);
        const label = d.drift.find((entry) => entry.path === 'labels.cost-centre');
        return liveSpec(database.name)?.deletionPolicy === 'Delete' &&
          label?.refused &&
          d.drift.length === 1
          ? { d, label }
          : null;
      },
      'the deletionPolicy repair and the label report',
      30_000,
    );
    expect(seen.label).toMatchObject({ desired: null, live: '42' });
    expect(seen.label.refused?.reason).toMatch(/added outside the console/);
    expect(seen.d.drift.map((entry) => entry.path)).toEqual(['labels.cost-centre']);
    const manifest = await t.request<{ drift: { path: string; firstSeenAt?: string }[] }>(
      'GET',
      `/api/v1/databases/${database.id}/manifest`,
    );
    expect(manifest.body.drift).toEqual([
      expect.objectContaining({ path: 'labels.cost-centre', firstSeenAt: expect.any(String) }),
    ]);
  }, 60_000);
});
