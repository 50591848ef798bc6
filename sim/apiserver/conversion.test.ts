import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import type { KubeObject } from '../core/contract';
import { crdsDirForTests, startServer, type RunningServer } from './testing';

let running: RunningServer;
let dir: string;
let kubeconfig: string;
const kubectl = (args: string[], input?: string) =>
  runKubectl(kubeconfig, args, input === undefined ? {} : { input });

const get = async (resource: string, name: string): Promise<KubeObject> => {
  const r = await kubectl(['get', resource, name, '-n', 'demo', '-o', 'yaml']);
  expect(r.stderr).toBe('');
  return yaml.load(r.stdout) as KubeObject;
};
const spec = (o: KubeObject) => o.spec as Record<string, unknown>;

beforeAll(async () => {
  running = await startServer({ crdsDir: crdsDirForTests() });
  dir = mkdtempSync(join(tmpdir(), 'sim-conversion-'));
  kubeconfig = writeKubeconfig(running.url, dir);
  await kubectl(['create', 'namespace', 'demo']);
});

afterAll(async () => {
  await running?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubedb.com v1alpha2 is served with conversion to the stored v1', () => {
  it('stores a v1alpha2 Postgres as v1 and serves each version in its own shape', async () => {
    const applied = await kubectl(
      ['apply', '-f', '-'],
      `apiVersion: kubedb.com/v1alpha2
kind: Postgres
metadata: { name: old-pg, namespace: demo }
spec:
  version: "16.1"
  replicas: 3
  storageType: Durable
  storage: { resources: { requests: { storage: 1Gi } } }
  terminationPolicy: WipeOut
  coordinator:
    resources: { requests: { cpu: 100m } }
  podTemplate:
    spec:
      resources: { requests: { cpu: 500m, memory: 1Gi } }
      env: [{ name: A, value: b }]
`,
    );
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const stored = running.server.state.get('kubedb.com/v1', 'Postgres', 'demo', 'old-pg');
    expect(stored?.apiVersion).toBe('kubedb.com/v1');

    const v1 = await get('postgres.v1.kubedb.com', 'old-pg');
    expect(v1.apiVersion).toBe('kubedb.com/v1');
    expect(spec(v1).deletionPolicy).toBe('WipeOut');
    expect(spec(v1).terminationPolicy).toBeUndefined();
    expect(spec(v1).coordinator).toBeUndefined();
    const containers = (spec(v1).podTemplate as { spec: { containers: Record<string, unknown>[] } })
      .spec.containers;
    expect(containers).toContainEqual({
      name: 'postgres',
      resources: { requests: { cpu: '500m', memory: '1Gi' } },
      env: [{ name: 'A', value: 'b' }],
    });
    expect(containers).toContainEqual({
      name: 'pg-coordinator',
      resources: { requests: { cpu: '100m' } },
    });

    const old = await get('postgres.v1alpha2.kubedb.com', 'old-pg');
    expect(old.apiVersion).toBe('kubedb.com/v1alpha2');
    expect(spec(old).terminationPolicy).toBe('WipeOut');
    expect(spec(old).deletionPolicy).toBeUndefined();
    expect(spec(old).coordinator).toEqual({ resources: { requests: { cpu: '100m' } } });
    const oldPodSpec = (spec(old).podTemplate as { spec: Record<string, unknown> }).spec;
    expect(oldPodSpec.containers).toBeUndefined();
    expect(oldPodSpec).toMatchObject({
      resources: { requests: { cpu: '500m', memory: '1Gi' } },
      env: [{ name: 'A', value: 'b' }],
    });
  });

  it('a v1alpha2 merge patch of terminationPolicy changes the stored deletionPolicy', async () => {
    const r = await kubectl([
      'patch',
      'postgres.v1alpha2.kubedb.com',
      'old-pg',
      '-n',
      'demo',
      '--type',
      'merge',
      '-p',
      '{"spec":{"terminationPolicy":"Halt"}}',
    ]);
    expect(r.stderr).toBe('');
    expect(spec(await get('postgres.v1.kubedb.com', 'old-pg')).deletionPolicy).toBe('Halt');
  });

  it('converts Redis cluster master/replicas and Elasticsearch node resources', async () => {
    const r = await kubectl(
      ['apply', '-f', '-'],
      `apiVersion: kubedb.com/v1alpha2
kind: Redis
metadata: { name: old-rd, namespace: demo }
spec:
  version: "7.2.3"
  mode: Cluster
  cluster: { master: 3, replicas: 1 }
  storage: { resources: { requests: { storage: 1Gi } } }
  terminationPolicy: Delete
---
apiVersion: kubedb.com/v1alpha2
kind: Elasticsearch
metadata: { name: old-es, namespace: demo }
spec:
  version: xpack-8.11.1
  enableSSL: true
  terminationPolicy: Delete
  topology:
    master:
      replicas: 1
      resources: { requests: { cpu: 500m } }
      storage: { resources: { requests: { storage: 1Gi } } }
    ingest:
      replicas: 1
      storage: { resources: { requests: { storage: 1Gi } } }
    data:
      replicas: 1
      nodeSelector: { disk: ssd }
      storage: { resources: { requests: { storage: 1Gi } } }
`,
    );
    expect(r.stderr).toBe('');
    const rd = await get('redis.v1.kubedb.com', 'old-rd');
    expect(spec(rd).cluster).toEqual({ shards: 3, replicas: 2 });
    expect(spec(await get('redis.v1alpha2.kubedb.com', 'old-rd')).cluster).toEqual({
      master: 3,
      replicas: 1,
    });
    const es = await get('elasticsearch.v1.kubedb.com', 'old-es');
    const topology = spec(es).topology as Record<string, Record<string, unknown>>;
    expect(topology.master?.resources).toBeUndefined();
    expect(topology.master?.podTemplate).toMatchObject({
      spec: { containers: [{ name: 'elasticsearch', resources: { requests: { cpu: '500m' } } }] },
    });
    expect(topology.data?.podTemplate).toMatchObject({ spec: { nodeSelector: { disk: 'ssd' } } });
    const oldTopology = spec(await get('elasticsearch.v1alpha2.kubedb.com', 'old-es'))
      .topology as Record<string, Record<string, unknown>>;
    expect(oldTopology.master?.resources).toEqual({ requests: { cpu: '500m' } });
    expect(oldTopology.data?.nodeSelector).toEqual({ disk: 'ssd' });
  });

  it('a v1alpha2 watch gets converted objects', async () => {
    const res = await fetch(
      `${running.url}/apis/kubedb.com/v1alpha2/namespaces/demo/postgreses?watch=true&resourceVersion=0`,
    );
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    await reader.cancel();
    const ev = JSON.parse(text.split('\n')[0]!) as { object: KubeObject };
    expect(ev.object.apiVersion).toBe('kubedb.com/v1alpha2');
    expect(spec(ev.object).terminationPolicy).toBe('Halt');
  });
});
