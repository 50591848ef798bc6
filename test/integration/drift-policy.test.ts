import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Project } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';
import { runKubectl, writeKubeconfig } from '../helpers/kubectl';

/** The per-project drift policy: `notify` shows drift and waits, `adopt-live` takes the live value. */
describe('drift policy per project', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let providerId: string;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({ env: { DBAAS_RECONCILE_INTERVAL_MS: '1000' } });
    providerId = (
      await t.engine.services.providers.create({ name: 'policy', kubeconfig: cluster.kubeconfig })
    ).id;
    dir = mkdtempSync(join(tmpdir(), 'drift-policy-'));
    kubeconfig = writeKubeconfig(cluster.url, dir);
    expect((await t.request('POST', '/api/v1/domains', { name: 'pol' })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function databaseIn(project: string): Promise<Database> {
    const result = await t.engine.services.databases.create({
      name: `db-${project}`,
      engine: 'postgres',
      version: '16.1',
      domain: 'pol',
      project,
      storage: { size: '1Gi', storageClass: 'standard' },
      providerId,
    });
    if (!('database' in result)) throw new Error('expected a database');
    return waitFor(async () => {
      const d = await t.engine.services.databases.get(result.database.id);
      return d.status === 'RUNNING' && !d.activeOperationId ? d : null;
    }, `${project} to run`);
  }

  async function changeByHand(database: Database): Promise<void> {
    const patch = {
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
    };
    const result = await runKubectl(kubeconfig, [
      'patch',
      'postgres',
      database.name,
      '-n',
      database.namespace,
      '--type',
      'merge',
      '-p',
      JSON.stringify(patch),
    ]);
    expect(result.code, result.stderr).toBe(0);
  }

  it('notify: shows the drift and repairs nothing', async () => {
    const created = await t.request<Project>('POST', '/api/v1/domains/pol/projects', {
      name: 'watch',
      driftPolicy: 'notify',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.driftPolicy).toBe('notify');
    const database = await databaseIn('watch');
    await changeByHand(database);
    await waitFor(
      async () =>
        (await t.engine.services.databases.get(database.id)).drift.some(
          (d) => d.path === 'resources.cpu',
        ),
      'the cpu drift to be seen',
    );
    t.engine.loops.reconciler.notify(await t.engine.services.databases.get(database.id));
    await t.engine.loops.reconciler.idle();
    const operations = (await t.store.operations.list({ databaseId: database.id })).items;
    expect(operations.filter((o) => o.type === 'repair-drift')).toEqual([]);
    const after = await t.engine.services.databases.get(database.id);
    expect(after.resources.cpu).toBe('500m');
    expect(after.drift.map((d) => d.path).sort()).toEqual(['resources.cpu', 'version']);
  }, 60_000);

  it('adopt-live: takes the live values into the desired state and audits it', async () => {
    expect(
      (await t.request('POST', '/api/v1/domains/pol/projects', { name: 'adopt' })).status,
    ).toBe(201);
    const patched = await t.request<Project>('PATCH', '/api/v1/domains/pol/projects/adopt', {
      driftPolicy: 'adopt-live',
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.driftPolicy).toBe('adopt-live');
    const database = await databaseIn('adopt');
    await changeByHand(database);
    const adopted = await waitFor(
      async () => {
        const d = await t.engine.services.databases.get(database.id);
        return d.resources.cpu === '900m' && d.version === '16.4' && d.drift.length === 0
          ? d
          : null;
      },
      'the live values to be adopted',
      30_000,
    );
    expect(adopted.resources.cpu).toBe('900m');
    const operations = (await t.store.operations.list({ databaseId: database.id })).items;
    expect(operations.filter((o) => o.type === 'repair-drift')).toEqual([]);
    const audit = await t.request<{
      items: { actor: string; target: string; details: { changes: { path: string }[] } }[];
    }>('GET', '/api/v1/audit?action=databases.drift.adopt');
    const event = audit.body.items.find((e) => e.target === `databases/${database.id}`);
    expect(event?.actor).toBe('system');
    expect(event?.details.changes.map((c) => c.path).sort()).toEqual(['resources.cpu', 'version']);
  }, 60_000);
});
