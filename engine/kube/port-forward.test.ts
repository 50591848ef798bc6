import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/index';
import { startClusters, waitFor } from '../../test/helpers/engine';
import { storage } from '../../test/helpers/sim-databases';
import { ClusterClient } from './cluster-client';
import { openPortForward, resolveServiceTarget } from './port-forward';

/**
 * The port-forward adapter against the simulator's `pods/portforward` (without a real data plane,
 * so what comes back is the kubelet's error on the error channel; the drill tests reach real
 * databases through it).
 */
let sim: SimCluster;
let client: ClusterClient;

beforeAll(async () => {
  [sim] = (await startClusters(1, 400)) as [SimCluster];
  client = new ClusterClient(sim.kubeconfig, 'sim-1');
  sim.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  sim.state.create({
    apiVersion: 'kubedb.com/v1',
    kind: 'Postgres',
    metadata: { name: 'pg', namespace: 'demo' },
    spec: { version: '16.1', replicas: 2, storage: storage(), deletionPolicy: 'WipeOut' },
  });
  await waitFor(
    async () => resolveServiceTarget(client, 'demo', 'pg', 5432).catch(() => undefined),
    'a Ready primary behind service pg',
    60_000,
  );
}, 90_000);
afterAll(async () => {
  await sim?.stop();
});

/** Connects, writes, and resolves once the far end closes (or 10 s pass). */
function exchange(port: number): Promise<'closed' | 'refused'> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('connect', () => socket.write('hello'));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') resolve('refused');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

describe('port-forward', () => {
  it('resolves a Service to its Ready primary pod and container port, as kubectl does', async () => {
    const target = await resolveServiceTarget(client, 'demo', 'pg', 5432);
    const pod = sim.state.get('v1', 'Pod', 'demo', target.pod);
    expect(pod?.metadata.labels?.['kubedb.com/role']).toBe('primary');
    expect(target.port).toBe(5432);
    await expect(resolveServiceTarget(client, 'demo', 'nothing', 5432)).rejects.toThrow(
      'service demo/nothing was not found',
    );
  });

  it('tunnels a connection and keeps what the API server said on the error channel; close() frees the port', async () => {
    const target = await resolveServiceTarget(client, 'demo', 'pg', 5432);
    const forward = await openPortForward(client, 'demo', target.pod, target.port, {
      timeoutMs: 5_000,
    });
    expect(await exchange(forward.port)).toBe('closed');
    await waitFor(() => forward.lastError(), 'the forward’s error');
    expect(forward.lastError()).toMatch(
      new RegExp(`error forwarding port 5432 to pod demo/${target.pod}, uid .+ is simulated`),
    );
    await forward.close();
    await forward.close();
    expect(await exchange(forward.port)).toBe('refused');
  });

  it('reports a pod that does not exist as the failed upgrade', async () => {
    const forward = await openPortForward(client, 'demo', 'no-such-pod', 5432, {
      timeoutMs: 5_000,
    });
    try {
      expect(await exchange(forward.port)).toBe('closed');
      await waitFor(() => forward.lastError(), 'the forward’s error');
      expect(forward.lastError()).toMatch(/port-forward to demo\/no-such-pod:5432 failed \(.*404/);
    } finally {
      await forward.close();
    }
  });
});
