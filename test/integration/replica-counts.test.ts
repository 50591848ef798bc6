import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/**
 * Ready and desired pods compare the same thing on the simulator's real topologies (issue 11:
 * 11/3, 6/2, 4/2 before): every pod counted on both sides, and split per role.
 */
describe('ready/desired pods of topologies with roles', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 400)) as [SimCluster];
    t = await startTestEngine();
    const provider = await t.engine.services.providers.create({
      name: 'roles',
      kubeconfig: cluster.kubeconfig,
    });
    const requests = [
      {
        name: 'docs',
        engine: 'mongodb',
        version: '7.0.8',
        mode: 'sharded',
        replicas: 3,
        topology: { shards: 2, configServers: 3, mongos: 2 },
      },
      { name: 'cache', engine: 'redis', version: '7.4.6', mode: 'cluster', replicas: 2 },
      {
        name: 'search',
        engine: 'elasticsearch',
        version: 'xpack-8.11.1',
        mode: 'topology',
        replicas: 2,
      },
    ];
    for (const request of requests) {
      const result = await t.engine.services.databases.create({
        ...request,
        domain: 'acme',
        project: 'roles',
        storage: { size: '1Gi' },
        providerId: provider.id,
      });
      if ('database' in result) ids.set(request.name, result.database.id);
    }
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  async function settled(name: string): Promise<Database> {
    return waitFor(
      async () => {
        const db = (await t.request<Database>('GET', `/api/v1/databases/${ids.get(name)}`)).body;
        return db.status === 'RUNNING' && db.readyReplicas === db.desiredReplicas ? db : null;
      },
      `${name} to run with every pod ready`,
      45_000,
    );
  }

  it('counts a sharded MongoDB as shards × replicas + config servers + mongos', async () => {
    const db = await settled('docs');
    expect(db.desiredReplicas).toBe(11);
    expect(db.roles).toEqual([
      { role: 'shard0', ready: 3, desired: 3 },
      { role: 'shard1', ready: 3, desired: 3 },
      { role: 'configServer', ready: 3, desired: 3 },
      { role: 'mongos', ready: 2, desired: 2 },
    ]);
  }, 60_000);

  it('counts a Redis cluster as shards × pods per shard', async () => {
    const db = await settled('cache');
    expect(db.roles?.every((r) => r.ready === r.desired && r.desired === 2)).toBe(true);
    expect(db.desiredReplicas).toBe(2 * db.roles!.length);
  }, 60_000);

  it('counts an Elasticsearch topology per node role', async () => {
    const db = await settled('search');
    expect(db.roles?.map((r) => r.role)).toEqual(['master', 'data', 'ingest']);
    expect(db.roles?.find((r) => r.role === 'data')).toEqual({
      role: 'data',
      ready: 2,
      desired: 2,
    });
    expect(db.desiredReplicas).toBe(db.roles!.reduce((sum, r) => sum + r.desired, 0));
  }, 60_000);
});
