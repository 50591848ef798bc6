import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/contract';
import {
  call,
  openWatch,
  startServer,
  waitFor,
  type RunningServer,
  type WatchLines,
} from './testing';

let running: RunningServer | undefined;
const watches: WatchLines[] = [];

afterEach(async () => {
  for (const w of watches.splice(0)) w.stop();
  await running?.server.close();
  running = undefined;
});

async function watch(url: string, headers: Record<string, string> = {}): Promise<WatchLines> {
  const w = await openWatch(url, headers);
  watches.push(w);
  return w;
}

const cm = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels },
});
const names = (body: Record<string, unknown>) =>
  (body.items as KubeObject[]).map((i) => i.metadata.name);

describe('list and watch', () => {
  it('filters lists with every label selector operator and field selectors', async () => {
    running = await startServer();
    const { url, server } = running;
    server.state.create(cm('a', { tier: 'db', env: 'prod' }));
    server.state.create(cm('b', { tier: 'web', env: 'dev' }));
    server.state.create(cm('c', { tier: 'db' }));
    const q = async (sel: string) =>
      names(
        (
          await call(
            `${url}/api/v1/namespaces/default/configmaps?labelSelector=${encodeURIComponent(sel)}`,
            'GET',
          )
        ).body,
      );
    expect(await q('tier=db')).toEqual(['a', 'c']);
    expect(await q('tier==web')).toEqual(['b']);
    expect(await q('tier!=db')).toEqual(['b']);
    expect(await q('env in (prod,dev)')).toEqual(['a', 'b']);
    expect(await q('env notin (prod)')).toEqual(['b', 'c']);
    expect(await q('env')).toEqual(['a', 'b']);
    expect(await q('!env')).toEqual(['c']);
    expect(await q('tier=db,env')).toEqual(['a']);
    expect(
      (await call(`${url}/api/v1/configmaps?fieldSelector=metadata.name%3Db`, 'GET')).body.items,
    ).toHaveLength(1);
    expect(
      names(
        (
          await call(
            `${url}/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddefault,metadata.name!%3Db`,
            'GET',
          )
        ).body,
      ),
    ).toEqual(['a', 'c']);
    const pods = '/api/v1/namespaces/default/pods';
    server.state.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p1', namespace: 'default' },
      spec: { containers: [] },
      status: { phase: 'Running' },
    });
    server.state.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p2', namespace: 'default' },
      spec: { containers: [] },
      status: { phase: 'Pending' },
    });
    expect(
      names((await call(`${url}${pods}?fieldSelector=status.phase%3DRunning`, 'GET')).body),
    ).toEqual(['p1']);
    expect(
      (await call(`${url}${pods}?labelSelector=${encodeURIComponent('a in (b')}`, 'GET')).body,
    ).toMatchObject({ reason: 'BadRequest', code: 400 });
  });

  it('answers Table with printer columns and honours includeObject', async () => {
    running = await startServer();
    const { url, server } = running;
    server.state.create({
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'pg', namespace: 'default' },
      spec: { version: '17.9' },
      status: { phase: 'Ready' },
    });
    const accept = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' };
    const base = `${url}/apis/kubedb.com/v1/namespaces/default/postgreses`;
    const t = await call(base, 'GET', undefined, accept);
    expect(t.body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect((t.body.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual([
      'Name',
      'Version',
      'Status',
      'Age',
    ]);
    const row = (t.body.rows as { cells: unknown[]; object: KubeObject }[])[0];
    expect(row?.cells.slice(0, 3)).toEqual(['pg', '17.9', 'Ready']);
    expect(row?.cells[3]).toMatch(/^\d+s$/);
    expect(row?.object.kind).toBe('PartialObjectMetadata');
    const full = await call(`${base}?includeObject=Object`, 'GET', undefined, accept);
    expect((full.body.rows as { object: KubeObject }[])[0]?.object.kind).toBe('Postgres');
    const none = await call(`${base}?includeObject=None`, 'GET', undefined, accept);
    expect((none.body.rows as { object?: unknown }[])[0]?.object).toBeUndefined();
    const pods = await call(`${url}/api/v1/pods`, 'GET', undefined, accept);
    expect(
      (pods.body.columnDefinitions as { name: string }[]).map((c) => c.name).slice(0, 5),
    ).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  });

  it('pages a list with a consistent resourceVersion and an opaque continue token', async () => {
    running = await startServer();
    const { url, server } = running;
    for (let i = 0; i < 7; i++) server.state.create(cm(`c${i}`));
    const first = await call(`${url}/api/v1/configmaps?limit=3`, 'GET');
    const meta = first.body.metadata as {
      continue: string;
      resourceVersion: string;
      remainingItemCount: number;
    };
    expect(meta.remainingItemCount).toBe(4);
    server.state.create(cm('zz'));
    const second = await call(`${url}/api/v1/configmaps?limit=3&continue=${meta.continue}`, 'GET');
    expect((second.body.metadata as { resourceVersion: string }).resourceVersion).toBe(
      meta.resourceVersion,
    );
    expect(names(second.body)).toEqual(['c3', 'c4', 'c5']);
    expect((await call(`${url}/api/v1/configmaps?limit=3&continue=garbage`, 'GET')).status).toBe(
      400,
    );
  });

  it('resumes a watch from a resourceVersion and answers ERROR 410 Expired when history is gone', async () => {
    running = await startServer({ watchHistory: 5 });
    const { url, server } = running;
    const first = server.state.create(cm('a'));
    server.state.create(cm('b'));
    const w = await watch(
      `${url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}`,
    );
    await waitFor(() => w.events.length === 1, 5000, 'resumed event');
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'b' } } });
    for (let i = 0; i < 10; i++) server.state.create(cm(`x${i}`));
    const old = await watch(
      `${url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}`,
    );
    await old.ended;
    expect(old.events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({ kind: 'Status', reason: 'Expired', code: 410 }),
      },
    ]);
  });

  it('sends initial ADDED events, legacy /watch/ paths, bookmarks and ends at timeoutSeconds', async () => {
    running = await startServer({ bookmarkIntervalMs: 50 });
    const { url, server } = running;
    server.state.create(cm('a', { app: 'x' }));
    server.state.create(cm('b'));
    const w = await watch(
      `${url}/api/v1/watch/namespaces/default/configmaps?labelSelector=app%3Dx&allowWatchBookmarks=true&timeoutSeconds=1`,
    );
    await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK'), 5000, 'a bookmark');
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    server.state.patch('v1', 'ConfigMap', 'default', 'b', { metadata: { labels: { app: 'x' } } });
    server.state.patch('v1', 'ConfigMap', 'default', 'a', { metadata: { labels: { app: 'y' } } });
    await waitFor(
      () => w.events.filter((e) => e.type !== 'BOOKMARK').length === 3,
      5000,
      'selector transitions',
    );
    const changes = w.events
      .filter((e) => e.type !== 'BOOKMARK')
      .map((e) => `${e.type} ${(e.object.metadata as { name: string }).name}`);
    expect(changes).toEqual(['ADDED a', 'ADDED b', 'DELETED a']);
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
    expect(bookmark?.object).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.stringMatching(/^\d+$/) },
    });
    await w.ended;
  });

  it('serves PodMetrics for existing pods, moving over time and deterministic per seed', async () => {
    running = await startServer({ seed: 7 });
    const { url, server } = running;
    server.state.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        containers: [
          { name: 'db', resources: { requests: { cpu: '500m', memory: '1Gi' } } },
          { name: 'exporter' },
        ],
      },
    });
    const m = await call(`${url}/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/p`, 'GET');
    expect(m.body).toMatchObject({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'p', namespace: 'default' },
    });
    const containers = m.body.containers as {
      name: string;
      usage: { cpu: string; memory: string };
    }[];
    expect(containers.map((c) => c.name)).toEqual(['db', 'exporter']);
    expect(containers[0]?.usage.cpu).toMatch(/^\d+n$/);
    expect(containers[0]?.usage.memory).toMatch(/^\d+Ki$/);
    const all = await call(`${url}/apis/metrics.k8s.io/v1beta1/pods`, 'GET');
    expect(all.body).toMatchObject({
      kind: 'PodMetricsList',
      items: [expect.objectContaining({ containers })],
    });
    expect(
      (await call(`${url}/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/none`, 'GET')).status,
    ).toBe(404);
    const { podMetrics } = await import('./metrics');
    const pod = server.state.get('v1', 'Pod', 'default', 'p') as KubeObject;
    const at = (t: number) => JSON.stringify(podMetrics(pod, 7, t).containers);
    expect(at(1_000_000)).toBe(at(1_000_000));
    expect(at(1_000_000)).not.toBe(at(1_000_000 + 15_000 * 20));
    expect(podMetrics(pod, 7, 0).containers).not.toEqual(podMetrics(pod, 8, 0).containers);
  });
});

