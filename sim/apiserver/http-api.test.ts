import { afterEach, describe, expect, it } from 'vitest';
import { SimApiError, type KubeObject } from '../core/contract';
import { crdsDirForTests, call, startServer, type RunningServer } from './testing';

let running: RunningServer | undefined;

afterEach(async () => {
  await running?.server.close();
  running = undefined;
});

async function start(opts: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  running = await startServer(opts);
  return running;
}

const PG = '/apis/kubedb.com/v1/namespaces/default/postgreses';
const pg = (name: string, spec: Record<string, unknown> = { version: '17.9' }) => ({
  apiVersion: 'kubedb.com/v1',
  kind: 'Postgres',
  metadata: { name },
  spec,
});

describe('discovery', () => {
  it('serves version, core, group list, group and resource lists with status subresources', async () => {
    const { url } = await start();
    expect((await call(`${url}/version`, 'GET')).body.gitVersion).toMatch(/^v1\.32/);
    const api = await call(`${url}/api`, 'GET', undefined, {
      Accept:
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    expect(api.headers.get('content-type')).toBe('application/json');
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const apis = await call(`${url}/apis`, 'GET');
    const groups = (apis.body.groups as { name: string }[]).map((g) => g.name);
    expect(groups).toEqual(
      expect.arrayContaining([
        'kubedb.com',
        'ops.kubedb.com',
        'catalog.kubedb.com',
        'coordination.k8s.io',
        'metrics.k8s.io',
        'apiextensions.k8s.io',
      ]),
    );
    const group = await call(`${url}/apis/kubedb.com`, 'GET');
    expect(group.body).toMatchObject({
      kind: 'APIGroup',
      name: 'kubedb.com',
      preferredVersion: { groupVersion: 'kubedb.com/v1', version: 'v1' },
    });
    const list = await call(`${url}/apis/kubedb.com/v1`, 'GET');
    const resources = list.body.resources as Record<string, unknown>[];
    expect(resources.find((r) => r.name === 'postgreses')).toMatchObject({
      singularName: 'postgres',
      namespaced: true,
      kind: 'Postgres',
      shortNames: ['pg'],
      categories: ['datastore', 'kubedb', 'appscode', 'all'],
    });
    expect(resources.find((r) => r.name === 'postgreses/status')).toMatchObject({
      kind: 'Postgres',
      verbs: ['get', 'patch', 'update'],
    });
    const core = await call(`${url}/api/v1`, 'GET');
    expect((core.body.resources as { name: string }[]).map((r) => r.name)).toEqual(
      expect.arrayContaining(['pods', 'pods/status', 'secrets', 'namespaces', 'events']),
    );
    expect((await call(`${url}/apis/nope.io/v1`, 'GET')).body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      code: 404,
    });
  });

  it('serves a kind created through POST of a CRD and lists it in discovery', async () => {
    const { url } = await start();
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', shortNames: ['wd'] },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                },
              },
            },
          },
        ],
      },
    };
    expect(
      (await call(`${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, 'POST', crd))
        .status,
    ).toBe(201);
    const disc = await call(`${url}/apis/example.com/v1`, 'GET');
    expect((disc.body.resources as { name: string }[])[0]?.name).toBe('widgets');
    const bad = await call(`${url}/apis/example.com/v1/namespaces/default/widgets`, 'POST', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { size: 0 },
    });
    expect(bad.body).toMatchObject({
      reason: 'Invalid',
      code: 422,
      message:
        'Widget.example.com "w" is invalid: spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1',
    });
    const crdGet = await call(
      `${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com`,
      'GET',
    );
    expect(
      (crdGet.body.status as { conditions: { type: string }[] }).conditions.map((c) => c.type),
    ).toContain('Established');
  });
});

describe('create, update and errors', () => {
  it('creates with generateName, refuses duplicates, missing namespaces and honours dryRun', async () => {
    const { url, server } = await start();
    const made = await call(`${url}${PG}`, 'POST', {
      ...pg(''),
      metadata: { generateName: 'pg-' },
    });
    expect(made.status).toBe(201);
    const name = (made.body.metadata as { name: string }).name;
    expect(name).toMatch(/^pg-[a-z0-9]{5}$/);
    const dup = await call(`${url}${PG}`, 'POST', pg(name));
    expect(dup.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: `postgreses.kubedb.com "${name}" already exists`,
    });
    const noNs = await call(
      `${url}/apis/kubedb.com/v1/namespaces/ghost/postgreses`,
      'POST',
      pg('x'),
    );
    expect(noNs.body).toMatchObject({
      reason: 'NotFound',
      code: 404,
      message: 'namespaces "ghost" not found',
    });
    const dry = await call(`${url}${PG}?dryRun=All`, 'POST', pg('dry'));
    expect(dry.status).toBe(201);
    expect(server.state.get('kubedb.com/v1', 'Postgres', 'default', 'dry')).toBeUndefined();
    expect((await call(`${url}${PG}/dry`, 'GET')).status).toBe(404);
    expect((await call(`${url}/api/v1/namespaces/default/pods/x/exec`, 'GET')).status).toBe(404);
    expect(
      (await call(`${url}/apis/metrics.k8s.io/v1beta1/namespaces/default/pods`, 'POST', {})).body,
    ).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });

  it('answers 409 Conflict to an update with a stale resourceVersion', async () => {
    const { url } = await start();
    const created = (await call(`${url}${PG}`, 'POST', pg('a'))).body as KubeObject;
    const fresh = await call(`${url}${PG}/a`, 'PUT', {
      ...created,
      spec: { version: '17.9', replicas: 2 },
    });
    expect(fresh.status).toBe(200);
    const stale = await call(`${url}${PG}/a`, 'PUT', {
      ...created,
      spec: { version: '17.9', replicas: 3 },
    });
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on postgreses.kubedb.com "a": the object has been modified; please apply your changes to the latest version and try again',
    });
    const rvA = Number(created.metadata.resourceVersion);
    const rvB = Number((fresh.body.metadata as { resourceVersion: string }).resourceVersion);
    expect(typeof (fresh.body.metadata as { resourceVersion: unknown }).resourceVersion).toBe(
      'string',
    );
    expect(rvB).toBeGreaterThan(rvA);
  });

  it('changes status only through /status and moves generation only on spec changes', async () => {
    const { url } = await start();
    const created = (await call(`${url}${PG}`, 'POST', { ...pg('a'), status: { phase: 'Ready' } }))
      .body as KubeObject;
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);
    const st = await call(
      `${url}${PG}/a/status`,
      'PATCH',
      { status: { phase: 'Provisioning' }, spec: { replicas: 9 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(st.body.status).toEqual({ phase: 'Provisioning' });
    expect((st.body.spec as { replicas?: number }).replicas).toBeUndefined();
    expect((st.body.metadata as { generation: number }).generation).toBe(1);
    const main = await call(
      `${url}${PG}/a`,
      'PATCH',
      { status: { phase: 'Halted' }, metadata: { labels: { a: 'b' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(main.body.status).toEqual({ phase: 'Provisioning' });
    expect((main.body.metadata as { generation: number }).generation).toBe(1);
    const spec = await call(
      `${url}${PG}/a`,
      'PATCH',
      { spec: { replicas: 2 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect((spec.body.metadata as { generation: number }).generation).toBe(2);
    const put = (await call(`${url}${PG}/a`, 'GET')).body as KubeObject;
    const noRv = { ...put, metadata: { ...put.metadata, resourceVersion: undefined } };
    expect((await call(`${url}${PG}/a`, 'PUT', noRv)).body).toMatchObject({
      reason: 'Invalid',
      code: 422,
    });
  });

  it('reports every schema violation as a cause with the real reasons', async () => {
    const { url } = await start({ crdsDir: crdsDirForTests() });
    const bad = await call(
      `${url}${PG}`,
      'POST',
      pg('Bad', { replicas: 'x', deletionPolicy: 'Never', storageType: 'Durable' }),
    );
    expect(bad.status).toBe(422);
    const causes = (bad.body.details as { causes: { reason: string; field: string }[] }).causes;
    expect(bad.body.details).toMatchObject({ name: 'Bad', group: 'kubedb.com', kind: 'Postgres' });
    expect(causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.version' }),
        expect.objectContaining({ reason: 'FieldValueTypeInvalid', field: 'spec.replicas' }),
        expect.objectContaining({
          reason: 'FieldValueNotSupported',
          field: 'spec.deletionPolicy',
          message:
            'Unsupported value: "Never": supported values: "Halt", "Delete", "WipeOut", "DoNotTerminate"',
        }),
        expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' }),
      ]),
    );
    expect(String(bad.body.message)).toMatch(/^Postgres\.kubedb\.com "Bad" is invalid: \[/);
  });

  it('prunes unknown fields, refuses them with Strict and warns with Warn', async () => {
    const { url } = await start({ crdsDir: crdsDirForTests() });
    const strict = await call(
      `${url}${PG}?fieldValidation=Strict`,
      'POST',
      pg('s', { version: '17.9', bogus: 1 }),
    );
    expect(strict.body).toMatchObject({ reason: 'BadRequest', code: 400 });
    expect(String(strict.body.message)).toContain('unknown field "spec.bogus"');
    const warn = await call(
      `${url}${PG}?fieldValidation=Warn`,
      'POST',
      pg('w', { version: '17.9', bogus: 1 }),
    );
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect((warn.body.spec as Record<string, unknown>).bogus).toBeUndefined();
    expect((warn.body.spec as Record<string, unknown>).healthChecker).toEqual({
      failureThreshold: 1,
      periodSeconds: 10,
      timeoutSeconds: 10,
    });
  });

  it('returns Forbidden from an admission hook and lets a hook mutate', async () => {
    const { url, server } = await start();
    server.state.registerAdmission('kubedb.com/v1', 'Postgres', ({ operation, object, old }) => {
      if (
        operation === 'DELETE' &&
        (old?.spec as { deletionPolicy?: string }).deletionPolicy === 'DoNotTerminate'
      ) {
        throw new SimApiError(
          403,
          'Forbidden',
          'admission webhook "postgreswebhook.validators.kubedb.com" denied the request: Can not delete as terminationPolicy is set to "DoNotTerminate"',
        );
      }
      if (operation === 'CREATE')
        return { ...object, metadata: { ...object.metadata, finalizers: ['kubedb.com'] } };
    });
    const c = await call(
      `${url}${PG}`,
      'POST',
      pg('keep', { version: '17.9', deletionPolicy: 'DoNotTerminate' }),
    );
    expect((c.body.metadata as { finalizers: string[] }).finalizers).toEqual(['kubedb.com']);
    const d = await call(`${url}${PG}/keep`, 'DELETE');
    expect(d.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(server.state.get('kubedb.com/v1', 'Postgres', 'default', 'keep')).toBeDefined();
  });
});
