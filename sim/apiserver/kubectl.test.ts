import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import type { KubeObject } from '../core/contract';
import { crdsDirForTests, startServer, type RunningServer } from './testing';

const DB_KINDS: [plural: string, short: string][] = [
  ['postgreses', 'pg'],
  ['mysqls', 'my'],
  ['mongodbs', 'mg'],
  ['mariadbs', 'md'],
  ['redises', 'rd'],
  ['redissentinels', 'rds'],
  ['elasticsearches', 'es'],
];

/**
 * The YAML blocks of the KubeDB reference's section 11 (../shared/kubedb/REFERENCE.md), kept as
 * fixtures in the repository: one multi-document text per block.
 */
function referenceExamples(): string[] {
  const dir = join(import.meta.dirname, 'fixtures');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'));
}

let running: RunningServer;
let dir: string;
let kubeconfig: string;
const kubectl = (args: string[], input?: string) =>
  runKubectl(kubeconfig, args, input === undefined ? {} : { input });

beforeAll(async () => {
  running = await startServer({ crdsDir: crdsDirForTests() });
  dir = mkdtempSync(join(tmpdir(), 'sim-kubectl-'));
  kubeconfig = writeKubeconfig(running.url, dir);
});

afterAll(async () => {
  await running?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl against the simulator with the KubeDB CRDs', () => {
  it('lists the KubeDB kinds in api-resources', async () => {
    const r = await kubectl(['api-resources']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const [plural, short] of DB_KINDS)
      expect(r.stdout).toMatch(new RegExp(`^${plural}\\s+${short}\\s+kubedb.com/v1\\s+true`, 'm'));
    expect(r.stdout).toMatch(/^postgresopsrequests\s+pgops\s+ops.kubedb.com\/v1alpha1/m);
    expect(r.stdout).toMatch(
      /^postgresversions\s+pgversion\s+catalog.kubedb.com\/v1alpha1\s+false/m,
    );
  });

  it('creates namespaces with the typed (protobuf) create command', async () => {
    for (const ns of ['prod', 'dev']) {
      const r = await kubectl(['create', 'namespace', ns]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(`namespace/${ns} created`);
    }
  });

  it('accepts every example manifest of REFERENCE.md section 11 with apply -f', async () => {
    const blocks = referenceExamples();
    expect(blocks.length).toBe(3);
    let count = 0;
    for (const block of blocks) {
      const docs = yaml.loadAll(block).filter(Boolean) as KubeObject[];
      count += docs.length;
      const r = await kubectl(['apply', '-f', '-'], block);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      for (const d of docs) expect(r.stdout).toContain(`/${d.metadata.name} created`);
    }
    expect(count).toBeGreaterThan(30);
    const again = await kubectl(['apply', '-f', '-'], referenceExamples()[0]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('postgres.kubedb.com/orders-pg unchanged');
  });

  it('gets every database kind by plural and by short name', async () => {
    for (const [plural, short] of DB_KINDS) {
      const a = await kubectl(['get', plural, '-n', 'prod', '-o', 'name']);
      const b = await kubectl(['get', short, '-n', 'prod', '-o', 'name']);
      expect(a.code).toBe(0);
      expect(a.stdout).not.toBe('');
      expect(b.stdout).toBe(a.stdout);
    }
  });

  it('prints the Table with the CRD printer columns and -o yaml with defaults applied', async () => {
    running.server.state.patch(
      'kubedb.com/v1',
      'Postgres',
      'prod',
      'orders-pg',
      { status: { phase: 'Ready' } },
      { subresource: 'status' },
    );
    const table = await kubectl(['get', 'pg', '-n', 'prod']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+VERSION\s+STATUS\s+AGE$/);
    expect(table.stdout).toMatch(/^orders-pg\s+17\.9\s+Ready\s+\d+s$/m);
    const y = yaml.load(
      (await kubectl(['get', 'pg', 'orders-pg', '-n', 'prod', '-o', 'yaml'])).stdout,
    ) as KubeObject;
    expect(y.kind).toBe('Postgres');
    expect((y.spec as Record<string, unknown>).allowedSchemas).toEqual({
      namespaces: { from: 'Same' },
    });
    expect(y.metadata.resourceVersion).toMatch(/^\d+$/);
    const pods = await kubectl(['get', 'pods', '-A']);
    expect(pods.code).toBe(0);
  });

  it('refuses an invalid manifest naming the fields in stderr', async () => {
    const bad =
      'apiVersion: kubedb.com/v1\nkind: Postgres\nmetadata: {name: bad-pg, namespace: prod}\nspec:\n  version: "17.9"\n  deletionPolicy: Sometimes\n  replicas: three\n';
    const r = await kubectl(['apply', '-f', '-'], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Postgres "bad-pg" is invalid');
    expect(r.stderr).toContain('spec.deletionPolicy: Unsupported value: "Sometimes"');
    expect(r.stderr).toContain(
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer',
    );
    const unknown = await kubectl(
      ['apply', '-f', '-'],
      'apiVersion: kubedb.com/v1\nkind: Postgres\nmetadata: {name: u-pg, namespace: prod}\nspec: {version: "17.9", bogus: 1}\n',
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown field "spec.bogus"');
  });

  it('patches a configmap with merge, json and strategic patches', async () => {
    expect((await kubectl(['create', 'configmap', 'c1', '--from-literal=a=1'])).code).toBe(0);
    expect(
      (await kubectl(['patch', 'cm', 'c1', '--type', 'merge', '-p', '{"data":{"b":"2"}}'])).code,
    ).toBe(0);
    expect(
      (
        await kubectl([
          'patch',
          'cm',
          'c1',
          '--type',
          'json',
          '-p',
          '[{"op":"add","path":"/data/c","value":"3"},{"op":"remove","path":"/data/a"}]',
        ])
      ).code,
    ).toBe(0);
    expect(
      (await kubectl(['patch', 'cm', 'c1', '--type', 'strategic', '-p', '{"data":{"d":"4"}}']))
        .code,
    ).toBe(0);
    const r = await kubectl(['get', 'cm', 'c1', '-o', 'jsonpath={.data}']);
    expect(JSON.parse(r.stdout)).toEqual({ b: '2', c: '3', d: '4' });
    const failedTest = await kubectl([
      'patch',
      'cm',
      'c1',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/data/b","value":"9"}]',
    ]);
    expect(failedTest.code).not.toBe(0);
  });

  it('applies server-side and reports a conflict with another manager', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa-cm}\ndata: {x: "1"}\n';
    const first = await kubectl(['apply', '--server-side', '-f', '-'], cm);
    expect(first.stdout.trim()).toBe('configmap/ssa-cm serverside-applied');
    const other = await kubectl(
      ['apply', '--server-side', '--field-manager', 'other', '-f', '-'],
      cm.replace('"1"', '"2"'),
    );
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('conflict');
    expect(other.stderr).toContain('.data.x');
    const forced = await kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager', 'other', '-f', '-'],
      cm.replace('"1"', '"2"'),
    );
    expect(forced.code).toBe(0);
    expect((await kubectl(['get', 'cm', 'ssa-cm', '-o', 'jsonpath={.data.x}'])).stdout).toBe('2');
  });

  it('deletes a namespace with its contents', async () => {
    expect((await kubectl(['create', 'namespace', 'scratch'])).code).toBe(0);
    expect((await kubectl(['create', 'configmap', 'x', '-n', 'scratch'])).code).toBe(0);
    const r = await kubectl(['delete', 'namespace', 'scratch']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('namespace "scratch" deleted');
    expect(running.server.state.get('v1', 'ConfigMap', 'scratch', 'x')).toBeUndefined();
    expect((await kubectl(['get', 'namespace', 'scratch'])).stderr).toContain('NotFound');
  });

  it('shows pod metrics with kubectl top and watches with get -w', async () => {
    running.server.state.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db-0', namespace: 'default' },
      spec: { containers: [{ name: 'db', image: 'postgres' }] },
    });
    const top = await kubectl(['top', 'pod', 'db-0']);
    expect(top.stdout).toMatch(/^db-0\s+\d+m\s+\d+Mi\s*$/m);
    const watching = kubectl(['get', 'configmaps', '-w', '--request-timeout=3s']);
    const { waitFor } = await import('./testing');
    await waitFor(() => running.server.openWatchCount() > 0, 5000, 'kubectl watching');
    running.server.state.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'watched', namespace: 'default' },
      data: { a: 'b' },
    });
    const w = await watching;
    expect(w.stdout).toMatch(/^watched\s+1\s+\d+s$/m);
  });

  it('deletes objects, waiting for finalizers to be removed', async () => {
    const del = await kubectl(['delete', 'pgops', 'orders-pg-restart', '-n', 'prod']);
    expect(del.stdout.trim()).toBe('postgresopsrequest.ops.kubedb.com "orders-pg-restart" deleted');
    const get = await kubectl(['get', 'pgops', 'orders-pg-restart', '-n', 'prod']);
    expect(get.stderr).toContain('NotFound');
    running.server.state.patch('kubedb.com/v1', 'Postgres', 'prod', 'orders-pg-copy', {
      metadata: { finalizers: ['kubedb.com'] },
    });
    const pending = kubectl(['delete', 'pg', 'orders-pg-copy', '-n', 'prod', '--timeout=20s']);
    const { waitFor } = await import('./testing');
    await waitFor(
      () =>
        running.server.state.get('kubedb.com/v1', 'Postgres', 'prod', 'orders-pg-copy')?.metadata
          .deletionTimestamp,
      10_000,
      'deletionTimestamp',
    );
    running.server.state.patch('kubedb.com/v1', 'Postgres', 'prod', 'orders-pg-copy', {
      metadata: { finalizers: null },
    });
    const r = await pending;
    expect(r.code).toBe(0);
    expect(
      running.server.state.get('kubedb.com/v1', 'Postgres', 'prod', 'orders-pg-copy'),
    ).toBeUndefined();
  });
});
