import { describe, expect, it } from 'vitest';
import { startSimCluster } from '../index';
import { crdsDirForTests, phaseOf, waitFor } from './test-support';

describe('child objects of a database', () => {
  it("carry the database's labels on the PetSet, pods and services", async () => {
    const cluster = await startSimCluster({ crdsDir: crdsDirForTests(), speed: 400, seed: 9 });
    try {
      const { state } = cluster;
      state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
      state.create({
        apiVersion: 'kubedb.com/v1',
        kind: 'Postgres',
        metadata: { name: 'lab-pg', namespace: 'demo', labels: { team: 'payments' } },
        spec: {
          version: '16.4',
          replicas: 2,
          storage: { resources: { requests: { storage: '1Gi' } } },
        },
      });
      await waitFor(
        () => phaseOf(state.get('kubedb.com/v1', 'Postgres', 'demo', 'lab-pg')) === 'Ready',
        'lab-pg Ready',
        30_000,
      );
      const selector = { 'app.kubernetes.io/instance': 'lab-pg' };
      const pods = state.list('v1', 'Pod', { namespace: 'demo', labels: selector });
      const services = state.list('v1', 'Service', { namespace: 'demo', labels: selector });
      const petsets = state.list('apps.k8s.appscode.com/v1', 'PetSet', {
        namespace: 'demo',
        labels: selector,
      });
      // Two replicas: the data pods and the raft arbiter KubeDB adds for an even count.
      expect(pods.map((p) => p.metadata.name).sort()).toEqual([
        'lab-pg-0',
        'lab-pg-1',
        'lab-pg-arbiter-0',
      ]);
      expect(services.length).toBeGreaterThan(0);
      expect(petsets.length).toBe(2);
      for (const o of [...pods, ...services, ...petsets])
        expect(o.metadata.labels?.team, `${o.kind} ${o.metadata.name}`).toBe('payments');
    } finally {
      await cluster.stop();
    }
  });
});
