import { describe, expect, it } from 'vitest';
import { createKubeApiServer } from '../apiserver/index';
import { installCatalog, startOperator } from './index';
import { phaseOf, waitFor } from './test-support';

const timers = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;

describe('startOperator', () => {
  it('provisions a database in-process and leaves no timer behind after stop', async () => {
    const before = timers();
    const server = createKubeApiServer({ seed: 2 });
    installCatalog(server.state);
    const operator = startOperator(server.state, { speed: 500, seed: 2 });
    server.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'unit' } });
    server.state.create({
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'pg', namespace: 'unit' },
      spec: {
        version: '16.4',
        replicas: 2,
        storage: { resources: { requests: { storage: '1Gi' } } },
      },
    });
    await waitFor(
      () => phaseOf(server.state.get('kubedb.com/v1', 'Postgres', 'unit', 'pg')) === 'Ready',
      'Ready',
    );
    server.state.create({
      apiVersion: 'ops.kubedb.com/v1alpha1',
      kind: 'PostgresOpsRequest',
      metadata: { name: 'restart', namespace: 'unit' },
      spec: { type: 'Restart', databaseRef: { name: 'pg' }, restart: {} },
    });
    await waitFor(
      () =>
        phaseOf(
          server.state.get('ops.kubedb.com/v1alpha1', 'PostgresOpsRequest', 'unit', 'restart'),
        ) === 'Progressing',
      'Progressing',
    );
    operator.stop();
    await server.close();
    await waitFor(() => timers() <= before, 'timers cleared', 2000);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