describe('deletion', () => {
  it('holds objects with finalizers until they are removed, cascades to dependents and empties a deleted namespace', async () => {
    running = await startServer();
    const { url, server } = running;
    const { state } = server;
    state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
    const owner = state.create({
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'pg', namespace: 'prod', finalizers: ['kubedb.com'] },
      spec: { version: '17.9' },
    });
    const ref = {
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      name: 'pg',
      uid: owner.metadata.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    };
    state.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pg-auth', namespace: 'prod', ownerReferences: [ref] },
    });
    state.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pg-0', namespace: 'prod', ownerReferences: [ref] },
      spec: { containers: [] },
    });
    const del = await call(`${url}/apis/kubedb.com/v1/namespaces/prod/postgreses/pg`, 'DELETE', {
      propagationPolicy: 'Background',
    });
    expect(del.status).toBe(202);
    expect((del.body.metadata as { deletionTimestamp?: string }).deletionTimestamp).toBeTruthy();
    expect(state.get('v1', 'Secret', 'prod', 'pg-auth')).toBeDefined();
    state.patch('kubedb.com/v1', 'Postgres', 'prod', 'pg', { metadata: { finalizers: [] } });
    expect(state.get('kubedb.com/v1', 'Postgres', 'prod', 'pg')).toBeUndefined();
    expect(state.get('v1', 'Secret', 'prod', 'pg-auth')).toBeUndefined();
    expect(state.get('v1', 'Pod', 'prod', 'pg-0')).toBeUndefined();

    state.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: 'prod', finalizers: ['x/y'] },
    });
    state.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'free', namespace: 'prod' },
    });
    const nsDel = await call(`${url}/api/v1/namespaces/prod`, 'DELETE');
    expect(nsDel.status).toBe(202);
    expect(
      (state.get('v1', 'Namespace', undefined, 'prod')?.status as { phase: string }).phase,
    ).toBe('Terminating');
    expect(state.get('v1', 'ConfigMap', 'prod', 'free')).toBeUndefined();
    expect(
      (
        await call(`${url}/api/v1/namespaces/prod/configmaps`, 'POST', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'late' },
        })
      ).body,
    ).toMatchObject({ reason: 'Forbidden', code: 403 });
    state.patch('v1', 'ConfigMap', 'prod', 'held', { metadata: { finalizers: null } });
    expect(state.get('v1', 'Namespace', undefined, 'prod')).toBeUndefined();
  });
});
