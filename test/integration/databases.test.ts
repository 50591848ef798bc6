import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Engine, Operation } from '../../engine/domain';
import { createBody, KINDS, kubedbObjects } from '../helpers/databases';
import type { SimCluster } from '../../sim/index';
import { startClusters, startTestEngine, waitFor, type TestEngine } from '../helpers/engine';

/**
 * The database lifecycle of issue 4, end to end: a real engine (SQLite, file vault) through
 * app.inject(), two simulated KubeDB clusters over HTTP with the real CRDs.
 */

const TOPOLOGIES: { engine: Engine; mode: string; version: string }[] = [
  { engine: 'postgres', mode: 'standalone', version: '16.4' },
  { engine: 'postgres', mode: 'cluster', version: '16.4' },
  { engine: 'mysql', mode: 'standalone', version: '8.4.2' },
  { engine: 'mysql', mode: 'group-replication', version: '8.4.2' },
  { engine: 'mysql', mode: 'innodb-cluster', version: '8.0.31-innodb' },
  { engine: 'mongodb', mode: 'standalone', version: '7.0.8' },
  { engine: 'mongodb', mode: 'replicaset', version: '7.0.8' },
  { engine: 'mongodb', mode: 'sharded', version: '7.0.8' },
  { engine: 'mariadb', mode: 'standalone', version: '11.2.2' },
  { engine: 'mariadb', mode: 'galera', version: '11.2.2' },
  { engine: 'redis', mode: 'standalone', version: '7.4.6' },
  { engine: 'redis', mode: 'cluster', version: '7.4.6' },
  { engine: 'redis', mode: 'sentinel', version: '7.4.6' },
  { engine: 'elasticsearch', mode: 'combined', version: 'xpack-8.13.4' },
  { engine: 'elasticsearch', mode: 'topology', version: 'xpack-8.13.4' },
];

