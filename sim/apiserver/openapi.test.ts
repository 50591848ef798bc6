import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import { call, crdsDirForTests, startServer, type RunningServer } from './testing';

let running: RunningServer;
let dir: string;
let kubeconfig: string;
const kubectl = (args: string[], input?: string) =>
  runKubectl(kubeconfig, args, input === undefined ? {} : { input });

beforeAll(async () => {
  running = await startServer({ crdsDir: crdsDirForTests() });
  dir = mkdtempSync(join(tmpdir(), 'sim-openapi-'));
  kubeconfig = writeKubeconfig(running.url, dir);
});

afterAll(async () => {
  await running?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OpenAPI of the custom kinds', () => {
  it('/openapi/v3 lists the custom group-versions and each document names its kinds', async () => {
    const root = await call(`${running.url}/openapi/v3`, 'GET');
    const paths = root.body.paths as Record<string, { serverRelativeURL: string }>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['api/v1', 'apis/kubedb.com/v1', 'apis/kubedb.com/v1alpha2']),
    );
    const doc = await call(
      `${running.url}${paths['apis/kubedb.com/v1']?.serverRelativeURL}`,
      'GET',
    );
    const schemas = (doc.body.components as { schemas: Record<string, Record<string, unknown>> })
      .schemas;
    expect(schemas['com.kubedb.v1.Postgres']?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'kubedb.com', version: 'v1', kind: 'Postgres' },
    ]);
  });

  it('/openapi/v2 holds the custom definitions', async () => {
    const v2 = await call(`${running.url}/openapi/v2`, 'GET');
    expect(v2.status).toBe(200);
    const definitions = v2.body.definitions as Record<string, unknown>;
    expect(Object.keys(definitions)).toEqual(
      expect.arrayContaining(['com.kubedb.v1.MongoDB', 'com.kubedb.v1alpha2.MongoDB']),
    );
  });

  it('kubectl explain works for KubeDB kinds and fields', async () => {
    const pg = await kubectl(['explain', 'postgres.spec']);
    expect(pg.stderr).toBe('');
    expect(pg.stdout).toMatch(/KIND:\s+Postgres/);
    expect(pg.stdout).toMatch(/deletionPolicy/);
    const old = await kubectl(['explain', 'postgres.spec', '--api-version', 'kubedb.com/v1alpha2']);
    expect(old.stderr).toBe('');
    expect(old.stdout).toMatch(/terminationPolicy/);
    const bc = await kubectl(['explain', 'backupconfiguration.spec.target']);
    expect(bc.stderr).toBe('');
    expect(bc.stdout).toMatch(/FIELD:\s+target/);
  });

  it('kubectl still leaves validation to the server for custom kinds', async () => {
    await kubectl(['create', 'namespace', 'demo']);
    const r = await kubectl(
      ['apply', '-f', '-'],
      'apiVersion: kubedb.com/v1\nkind: Postgres\nmetadata: { name: p, namespace: demo }\nspec: { version: "16.1", bogus: 1 }\n',
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "spec.bogus"/);
  });
});
