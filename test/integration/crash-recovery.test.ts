import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config';
import type { Operation } from '../../engine/domain';
import { createEngine, type Engine } from '../../engine/engine';
import { createLogger } from '../../engine/logging';
import type { SimCluster } from '../../sim/index';
import { startClusters, waitFor } from '../helpers/engine';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process';
import { testRedisUrl } from '../helpers/redis';

/**
 * SIGKILL the engine while operations run and wait, start it again: every operation finishes
 * exactly once, with exactly one OpsRequest per intent — on the SQLite queue and on BullMQ.
 */
describe.each([
  ['the SQLite queue', () => ({})],
  [
    'BullMQ on Redis',
    () => ({ REDIS_URL: testRedisUrl(), DBAAS_REDIS_PREFIX: `crash${Date.now()}` }),
  ],
])('crash recovery on %s', (_name, queueEnv) => {
  let cluster: SimCluster;
  let dataDir: string;
  let arranger: Engine;
  let env: Record<string, string>;
  const processes: EngineProcess[] = [];

  beforeAll(async () => {
    [cluster] = (await startClusters(1, 15)) as [SimCluster];
    dataDir = mkdtempSync(join(tmpdir(), 'dbaas-crash-'));
    env = { DBAAS_FAILURE_THRESHOLD_MS: '60000', DBAAS_QUEUE_LEASE_MS: '2000', ...queueEnv() };
    // A second engine on the same files, never started: it records operations, the process runs them.
    arranger = await createEngine(
      loadConfig(env, { dataDir, vault: 'file', allowPrivateClusterAddresses: true }),
      { logger: createLogger('silent') },
    );
  }, 60_000);

  afterAll(async () => {
    for (const p of processes) p.signal('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await arranger?.stop();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes every operation exactly once after a SIGKILL', async () => {
    const provider = await arranger.services.providers.create({
      name: 'crash',
      kubeconfig: cluster.kubeconfig,
    });
    const databaseIds: string[] = [];
    for (const name of ['crash-a', 'crash-b', 'crash-c']) {
      const result = await arranger.services.databases.create({
        name,
        engine: 'postgres',
        mode: 'cluster',
        replicas: 2,
        version: '16.4',
        domain: 'acme',
        project: 'crash',
        storage: { size: '1Gi' },
        providerId: provider.id,
      });
      if ('database' in result) databaseIds.push(result.database.id);
    }
    processes.push(await startEngineProcess({ dataDir, env }));
    for (const id of databaseIds) {
      await waitFor(
        async () => (await arranger.services.databases.get(id)).status === 'RUNNING',
        `${id} to run`,
        60_000,
      );
    }

    // Two intents per database: they queue behind each other, databases run in parallel.
    const operations: Operation[] = [];
    for (const id of databaseIds) {
      operations.push(
        (
          (await arranger.services.databaseChanges.patch(id, { replicas: 3 })) as {
            operation: Operation;
          }
        ).operation,
      );
      operations.push((await arranger.services.databaseChanges.act(id, 'restart')).operation);
    }
    await waitFor(
      async () => {
        const running = await arranger.services.operations.list({ status: 'RUNNING' });
        return running.items.some((op) => op.opsRequestName !== null);
      },
      'an OpsRequest to be in flight',
      60_000,
    );
    processes[0]!.signal('SIGKILL');
    await processes[0]!.exited;
    const unfinished = (
      await Promise.all(operations.map((op) => arranger.services.operations.get(op.id)))
    ).filter((op) => op.status === 'QUEUED' || op.status === 'RUNNING');
    expect(unfinished.length).toBeGreaterThan(0);

    processes.push(await startEngineProcess({ dataDir, env }));
    const finished = await waitFor(
      async () => {
        const all = await Promise.all(
          operations.map((op) => arranger.services.operations.get(op.id)),
        );
        return all.every((op) => op.status === 'SUCCEEDED' || op.status === 'FAILED') ? all : null;
      },
      'every operation to finish',
      120_000,
    );
    expect(finished.map((op) => `${op.type}:${op.status}`)).toEqual(
      operations.map((op) => `${op.type}:SUCCEEDED`),
    );

    const opsRequests = cluster.state.list('ops.kubedb.com/v1alpha1', 'PostgresOpsRequest', {
      namespace: 'acme-crash',
    });
    for (const operation of operations) {
      const mine = opsRequests.filter(
        (o) => o.metadata.labels?.['dbaas.kubedb.dev/operation-id'] === operation.id,
      );
      expect(mine, `OpsRequests of ${operation.type} ${operation.id}`).toHaveLength(1);
    }
    for (const id of databaseIds) {
      const database = await waitFor(
        async () => {
          const current = await arranger.services.databases.get(id);
          return current.status === 'RUNNING' && current.activeOperationId === null
            ? current
            : null;
        },
        `${id} to settle`,
        60_000,
      );
      expect(database.replicas).toBe(3);
    }
  }, 300_000);
});
