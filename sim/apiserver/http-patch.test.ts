import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/contract';
import { call, startServer, type RunningServer } from './testing';

let running: RunningServer | undefined;

afterEach(async () => {
  await running?.server.close();
  running = undefined;
});

const PODS = '/api/v1/namespaces/default/pods';
const CT = (t: string) => ({ 'Content-Type': t });
const SMP = CT('application/strategic-merge-patch+json');
const APPLY = CT('application/apply-patch+yaml');

function pod(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'db' } },
    spec: {
      containers: [
        {
          name: 'db',
          image: 'postgres:17',
          ports: [{ containerPort: 5432 }],
          env: [{ name: 'A', value: '1' }],
        },
        { name: 'exporter', image: 'exp:1' },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
}

describe('patches', () => {
  it('merges strategic patches of pods by container, port, env and volume keys, with $patch delete', async () => {
    running = await startServer();
    const { url } = running;
    await call(`${url}${PODS}`, 'POST', pod('p'));
    const r = await call(
      `${url}${PODS}/p`,
      'PATCH',
      {
        spec: {
          containers: [
            {
              name: 'db',
              image: 'postgres:18',
              ports: [{ containerPort: 8008, name: 'api' }],
              env: [{ name: 'B', value: '2' }],
            },
            { name: 'exporter', $patch: 'delete' },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
      SMP,
    );
    expect(r.status).toBe(200);
    const spec = r.body.spec as {
      containers: Record<string, unknown>[];
      volumes: { name: string }[];
    };
    expect(spec.containers.map((c) => c.name)).toEqual(['db']);
    expect(spec.containers[0]).toMatchObject({
      image: 'postgres:18',
      ports: [{ containerPort: 5432 }, { containerPort: 8008, name: 'api' }],
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    });
    expect(spec.volumes.map((v) => v.name)).toEqual(['data', 'tmp']);
  });

  it('refuses a strategic merge patch of a custom resource with 415 and applies JSON patch with test', async () => {
    running = await startServer();
    const { url } = running;
    const base = '/apis/kubedb.com/v1/namespaces/default/postgreses';
    await call(`${url}${base}`, 'POST', {
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'a' },
      spec: { version: '17.9', replicas: 1 },
    });
    const smp = await call(`${url}${base}/a`, 'PATCH', { spec: { replicas: 2 } }, SMP);
    expect(smp.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
    const bad = await call(
      `${url}${base}/a`,
      'PATCH',
      [
        { op: 'test', path: '/spec/replicas', value: 5 },
        { op: 'replace', path: '/spec/replicas', value: 3 },
      ],
      CT('application/json-patch+json'),
    );
    expect(bad.status).toBe(422);
    const ok = await call(
      `${url}${base}/a`,
      'PATCH',
      [
        { op: 'test', path: '/spec/replicas', value: 1 },
        { op: 'replace', path: '/spec/replicas', value: 3 },
      ],
      CT('application/json-patch+json'),
    );
    expect((ok.body.spec as { replicas: number }).replicas).toBe(3);
  });

  it('creates on apply, tracks managers, reports conflicts and takes fields over with force', async () => {
    running = await startServer();
    const { url } = running;
    const cm = '/api/v1/namespaces/default/configmaps';
    const noManager = await call(
      `${url}${cm}/c`,
      'PATCH',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n',
      APPLY,
    );
    expect(noManager.body).toMatchObject({ reason: 'Invalid', code: 422 });
    const created = await call(
      `${url}${cm}/c?fieldManager=alice`,
      'PATCH',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1", b: "1"}\n',
      APPLY,
    );
    expect(created.status).toBe(200);
    const mf = (
      created.body.metadata as {
        managedFields: { manager: string; operation: string; fieldsV1: unknown }[];
      }
    ).managedFields;
    expect(mf).toEqual([
      expect.objectContaining({
        manager: 'alice',
        operation: 'Apply',
        fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
      }),
    ]);
    const conflict = await call(
      `${url}${cm}/c?fieldManager=bob`,
      'PATCH',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "2"}\n',
      APPLY,
    );
    expect(conflict.body).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "alice" using v1: .data.a',
    });
    expect((conflict.body.details as { causes: unknown[] }).causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "alice" using v1',
        field: '.data.a',
      },
    ]);
    const same = await call(
      `${url}${cm}/c?fieldManager=bob`,
      'PATCH',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n',
      APPLY,
    );
    expect(same.status).toBe(200);
    const forced = await call(
      `${url}${cm}/c?fieldManager=bob&force=true`,
      'PATCH',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "2"}\n',
      APPLY,
    );
    expect((forced.body.data as Record<string, string>).a).toBe('2');
    const managers = (
      forced.body.metadata as { managedFields: { manager: string; fieldsV1: unknown }[] }
    ).managedFields;
    expect(managers.find((m) => m.manager === 'alice')?.fieldsV1).toEqual({
      'f:data': { 'f:b': {} },
    });
    // alice stops applying b: it is removed because nobody else owns it.
    const dropped = await call(
      `${url}${cm}/c?fieldManager=alice`,
      'PATCH',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {}\n',
      APPLY,
    );
    expect(dropped.body.data).toEqual({ a: '2' });
    // An Update by another manager takes the field it changed: bob, who owned only data.a, is gone.
    const upd = await call(
      `${url}${cm}/c?fieldManager=carol`,
      'PATCH',
      { data: { a: '3' } },
      CT('application/merge-patch+json'),
    );
    const after = (upd.body.metadata as { managedFields: { manager: string; operation: string }[] })
      .managedFields;
    expect(after.map((m) => `${m.manager}/${m.operation}`)).toEqual([
      'alice/Apply',
      'carol/Update',
    ]);
  });

  it('merges keyed lists on apply and keeps items owned by another manager', async () => {
    running = await startServer();
    const { url } = running;
    await call(`${url}${PODS}?fieldManager=creator`, 'POST', pod('p'));
    const applied = await call(
      `${url}${PODS}/p?fieldManager=sidecar`,
      'PATCH',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: proxy\n    image: envoy:1\n',
      APPLY,
    );
    const names = (applied.body.spec as { containers: { name: string }[] }).containers.map(
      (c) => c.name,
    );
    expect(names).toEqual(['db', 'exporter', 'proxy']);
  });
});
