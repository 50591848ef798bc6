import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/contract';
import { crdsDirForTests, startServer, waitFor, type RunningServer } from './testing';

function kubeConfig(url: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'sim', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'sim', user: { token: 'x' } }],
      contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'sim', namespace: 'default' } }],
      'current-context': 'sim',
    }),
  );
  return kc;
}

type CmInformer = k8s.Informer<k8s.V1ConfigMap> & k8s.ObjectCache<k8s.V1ConfigMap>;

function configMap(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

let running: RunningServer | undefined;
const informers: CmInformer[] = [];

afterEach(async () => {
  for (const inf of informers.splice(0)) await inf.stop();
  await running?.server.close();
  running = undefined;
});

/** An informer over default/configmaps whose 'error' events are recorded (stop() emits one). */
async function startInformer(kc: k8s.KubeConfig): Promise<{
  informer: CmInformer;
  errors: unknown[];
  connects: { n: number };
  lists: { n: number };
}> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const lists = { n: 0 };
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => {
    lists.n++;
    return core.listNamespacedConfigMap({ namespace: 'default' });
  });
  const errors: unknown[] = [];
  const connects = { n: 0 };
  informer.on('error', (e) => errors.push(e));
  informer.on('connect', () => connects.n++);
  informers.push(informer);
  await informer.start();
  return { informer, errors, connects, lists };
}

function cacheNames(informer: CmInformer): string[] {
  return informer
    .list()
    .map((c) => c.metadata?.name ?? '')
    .sort();
}

function serverNames(r: RunningServer): string[] {
  return r.server.state
    .list('v1', 'ConfigMap', { namespace: 'default' })
    .map((c) => c.metadata.name ?? '')
    .sort();
}

describe('@kubernetes/client-node against the simulator', () => {
  it('lists custom objects page by page with limit and continue', async () => {
    running = await startServer({ crdsDir: crdsDirForTests() });
    const { state } = running.server;
    for (let i = 0; i < 25; i++) {
      state.create({
        apiVersion: 'kubedb.com/v1',
        kind: 'Postgres',
        metadata: { name: `pg-${String(i).padStart(2, '0')}`, namespace: 'default' },
        spec: { version: '17.9' },
      });
    }
    const api = kubeConfig(running.url).makeApiClient(k8s.CustomObjectsApi);
    const seen: string[] = [];
    const versions = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    do {
      const page = (await api.listNamespacedCustomObject({
        group: 'kubedb.com',
        version: 'v1',
        namespace: 'default',
        plural: 'postgreses',
        limit: 10,
        ...(token ? { _continue: token } : {}),
      })) as {
        items: KubeObject[];
        metadata: { continue?: string; resourceVersion: string };
      };
      seen.push(...page.items.map((i) => i.metadata.name ?? ''));
      versions.add(page.metadata.resourceVersion);
      token = page.metadata.continue || undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `pg-${String(i).padStart(2, '0')}`));
    expect(versions.size).toBe(1);
  });

  it('watches changes of custom objects', async () => {
    running = await startServer({ crdsDir: crdsDirForTests() });
    const kc = kubeConfig(running.url);
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const ctrl = await watch.watch(
      '/apis/kubedb.com/v1/namespaces/default/postgreses',
      {},
      (type, obj: KubeObject) => events.push(`${type} ${obj.metadata.name}`),
      () => undefined,
    );
    const { state } = running.server;
    state.create({
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'a', namespace: 'default' },
      spec: { version: '17.9' },
    });
    state.patch('kubedb.com/v1', 'Postgres', 'default', 'a', { spec: { replicas: 2 } });
    state.delete('kubedb.com/v1', 'Postgres', 'default', 'a');
    await waitFor(() => events.length >= 3, 5000, 'three events');
    ctrl.abort();
    expect(events).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  });

  it('keeps an informer cache correct across a dropped watch and a 410 Gone', async () => {
    running = await startServer();
    const r = running;
    const { state } = r.server;
    state.create(configMap('one'));
    const { informer, connects, lists } = await startInformer(kubeConfig(r.url));
    await waitFor(() => cacheNames(informer).join() === 'one', 5000, 'initial list');
    const connectsBefore = connects.n;

    r.server.faults.dropWatchesEvery(0.2);
    state.create(configMap('two'));
    await waitFor(() => connects.n >= connectsBefore + 2, 5000, 'reconnects after dropped watches');
    state.create(configMap('three'));
    await waitFor(
      () => cacheNames(informer).join() === serverNames(r).join(),
      5000,
      'cache after drops',
    );
    r.server.faults.dropWatchesEvery(null);

    // The next watch is refused with 410: the informer must relist and still converge.
    expect(lists.n).toBe(1);
    r.server.faults.failNextWatchWithGone();
    const c = connects.n;
    r.server.faults.dropWatchesEvery(0.1);
    await waitFor(() => connects.n >= c + 2, 5000, 'relist after 410');
    r.server.faults.dropWatchesEvery(null);
    state.delete('v1', 'ConfigMap', 'default', 'one');
    state.create(configMap('four'));
    await waitFor(() => cacheNames(informer).join() === 'four,three,two', 5000, 'cache after 410');
    expect(lists.n).toBeGreaterThan(1);
    expect(cacheNames(informer)).toEqual(serverNames(r));
  });

  it('relists when a resumed watch gets an ERROR 410 Expired event', async () => {
    running = await startServer({ watchHistory: 3 });
    const r = running;
    const { state } = r.server;
    const { informer, connects, lists } = await startInformer(kubeConfig(r.url));
    await waitFor(() => connects.n >= 1, 5000, 'connected');
    // Silent watches keep the informer's resourceVersion old while more changes than the history holds happen.
    r.server.faults.silentWatches(true);
    for (let i = 0; i < 10; i++) state.create(configMap(`cm-${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(cacheNames(informer)).toEqual([]);
    r.server.faults.silentWatches(false);
    const c = connects.n;
    r.server.faults.dropWatchesEvery(0.05);
    await waitFor(() => connects.n >= c + 1, 5000, 'reconnect');
    r.server.faults.dropWatchesEvery(null);
    await waitFor(() => cacheNames(informer).length === 10, 5000, 'relisted cache');
    expect(lists.n).toBe(2);
    expect(cacheNames(informer)).toEqual(serverNames(r));
  });
});
