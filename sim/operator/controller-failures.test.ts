import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, writeKubeconfig } from '../../test/helpers/kubectl';
import { startSimCluster, type SimCluster } from '../index';
import { crdsDirForTests, waitFor } from './test-support';

let cluster: SimCluster;
let dir: string;
let kubeconfig: string;
const kubectl = (args: string[], input?: string) =>
  runKubectl(kubeconfig, args, input === undefined ? {} : { input });

const STORAGE = `
apiVersion: storage.kubestash.com/v1alpha1
kind: BackupStorage
metadata: { name: s3-storage, namespace: demo }
spec:
  storage:
    provider: s3
    s3: { bucket: kubestash, endpoint: https://s3.amazonaws.com, region: us-east-1, secretName: s3-secret }
  usagePolicy: { allowedNamespaces: { from: All } }
  deletionPolicy: Delete
`;

function backupConfiguration(name: string, target: string, repository: string): string {
  return `
apiVersion: core.kubestash.com/v1alpha1
kind: BackupConfiguration
metadata: { name: ${name}, namespace: demo }
spec:
${target}
  backends:
  - name: s3-backend
    storageRef: { name: s3-storage, namespace: demo }
  sessions:
  - name: frequent-backup
    scheduler:
      schedule: "* * * * *"
      jobTemplate: { backoffLimit: 1 }
    repositories:
    - name: ${repository}
      backend: s3-backend
      directory: /pg
    addon:
      name: postgres-addon
      tasks: [{ name: logical-backup }]
`;
}

const status = async (kind: string, name: string): Promise<Record<string, unknown>> => {
  const r = await kubectl(['get', kind, name, '-n', 'demo', '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { status?: Record<string, unknown> }).status ?? {};
};

beforeAll(async () => {
  cluster = await startSimCluster({ crdsDir: crdsDirForTests(), speed: 200, seed: 3 });
  dir = mkdtempSync(join(tmpdir(), 'sim-failures-'));
  kubeconfig = writeKubeconfig(cluster.url, dir);
  expect((await kubectl(['create', 'namespace', 'demo'])).code).toBe(0);
  expect((await kubectl(['apply', '-f', '-'], STORAGE)).code).toBe(0);
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('controllers survive any object the API server accepted', () => {
  it('a BackupConfiguration without spec.target is Invalid and names the field; the sim keeps serving', async () => {
    const applied = await kubectl(
      ['apply', '-f', '-'],
      backupConfiguration('no-target', '', 'no-target-repo'),
    );
    expect(applied.stderr).toBe('');
    const s = await waitFor(async () => {
      const st = await status('backupconfiguration', 'no-target');
      return st.phase === 'Invalid' ? st : undefined;
    }, 'phase Invalid');
    const conditions = s.conditions as { type: string; status: string; message: string }[];
    const validation = conditions.find((c) => c.type === 'ValidationPassed');
    expect(validation?.status).toBe('False');
    expect(validation?.message).toMatch(/spec\.target/);
    // Several cron ticks later the process still answers, and no Repository was made for it.
    await waitFor(async () => (await kubectl(['get', 'ns', 'demo'])).code === 0, 'still serving');
    const repos = await kubectl([
      'get',
      'repositories.storage.kubestash.com',
      '-n',
      'demo',
      '-o',
      'name',
    ]);
    expect(repos.code).toBe(0);
    expect(repos.stdout).not.toMatch(/no-target-repo/);
  });

  it('a reconcile that throws is written to that object only, and the others still reconcile', async () => {
    // The repository name is accepted by the BackupConfiguration schema but is no valid object name,
    // so creating the Repository throws inside the controller.
    const target = '  target: { apiGroup: kubedb.com, kind: Postgres, name: pg, namespace: demo }';
    expect(
      (await kubectl(['apply', '-f', '-'], backupConfiguration('bad-repo', target, 'Bad_Repo')))
        .code,
    ).toBe(0);
    const s = await waitFor(
      async () => {
        const st = await status('backupconfiguration', 'bad-repo');
        return st.phase === 'Invalid' ? st : undefined;
      },
      'bad-repo Invalid',
      15_000,
    );
    const failed = (s.conditions as { type: string; message: string }[]).find(
      (c) => c.type === 'ReconcileFailed',
    );
    expect(failed?.message).toMatch(/Bad_Repo/);
    // The BackupStorage (another object, another controller path) is still reconciled.
    await waitFor(
      async () => (await status('backupstorage', 's3-storage')).phase !== undefined,
      'storage status',
    );
    const other = await kubectl(
      ['apply', '-f', '-'],
      backupConfiguration('good', target, 'good-repo'),
    );
    expect(other.code).toBe(0);
    await waitFor(
      async () => (await status('backupconfiguration', 'good')).phase === 'NotReady',
      'good NotReady (target not found, no crash)',
    );
  });
});
