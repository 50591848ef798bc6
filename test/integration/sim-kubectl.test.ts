/**
 * The real kubectl against a simulated cluster and the sim CLI: apply a REFERENCE manifest, wait
 * for Ready, watch the phase change, delete; and a two-cluster CLI run with one kubeconfig.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { crdsDirForTests, waitFor } from '../../sim/operator/test-support';
import { runKubectl, writeKubeconfig } from '../helpers/kubectl';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** REFERENCE section 11.1, the Postgres example. */
const ORDERS_PG = `apiVersion: kubedb.com/v1
kind: Postgres
metadata: {name: orders-pg, namespace: prod}
spec:
  version: "17.9"
  replicas: 3
  standbyMode: Hot
  streamingMode: Asynchronous
  storageType: Durable
  storage:
    storageClassName: standard
    accessModes: ["ReadWriteOnce"]
    resources: {requests: {storage: 10Gi}}
  podTemplate:
    spec:
      containers:
        - name: postgres
          resources:
            requests: {cpu: 500m, memory: 1Gi}
            limits: {memory: 1Gi}
  monitor:
    agent: prometheus.io/operator
    prometheus:
      exporter: {port: 56790}
      serviceMonitor: {labels: {release: prometheus}, interval: 30s}
  deletionPolicy: Delete
`;

/** A long-running process whose output is collected, killed by the test. */
function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const child = spawn(command, args, { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, output: () => out };
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('kubectl against the simulated cluster', () => {
  let cluster: SimCluster;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    cluster = await startSimCluster({ name: 'sim-kubectl', speed: 20, crdsDir: crdsDirForTests() });
    dir = mkdtempSync(join(tmpdir(), 'sim-kubectl-'));
    kubeconfig = writeKubeconfig(cluster.url, dir);
  });

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies a Postgres manifest, watches its phase change, waits for Ready and deletes it', async () => {
    expect((await runKubectl(kubeconfig, ['create', 'namespace', 'prod'])).code).toBe(0);
    const watch = startProcess(
      'kubectl',
      [
        `--kubeconfig=${kubeconfig}`,
        `--cache-dir=${join(dir, 'cache')}`,
        'get',
        'postgres',
        '-n',
        'prod',
        '-w',
        '-v=6',
      ],
      { ...process.env, HOME: dir },
    );
    // kubectl lists, then watches from that list's resourceVersion; -v=6 logs the watch request, so
    // once it shows, nothing created afterwards can be missed.
    await waitFor(() => watch.output().includes('watch=true'), 'kubectl get -w watching', 15_000);
    const manifest = join(dir, 'orders-pg.yaml');
    writeFileSync(manifest, ORDERS_PG);
    const apply = await runKubectl(kubeconfig, ['apply', '-f', manifest]);
    expect(apply.stderr).toBe('');
    expect(apply.stdout).toContain('postgres.kubedb.com/orders-pg created');
    const wait = await runKubectl(kubeconfig, [
      'wait',
      '--for=jsonpath={.status.phase}=Ready',
      'postgres/orders-pg',
      '-n',
      'prod',
      '--timeout=30s',
    ]);
    expect(wait.code, wait.stderr).toBe(0);
    await waitFor(
      () => /orders-pg\s+17\.9\s+Ready/.test(watch.output()),
      'the watch prints Ready',
      10_000,
    );
    watch.child.kill('SIGTERM');
    await exited(watch.child);
    expect(watch.output()).toMatch(/orders-pg\s+17\.9\s+Provisioning/);
    expect(watch.output().indexOf('Provisioning')).toBeLessThan(watch.output().indexOf('Ready'));

    const pods = await runKubectl(kubeconfig, [
      'get',
      'pods',
      '-n',
      'prod',
      '-l',
      'app.kubernetes.io/instance=orders-pg',
      '-o',
      'name',
    ]);
    expect(pods.stdout.trim().split('\n').sort()).toEqual([
      'pod/orders-pg-0',
      'pod/orders-pg-1',
      'pod/orders-pg-2',
    ]);
    const services = await runKubectl(kubeconfig, ['get', 'svc', '-n', 'prod', '-o', 'name']);
    expect(services.stdout).toContain('service/orders-pg-stats');

    const del = await runKubectl(kubeconfig, [
      'delete',
      'postgres',
      'orders-pg',
      '-n',
      'prod',
      '--timeout=30s',
    ]);
    expect(del.code, del.stderr).toBe(0);
    const gone = await runKubectl(kubeconfig, ['get', 'postgres', 'orders-pg', '-n', 'prod']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NotFound');
  });
});

describe('sim CLI', () => {
  it('starts two clusters and writes one kubeconfig that kubectl uses for both contexts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const out = join(dir, 'kubeconfig');
    const cli = startProcess(process.execPath, [
      '--import',
      'tsx',
      'sim/cli.ts',
      '--clusters',
      '2',
      '--port',
      '0',
      '--crds',
      crdsDirForTests(),
      '--kubeconfig-out',
      out,
      '--speed',
      '100',
      '--databases',
      '2',
      '--seed',
      '5',
    ]);
    try {
      await waitFor(() => cli.output().includes('sim kubeconfig:'), 'CLI ready', 30_000, 50);
      const ready = cli
        .output()
        .split('\n')
        .filter((l) => l.startsWith('sim ready: '));
      expect(ready).toHaveLength(2);
      expect(ready[0]).toMatch(/^sim ready: sim-1 http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready[1]).toMatch(/^sim ready: sim-2 http:\/\/127\.0\.0\.1:\d+$/);
      expect(readFileSync(out, 'utf8')).toContain('current-context: sim-1');
      for (const context of ['sim-1', 'sim-2']) {
        const result = await waitFor(
          async () => {
            const r = await runKubectl(out, [
              '--context',
              context,
              'get',
              'postgres',
              '-n',
              'demo',
              '-o',
              'jsonpath={.items[*].status.phase}',
            ]);
            return r.code === 0 && r.stdout.includes('Ready') ? r : undefined;
          },
          `sample database Ready on ${context}`,
          20_000,
          100,
        );
        expect(result.stdout).toBe('Ready');
      }
      const current = await runKubectl(out, ['config', 'current-context']);
      expect(current.stdout.trim()).toBe('sim-1');
    } finally {
      cli.child.kill('SIGTERM');
      const code = await exited(cli.child);
      rmSync(dir, { recursive: true, force: true });
      expect(code).toBe(0);
    }
    expect(cli.output()).toContain('sim stopping (SIGTERM)');
  });
});
