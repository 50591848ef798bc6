import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseDetailResponse } from '../../engine/api/contracts';
import type { Database, DriftHistoryEntry } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';
import { runKubectl, writeKubeconfig } from '../helpers/kubectl';

/**
 * Drift stays visible after it was dealt with: the detail read carries each difference with what
 * became of it — repaired, adopted with the live value, refused with the reason, changed back by hand.
 */
describe('drift history', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let providerId: string;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine({ env: { DBAAS_RECONCILE_INTERVAL_MS: '1000' } });
    providerId = (
      await t.engine.services.providers.create({ name: 'history', kubeconfig: cluster.kubeconfig })
    ).id;
    dir = mkdtempSync(join(tmpdir(), 'drift-history-'));
    kubeconfig = writeKubeconfig(cluster.url, dir);
    expect((await t.request('POST', '/api/v1/domains', { name: 'hist' })).status).toBe(201);
    for (const [name, driftPolicy] of [
      ['fix', 'repair'],
      ['take', 'adopt-live'],
      ['watch', 'notify'],
    ] as const) {
      const created = await t.request('POST', '/api/v1/domains/hist/projects', {
        name,
        driftPolicy,
      });
      expect(created.status, created.text).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runningDatabase(name: string, project: string): Promise<Database> {
    const result = await t.engine.services.databases.create({
      name,
      engine: 'postgres',
      version: '16.1',
      domain: 'hist',
      project,
      storage: { size: '1Gi', storageClass: 'standard' },
      providerId,
    });
    if (!('database' in result)) throw new Error('expected a database');
    return waitFor(async () => {
      const d = await t.engine.services.databases.get(result.database.id);
      return d.status === 'RUNNING' && !d.activeOperationId ? d : null;
    }, `${name} to run`);
  }

  async function kubectlPatch(database: Database, patch: unknown): Promise<void> {
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

  const cpuPatch = (cpu: string) => ({
    spec: {
      podTemplate: {
        spec: {
          containers: [
            {
              name: 'postgres',
              resources: { requests: { cpu, memory: '1Gi' }, limits: { memory: '1Gi' } },
            },
          ],
        },
      },
    },
  });

  async function detail(id: string): Promise<DatabaseDetailResponse> {
    const answer = await t.request<DatabaseDetailResponse>('GET', `/api/v1/databases/${id}/detail`);
    expect(answer.status, answer.text).toBe(200);
    return answer.body;
  }

  async function historyEntry(
    id: string,
    match: (entry: DriftHistoryEntry) => boolean,
    what: string,
  ): Promise<DriftHistoryEntry> {
    return waitFor(async () => (await detail(id)).driftHistory.find(match) ?? null, what, 30_000);
  }

  it('repair: the deletionPolicy changed with kubectl is repaired, and stays in the history', async () => {
    const database = await runningDatabase('fixed', 'fix');
    await kubectlPatch(database, { spec: { deletionPolicy: 'WipeOut' } });
    const entry = await historyEntry(
      database.id,
      (e) => e.path === 'deletionPolicy' && e.resolution === 'repaired',
      'the repair in the history',
    );
    expect(entry).toMatchObject({ desired: 'Delete', live: 'WipeOut', actor: 'system' });
    expect(entry.firstSeenAt).toEqual(expect.any(String));
    expect(Date.parse(entry.resolvedAt)).toBeGreaterThanOrEqual(Date.parse(entry.firstSeenAt!));
    const repair = await t.store.operations.get(entry.operationId!);
    expect(repair.type).toBe('repair-drift');
    const after = await detail(database.id);
    expect(after.database.drift).toEqual([]);
    expect(after.driftPolicy).toEqual({ policy: 'repair', canChange: true });
  }, 60_000);

  it('refused: a version moved forward by hand is recorded with the reason', async () => {
    const database = await runningDatabase('forward', 'fix');
    await kubectlPatch(database, { spec: { version: '16.4' } });
    const entry = await historyEntry(
      database.id,
      (e) => e.path === 'version' && e.resolution === 'refused',
      'the refusal in the history',
    );
    expect(entry).toMatchObject({ desired: '16.1', live: '16.4' });
    expect(entry.reason).toMatch(/does not downgrade/);
    // Still current drift too, with the same refusal.
    const current = (await detail(database.id)).database.drift.find((d) => d.path === 'version');
    expect(current?.refused?.reason).toBe(entry.reason);
  }, 60_000);

  it('adopt-live: the entry carries the adopted live value', async () => {
    const database = await runningDatabase('taken', 'take');
    await kubectlPatch(database, cpuPatch('900m'));
    const entry = await historyEntry(
      database.id,
      (e) => e.path === 'resources.cpu' && e.resolution === 'adopted',
      'the adoption in the history',
    );
    expect(entry).toMatchObject({ desired: '500m', live: '900m', actor: 'system' });
    const after = await detail(database.id);
    expect(after.database.resources.cpu).toBe('900m');
    expect(after.driftPolicy.policy).toBe('adopt-live');
  }, 60_000);

  it('notify: a change undone by hand is recorded as reverted by hand', async () => {
    const database = await runningDatabase('watched', 'watch');
    await kubectlPatch(database, cpuPatch('700m'));
    await waitFor(
      async () =>
        (await t.engine.services.databases.get(database.id)).drift.some(
          (d) => d.path === 'resources.cpu',
        ),
      'the cpu drift to be seen',
    );
    await kubectlPatch(database, cpuPatch('500m'));
    const entry = await historyEntry(
      database.id,
      (e) => e.path === 'resources.cpu',
      'the change back in the history',
    );
    expect(entry).toMatchObject({
      desired: '500m',
      live: '700m',
      resolution: 'reverted-by-hand',
      actor: null,
      operationId: null,
    });
    expect((await detail(database.id)).database.drift).toEqual([]);
  }, 60_000);
});
