import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupEstateResponse } from '../../engine/api/contracts-backup';
import type { Database, DatabaseStatusEvent } from '../../engine/domain';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

interface ListBody {
  items: Database[];
  nextCursor: string | null;
}

/**
 * What the API says about a database whose cluster cannot be reached: UNKNOWN, with the last known
 * status and since when it was confirmed, and the last known status again once the cluster returns.
 */
describe('databases on an unreachable cluster', () => {
  let t: TestEngine;
  let cluster: SimCluster;
  let other: SimCluster;
  let providerId: string;
  let databaseId: string;
  let otherId: string;
  const events: DatabaseStatusEvent['data'][] = [];

  beforeAll(async () => {
    [cluster, other] = (await startClusters(2, 400)) as [SimCluster, SimCluster];
    t = await startTestEngine();
    t.engine.services.events.subscribe((event) => {
      if (event.type === 'database.status') events.push(event.data);
    });
    const provider = await t.engine.services.providers.create({
      name: 'downed',
      kubeconfig: cluster.kubeconfig,
    });
    const second = await t.engine.services.providers.create({
      name: 'steady',
      kubeconfig: other.kubeconfig,
    });
    providerId = provider.id;
    const create = async (name: string, onProvider: string) => {
      const result = await t.engine.services.databases.create({
        name,
        engine: 'postgres',
        version: '16.4',
        domain: 'acme',
        project: 'shop',
        storage: { size: '1Gi' },
        providerId: onProvider,
      });
      if (!('database' in result)) throw new Error('expected a database');
      return result.database.id;
    };
    databaseId = await create('ledger', provider.id);
    otherId = await create('orders', second.id);
    for (const id of [databaseId, otherId]) {
      await waitFor(
        async () => (await t.engine.services.databases.get(id)).status === 'RUNNING',
        `${id} to run`,
        30_000,
      );
    }
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    await other?.stop();
  });

  it('answers UNKNOWN with the last known status and its age, and RUNNING after recovery', async () => {
    const before = await t.request<Database>('GET', `/api/v1/databases/${databaseId}`);
    expect(before.body).toMatchObject({
      status: 'RUNNING',
      lastKnownStatus: 'RUNNING',
      statusObservedAt: null,
    });
    const seenAt = (await t.engine.services.providers.get(providerId)).health.lastSeenAt;
    expect(seenAt).not.toBeNull();

    cluster.faults.setUnreachable(true);
    try {
      const health = await t.engine.services.providers.test(providerId);
      expect(health.health.reachable).toBe(false);
      // What was last seen of the cluster stays: it is unknown, not a cluster without KubeDB.
      expect(health.health.kubedbInstalled).toBe(true);
      expect(health.health.lastSeenAt).toBe(seenAt);

      const one = await t.request<Database>('GET', `/api/v1/databases/${databaseId}`);
      expect(one.status).toBe(200);
      expect(one.body.status).toBe('UNKNOWN');
      expect(one.body.lastKnownStatus).toBe('RUNNING');
      expect(one.body.statusObservedAt).toBeTruthy();
      expect(Date.parse(one.body.statusObservedAt!)).toBeGreaterThanOrEqual(Date.parse(seenAt!));
      expect(one.body.statusReason).toContain('cluster downed cannot be reached');

      const unknown = await t.request<ListBody>('GET', '/api/v1/databases?status=UNKNOWN');
      expect(unknown.body.items.map((d) => d.id)).toEqual([databaseId]);
      const running = await t.request<ListBody>('GET', '/api/v1/databases?status=RUNNING');
      expect(running.body.items.map((d) => d.id)).toEqual([otherId]);
      const all = await t.request<ListBody>('GET', '/api/v1/databases');
      expect(Object.fromEntries(all.body.items.map((d) => [d.name, d.status]))).toEqual({
        ledger: 'UNKNOWN',
        orders: 'RUNNING',
      });
      // Live views were told.
      expect(events.some((e) => e.id === databaseId && e.status === 'UNKNOWN')).toBe(true);
      // The store keeps the last known status.
      expect((await t.store.databases.get(databaseId)).status).toBe('RUNNING');

      // The backup estate does not call the unreadable cluster's databases unprotected: it names
      // the cluster as unreadable, while the reachable one's database is still judged.
      const estate = await t.request<BackupEstateResponse>('GET', '/api/v1/backup-estate');
      expect(estate.status).toBe(200);
      expect(estate.body.unreadable).toEqual([
        { providerId, reason: expect.stringContaining('downed') as string },
      ]);
      expect(estate.body.unprotected.map((u) => u.databaseId)).toEqual([otherId]);
      expect(estate.body.items.filter((i) => i.providerId === providerId)).toEqual([]);
    } finally {
      cluster.faults.setUnreachable(false);
    }

    await waitFor(
      async () => (await t.engine.services.providers.test(providerId)).health.reachable,
      'the cluster to be reachable again',
    );
    const after = await t.request<Database>('GET', `/api/v1/databases/${databaseId}`);
    expect(after.body).toMatchObject({
      status: 'RUNNING',
      lastKnownStatus: 'RUNNING',
      statusObservedAt: null,
    });
    expect(events.filter((e) => e.id === databaseId).at(-1)?.status).toBe('RUNNING');
  }, 60_000);
});