describe('the database lifecycle against simulated clusters', () => {
  let t: TestEngine;
  let clusters: SimCluster[];
  const providerIds: string[] = [];

  beforeAll(async () => {
    clusters = await startClusters(2);
    t = await startTestEngine();
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await Promise.all((clusters ?? []).map((c) => c.stop()));
  });

  it('registers two clusters, probes them and never echoes the kubeconfig', async () => {
    for (const [i, cluster] of clusters.entries()) {
      const response = await t.request<{ id: string; health: Record<string, unknown> }>(
        'POST',
        '/api/v1/providers',
        {
          name: `cluster-${i + 1}`,
          kubeconfig: cluster.kubeconfig,
          region: i === 0 ? 'eu-west' : 'us-east',
        },
      );
      expect(response.status).toBe(201);
      expect(response.text).not.toContain('token');
      expect(response.text).not.toContain('vaultRef');
      expect(response.body.health).toMatchObject({
        reachable: true,
        kubedbInstalled: true,
        message: null,
      });
      expect((response.body.health.engines as string[]).sort()).toEqual([
        'elasticsearch',
        'mariadb',
        'mongodb',
        'mysql',
        'postgres',
        'redis',
      ]);
      expect((response.body.health.versions as Record<string, string[]>).postgres).toContain(
        '16.4',
      );
      providerIds.push(response.body.id);
    }
    const list = await t.request<{ items: { name: string }[] }>('GET', '/api/v1/providers');
    expect(list.body.items.map((p) => p.name)).toEqual(['cluster-1', 'cluster-2']);
    const duplicate = await t.request('POST', '/api/v1/providers', {
      name: 'cluster-1',
      kubeconfig: clusters[0]!.kubeconfig,
    });
    expect(duplicate.status).toBe(409);
  });

  it('lists catalog versions with deprecation and upgrade targets', async () => {
    const response = await t.request<{
      items: {
        version: string;
        deprecated: boolean;
        upgradeTargets: string[];
        providerIds: string[];
      }[];
    }>('GET', '/api/v1/versions?engine=postgres');
    expect(response.status).toBe(200);
    const byName = new Map(response.body.items.map((v) => [v.version, v]));
    expect(byName.get('13.13')?.deprecated).toBe(true);
    expect(byName.get('16.1')?.upgradeTargets).toContain('16.4');
    expect(byName.get('16.4')?.upgradeTargets).not.toContain('16.1');
    expect(byName.get('16.4')?.providerIds.sort()).toEqual([...providerIds].sort());
  });

  it('returns the manifests of a dry run and changes nothing', async () => {
    const before = clusters.map(kubedbObjects);
    const response = await t.request<{
      manifests: { kind: string; metadata: { name: string; namespace?: string } }[];
    }>('POST', '/api/v1/databases?dryRun=true', createBody({ name: 'dry' }));
    expect(response.status).toBe(200);
    expect(response.body.manifests.map((m) => m.kind)).toEqual(['Namespace', 'Postgres']);
    expect(response.body.manifests[1]?.metadata).toMatchObject({
      name: 'dry',
      namespace: 'acme-shop',
    });
    expect(clusters.map(kubedbObjects)).toEqual(before);
    const list = await t.request<{ items: unknown[] }>('GET', '/api/v1/databases?q=dry');
    expect(list.body.items).toEqual([]);
  });

  it('creates one database of every engine and topology, and KubeDB takes them to Ready', async () => {
    for (const [i, topology] of TOPOLOGIES.entries()) {
      const name = `${topology.engine.slice(0, 5)}-${topology.mode}`.replace(/[^a-z0-9-]/g, '');
      const response = await t.request<{ database: Database; operation: Operation }>(
        'POST',
        '/api/v1/databases',
        createBody({
          name,
          engine: topology.engine,
          mode: topology.mode,
          version: topology.version,
          project: `p${i % 3}`,
          providerId: providerIds[i % 2],
        }),
      );
      expect(response.status, `${topology.engine}/${topology.mode}: ${response.text}`).toBe(202);
      expect(response.body.database).toMatchObject({
        name,
        status: 'PENDING',
        namespace: `acme-p${i % 3}`,
      });
      expect(response.body.operation).toMatchObject({
        type: 'create',
        status: 'QUEUED',
        progress: 0,
      });
      const operationId = response.body.operation.id;
      await waitFor(
        async () =>
          (await t.request<Operation>('GET', `/api/v1/operations/${operationId}`)).body.status ===
          'SUCCEEDED',
        `the create operation of ${name} to succeed`,
      );
      const cluster = clusters[i % 2]!;
      const live = cluster.state.get(
        'kubedb.com/v1',
        KINDS[topology.engine],
        `acme-p${i % 3}`,
        name,
      );
      expect(live?.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'kubedb-dbaas',
        'dbaas.kubedb.dev/database-id': response.body.database.id,
      });
      await waitFor(
        () =>
          (
            cluster.state.get('kubedb.com/v1', KINDS[topology.engine], `acme-p${i % 3}`, name)
              ?.status as { phase?: string } | undefined
          )?.phase === 'Ready',
        `${name} to become Ready`,
      );
    }
  }, 120_000);

  it('lists and filters databases, with paging', async () => {
    const all = await t.request<{ items: Database[] }>('GET', '/api/v1/databases?limit=500');
    expect(all.body.items).toHaveLength(TOPOLOGIES.length);
    const redis = await t.request<{ items: Database[] }>('GET', '/api/v1/databases?engine=redis');
    expect(redis.body.items.map((d) => d.mode).sort()).toEqual([
      'cluster',
      'sentinel',
      'standalone',
    ]);
    const onSecond = await t.request<{ items: Database[] }>(
      `GET`,
      `/api/v1/databases?providerId=${providerIds[1]}&limit=500`,
    );
    expect(onSecond.body.items.every((d) => d.providerId === providerIds[1])).toBe(true);
    expect(onSecond.body.items).toHaveLength(7);
    const byName = await t.request<{ items: Database[] }>('GET', '/api/v1/databases?q=galera');
    expect(byName.body.items.map((d) => d.name)).toEqual(['maria-galera']);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/databases?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await t.request<{ items: Database[]; nextCursor: string | null }>('GET', url);
      for (const item of page.body.items) seen.add(item.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(TOPOLOGIES.length);
    const badLimit = await t.request<{ error: { details: { path: string }[] } }>(
      'GET',
      '/api/v1/databases?limit=900',
    );
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.details[0]?.path).toBe('limit');
  });

  it('reads credentials from the auth secret on the cluster', async () => {
    const list = await t.request<{ items: Database[] }>(
      'GET',
      '/api/v1/databases?q=postg-standalone',
    );
    const database = list.body.items[0]!;
    const response = await t.request<{
      username: string;
      password: string;
      host: string;
      port: number;
      connectionString: string;
    }>('GET', `/api/v1/databases/${database.id}/credentials`);
    expect(response.status).toBe(200);
    const secret = clusters[0]!.state.get(
      'v1',
      'Secret',
      database.namespace,
      `${database.name}-auth`,
    );
    const password = Buffer.from(
      (secret?.data as Record<string, string>).password!,
      'base64',
    ).toString();
    expect(response.body).toMatchObject({
      password,
      host: `${database.name}.${database.namespace}.svc`,
      port: 5432,
    });
    expect(response.body.connectionString).toContain(
      `@${database.name}.${database.namespace}.svc:5432`,
    );
    expect(t.logs.join('')).not.toContain(password);
  });

  it('shows the desired and live manifests and the drift between them', async () => {
    const list = await t.request<{ items: Database[] }>(
      'GET',
      '/api/v1/databases?q=mongo-replicaset',
    );
    const database = list.body.items[0]!;
    const cluster = clusters[database.providerId === providerIds[0] ? 0 : 1]!;
    const clean = await t.request<{
      desired: { spec: { replicas: number } };
      live: unknown;
      drift: unknown[];
    }>('GET', `/api/v1/databases/${database.id}/manifest`);
    expect(clean.status).toBe(200);
    expect(clean.body.desired.spec.replicas).toBe(3);
    expect(clean.body.live).not.toBeNull();
    expect(clean.body.drift).toEqual([]);
    cluster.state.patch(
      'kubedb.com/v1',
      'MongoDB',
      database.namespace,
      database.name,
      { spec: { replicas: 5 } },
      { skipAdmission: true },
    );
    const drifted = await t.request<{ drift: { path: string; desired: unknown; live: unknown }[] }>(
      'GET',
      `/api/v1/databases/${database.id}/manifest`,
    );
    expect(drifted.body.drift).toContainEqual(
      expect.objectContaining({ path: 'replicas', desired: 3, live: 5 }),
    );
  });

  it('refuses to remove a cluster that still has databases', async () => {
    const response = await t.request<{ error: { code: string } }>(
      'DELETE',
      `/api/v1/providers/${providerIds[0]}`,
    );
    expect(response.status).toBe(409);
  });

  it('deletes every database and KubeDB removes the objects; DoNotTerminate is refused', async () => {
    const keep = await t.request<{ database: Database }>(
      'POST',
      '/api/v1/databases',
      createBody({ name: 'keeper', deletionPolicy: 'DoNotTerminate', providerId: providerIds[0] }),
    );
    expect(keep.status).toBe(202);
    const refused = await t.request<{ error: { code: string; details: { path: string }[] } }>(
      'DELETE',
      `/api/v1/databases/${keep.body.database.id}`,
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error.details[0]?.path).toBe('deletionPolicy');

    const all = (
      await t.request<{ items: Database[] }>('GET', '/api/v1/databases?limit=500')
    ).body.items.filter((d) => d.name !== 'keeper');
    for (const database of all) {
      const response = await t.request<{ database: Database; operation: Operation }>(
        'DELETE',
        `/api/v1/databases/${database.id}`,
      );
      expect(response.status, response.text).toBe(202);
      expect(response.body.operation).toMatchObject({ type: 'delete', status: 'QUEUED' });
    }
    for (const database of all) {
      await waitFor(
        async () =>
          (await t.request<Database>('GET', `/api/v1/databases/${database.id}`)).body.status ===
          'DELETED',
        `${database.name} to be DELETED`,
      );
    }
    await waitFor(
      () => clusters.every((c) => kubedbObjects(c).every((o) => o.endsWith('/keeper'))),
      'the KubeDB objects to be gone',
    );
    const after = await t.request<{ items: Database[] }>('GET', '/api/v1/databases?limit=500');
    expect(after.body.items.map((d) => d.name)).toEqual(['keeper']);
    const gone = await t.request('GET', `/api/v1/databases/${all[0]!.id}/credentials`);
    expect(gone.status).toBe(404);
  });

  it('serves the OpenAPI document generated from the route table', async () => {
    const response = await t.request<{
      openapi: string;
      paths: Record<string, Record<string, { 'x-permission': string; requestBody?: unknown }>>;
    }>('GET', '/api/v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.0.3');
    expect(response.body.paths['/api/v1/databases']?.post?.['x-permission']).toBe(
      'databases:write',
    );
    expect(JSON.stringify(response.body.paths['/api/v1/databases']?.post?.requestBody)).toContain(
      'deletionPolicy',
    );
    expect(response.body.paths['/api/v1/databases/{id}/credentials']?.get?.['x-permission']).toBe(
      'databases:credentials',
    );
  });
});
