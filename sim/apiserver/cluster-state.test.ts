import { describe, expect, it } from 'vitest';
import { SimApiError, type KubeObject, type StateChange } from '../core/contract';
import { createKubeApiServer } from './index';

const pg = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'Postgres',
  metadata: { name, namespace: 'default' },
  spec: { version: '17.9' },
  ...extra,
});

function thrown(fn: () => unknown): SimApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimApiError) return e;
    throw e;
  }
  throw new Error('expected a SimApiError');
}

describe('ClusterState', () => {
  it('returns deep copies and lists by namespace and labels', () => {
    const { state } = createKubeApiServer();
    const a = state.create(
      pg('a', { metadata: { name: 'a', namespace: 'default', labels: { app: 'x' } } }),
    );
    state.create(pg('b'));
    (a.spec as Record<string, unknown>).version = 'changed';
    expect(
      (state.get('kubedb.com/v1', 'Postgres', 'default', 'a')?.spec as { version: string }).version,
    ).toBe('17.9');
    expect(
      state.list('kubedb.com/v1', 'Postgres', { labels: { app: 'x' } }).map((o) => o.metadata.name),
    ).toEqual(['a']);
    expect(state.list('kubedb.com/v1', 'Postgres', { namespace: 'other' })).toEqual([]);
  });

  it('refuses a stale update with 409 and keeps status on update', () => {
    const { state } = createKubeApiServer();
    const a = state.create(pg('a'));
    const withStatus = state.updateStatus({ ...a, status: { phase: 'Ready' } });
    expect(withStatus.metadata.generation).toBe(1);
    expect(thrown(() => state.update({ ...a, spec: { version: '18' } })).code).toBe(409);
    const updated = state.update({
      ...withStatus,
      spec: { version: '18' },
      status: { phase: 'Halted' },
    });
    expect(updated.status).toEqual({ phase: 'Ready' });
    expect(updated.metadata.generation).toBe(2);
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(
      Number(withStatus.metadata.resourceVersion),
    );
  });

  it('delivers changes in commit order even when a listener writes', () => {
    const { state } = createKubeApiServer();
    const seen: string[] = [];
    state.subscribe((c: StateChange) => {
      seen.push(`A:${c.type}:${c.object.metadata.name}`);
      if (c.type === 'ADDED' && c.object.metadata.name === 'a') state.create(pg('from-listener'));
    });
    state.subscribe((c: StateChange) => seen.push(`B:${c.type}:${c.object.metadata.name}`));
    state.create(pg('a'));
    expect(seen).toEqual([
      'A:ADDED:a',
      'B:ADDED:a',
      'A:ADDED:from-listener',
      'B:ADDED:from-listener',
    ]);
  });

  it('runs admission hooks on state writes unless skipAdmission is set', () => {
    const { state } = createKubeApiServer();
    const ops: string[] = [];
    const off = state.registerAdmission('kubedb.com/v1', 'Postgres', ({ operation, object }) => {
      ops.push(operation);
      if (operation !== 'DELETE' && (object.spec as { version?: string }).version === 'bad')
        throw new SimApiError(422, 'Invalid', 'bad version');
    });
    expect(thrown(() => state.create(pg('x', { spec: { version: 'bad' } }))).message).toBe(
      'bad version',
    );
    state.create(pg('y', { spec: { version: 'bad' } }), { skipAdmission: true });
    state.patch(
      'kubedb.com/v1',
      'Postgres',
      'default',
      'y',
      { spec: { replicas: 1 } },
      { skipAdmission: true },
    );
    state.delete('kubedb.com/v1', 'Postgres', 'default', 'y');
    expect(ops).toEqual(['CREATE', 'DELETE']);
    off();
  });

  it('cascades a deletion to dependents through ownerReferences', () => {
    const server = createKubeApiServer();
    const { state } = server;
    const owner = state.create(pg('o'));
    const ref = {
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      name: 'o',
      uid: owner.metadata.uid ?? '',
    };
    state.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'o', namespace: 'default', ownerReferences: [ref] },
      spec: { ports: [{ port: 5432 }] },
    });
    const svc = state.get('v1', 'Service', 'default', 'o');
    expect((svc?.spec as { clusterIP: string }).clusterIP).toMatch(/^10\.96\./);
    state.delete('kubedb.com/v1', 'Postgres', 'default', 'o');
    expect(state.get('v1', 'Service', 'default', 'o')).toBeUndefined();
  });
});
