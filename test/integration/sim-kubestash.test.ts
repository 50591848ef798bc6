/**
 * Simulated KubeStash: storage and configuration become Ready, scheduled BackupSessions produce
 * Snapshots (retention applied), and RestoreSessions restore into a database.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../sim/core/contract';
import { startSimCluster, type SimCluster } from '../../sim/index';
import { crdsDirForTests, phaseOf, recordPhases, waitFor } from '../../sim/operator/test-support';

const NS = 'backup';
const storage = {
  storageClassName: 'standard',
  accessModes: ['ReadWriteOnce'],
  resources: { requests: { storage: '1Gi' } },
};

let cluster: SimCluster;
let custom: CustomObjectsApi;

const create = (group: string, plural: string, body: Record<string, unknown>) =>
  custom.createNamespacedCustomObject({
    group,
    version: (body.apiVersion as string).split('/')[1] as string,
    namespace: NS,
    plural,
    body,
  });
const get = (apiVersion: string, kind: string, name: string) =>
  cluster.state.get(apiVersion, kind, NS, name);

beforeAll(async () => {
  cluster = await startSimCluster({
    name: 'sim-stash',
    speed: 200,
    seed: 3,
    crdsDir: crdsDirForTests(),
  });
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  custom = kc.makeApiClient(CustomObjectsApi);
  cluster.state.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  cluster.state.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's3-creds', namespace: NS },
    stringData: { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' },
  });
  cluster.state.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'restic-enc', namespace: NS },
    stringData: { RESTIC_PASSWORD: 'p' },
  });
  await create('kubedb.com', 'postgreses', {
    apiVersion: 'kubedb.com/v1',
    kind: 'Postgres',
    metadata: { name: 'orders-pg' },
    spec: { version: '16.4', replicas: 1, storage, deletionPolicy: 'WipeOut' },
  });
  await waitFor(
    () => phaseOf(get('kubedb.com/v1', 'Postgres', 'orders-pg')) === 'Ready',
    'source database Ready',
  );
});

afterAll(async () => {
  await cluster?.stop();
});

describe('KubeStash backup and restore', () => {
  it('runs scheduled BackupSessions that leave Snapshots and apply the retention policy', async () => {
    await create('storage.kubestash.com', 'backupstorages', {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'BackupStorage',
      metadata: { name: 's3-store' },
      spec: {
        storage: {
          provider: 's3',
          s3: {
            endpoint: 'https://s3.example.com',
            bucket: 'b',
            region: 'eu-central-1',
            prefix: 'kubedb',
            secretName: 's3-creds',
          },
        },
        usagePolicy: { allowedNamespaces: { from: 'Same' } },
        deletionPolicy: 'Delete',
      },
    });
    await create('storage.kubestash.com', 'retentionpolicies', {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'RetentionPolicy',
      metadata: { name: 'keep-2' },
      spec: {
        maxRetentionPeriod: '14d',
        successfulSnapshots: { last: 2 },
        failedSnapshots: { last: 1 },
        usagePolicy: { allowedNamespaces: { from: 'Same' } },
      },
    });
    await waitFor(
      () => phaseOf(get('storage.kubestash.com/v1alpha1', 'BackupStorage', 's3-store')) === 'Ready',
      'BackupStorage Ready',
    );
    const sessionPhases = new Map<string, string[]>();
    const stop = cluster.state.subscribe(({ object }) => {
      if (object.kind !== 'BackupSession') return;
      const phase = phaseOf(object);
      const list = sessionPhases.get(object.metadata.name ?? '') ?? [];
      if (phase && list[list.length - 1] !== phase) list.push(phase);
      sessionPhases.set(object.metadata.name ?? '', list);
    });
    await create('core.kubestash.com', 'backupconfigurations', {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'BackupConfiguration',
      metadata: { name: 'orders-pg-backup' },
      spec: {
        target: { apiGroup: 'kubedb.com', kind: 'Postgres', name: 'orders-pg', namespace: NS },
        backends: [
          {
            name: 's3',
            storageRef: { name: 's3-store', namespace: NS },
            retentionPolicy: { name: 'keep-2', namespace: NS },
          },
        ],
        sessions: [
          {
            name: 'frequent',
            scheduler: { schedule: '* * * * *', jobTemplate: { backoffLimit: 1 } },
            repositories: [
              {
                name: 'orders-pg-repo',
                backend: 's3',
                directory: '/orders-pg',
                encryptionSecret: { name: 'restic-enc', namespace: NS },
              },
            ],
            addon: { name: 'postgres-addon', tasks: [{ name: 'logical-backup' }] },
          },
        ],
      },
    });
    await waitFor(
      () =>
        phaseOf(get('core.kubestash.com/v1alpha1', 'BackupConfiguration', 'orders-pg-backup')) ===
        'Ready',
      'BackupConfiguration Ready',
    );
    await waitFor(
      () => [...sessionPhases.values()].filter((p) => p[p.length - 1] === 'Succeeded').length >= 4,
      'four sessions Succeeded',
      15_000,
    );
    stop();
    for (const [name, phases] of sessionPhases) {
      expect(name).toMatch(/^orders-pg-backup-frequent-\d+$/);
      if (phases[phases.length - 1] === 'Succeeded')
        expect(phases).toEqual(['Pending', 'Running', 'Succeeded']);
    }
    const repo = await waitFor(() => {
      const r = get('storage.kubestash.com/v1alpha1', 'Repository', 'orders-pg-repo');
      return (r?.status as { snapshotCount?: number } | undefined)?.snapshotCount === 2
        ? r
        : undefined;
    }, 'retention keeps two snapshots');
    expect((repo.status as { lastBackupTime?: string }).lastBackupTime).toBeDefined();
    const snapshots = cluster.state.list('storage.kubestash.com/v1alpha1', 'Snapshot', {
      namespace: NS,
      labels: { 'kubestash.com/repo-name': 'orders-pg-repo' },
    });
    const done = snapshots.filter((s) => phaseOf(s) === 'Succeeded');
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const s of done) {
      expect(s.metadata.name).toMatch(/^orders-pg-repo-orders-pg-backup-frequent-\d+$/);
      expect((s.status as { size: string }).size).toMatch(/^[0-9.]+ (KiB|MiB|GiB)$/);
      expect(s.metadata.annotations?.['kubedb.com/db-version']).toBe('16.4');
      // A simulated database's snapshot holds no data, and says so.
      expect(s.metadata.annotations?.['sim.kubedb.dev/simulated-backup']).toBe('true');
      const conditions = (s.status as { conditions?: Record<string, unknown>[] }).conditions ?? [];
      expect(conditions.find((c) => c.type === 'SimulatedBackup')).toMatchObject({
        status: 'True',
        reason: 'SimulatedDatabase',
        message: expect.stringMatching(/^simulated: no data/),
      });
    }
    const succeeded = cluster.state
      .list('core.kubestash.com/v1alpha1', 'BackupSession', { namespace: NS })
      .find((b) => phaseOf(b) === 'Succeeded');
    expect(
      (succeeded?.status as { retentionPolicy: { phase: string }[] }).retentionPolicy[0]?.phase,
    ).toBe('Applied');
  });

  it('prunes the oldest finished session by creation, not by the name the cron clock gave it', async () => {
    const CORE = 'core.kubestash.com/v1alpha1';
    const bc = get(CORE, 'BackupConfiguration', 'orders-pg-backup') as KubeObject;
    const spec = bc.spec as { sessions: { scheduler: { schedule: string } }[] };
    spec.sessions[0]!.scheduler.schedule = '0 3 1 1 *'; // the cron stops firing for the test
    cluster.state.update(bc);
    const sessions = () => cluster.state.list(CORE, 'BackupSession', { namespace: NS });
    const finished = (o: KubeObject) =>
      ['Succeeded', 'Failed', 'Skipped'].includes(phaseOf(o) ?? '');
    await waitFor(() => sessions().every(finished), 'the scheduled sessions to finish');
    // An on-demand session named by the wall clock, which lags the simulator's fast cron clock:
    // its name sorts before every scheduled one although it is the newest.
    await create('core.kubestash.com', 'backupsessions', {
      apiVersion: CORE,
      kind: 'BackupSession',
      metadata: { name: 'orders-pg-backup-frequent-1' },
      spec: {
        invoker: {
          apiGroup: 'core.kubestash.com',
          kind: 'BackupConfiguration',
          name: 'orders-pg-backup',
        },
        session: 'frequent',
      },
    });
    const mine = await waitFor(() => {
      const o = get(CORE, 'BackupSession', 'orders-pg-backup-frequent-1');
      if (!o) throw new Error('the newest session was pruned');
      return finished(o) ? o : undefined;
    }, 'the on-demand session to finish');
    expect(phaseOf(mine)).toBe('Succeeded');
    expect(sessions().map((o) => o.metadata.name)).toEqual(['orders-pg-backup-frequent-1']);
  });

  it('restores into a database that waits for its initial restore', async () => {
    await waitFor(
      () =>
        cluster.state
          .list('storage.kubestash.com/v1alpha1', 'Snapshot', { namespace: NS })
          .some((s) => phaseOf(s) === 'Succeeded'),
      'a snapshot exists',
    );
    const recorder = recordPhases(cluster.state, 'Postgres', NS, 'orders-pg-copy');
    await create('kubedb.com', 'postgreses', {
      apiVersion: 'kubedb.com/v1',
      kind: 'Postgres',
      metadata: { name: 'orders-pg-copy' },
      spec: {
        version: '16.4',
        replicas: 1,
        init: { waitForInitialRestore: true },
        storage,
        deletionPolicy: 'WipeOut',
      },
    });
    const copy = () => get('kubedb.com/v1', 'Postgres', 'orders-pg-copy') as KubeObject;
    await waitFor(
      () => JSON.stringify(copy()?.status ?? {}).includes('AcceptingConnection'),
      'pods of the copy up',
    );
    expect(phaseOf(copy())).toBe('Provisioning');
    await create('core.kubestash.com', 'restoresessions', {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'RestoreSession',
      metadata: { name: 'orders-pg-restore' },
      spec: {
        target: { apiGroup: 'kubedb.com', kind: 'Postgres', name: 'orders-pg-copy', namespace: NS },
        dataSource: {
          repository: 'orders-pg-repo',
          snapshot: 'latest',
          encryptionSecret: { name: 'restic-enc', namespace: NS },
        },
        addon: { name: 'postgres-addon', tasks: [{ name: 'logical-backup-restore' }] },
      },
    });
    await waitFor(
      () =>
        phaseOf(get('core.kubestash.com/v1alpha1', 'RestoreSession', 'orders-pg-restore')) ===
        'Succeeded',
      'RestoreSession Succeeded',
    );
    await waitFor(() => phaseOf(copy()) === 'Ready', 'copy Ready');
    recorder.stop();
    // DataRestored lands before Provisioned, so the phase derivation passes Provisioning once more.
    expect(recorder.phases.slice(0, 2)).toEqual(['Provisioning', 'DataRestoring']);
    expect(recorder.phases[recorder.phases.length - 1]).toBe('Ready');
    expect(recorder.phases).not.toContain('NotReady');
    expect((copy().spec as { init: { initialized: boolean } }).init.initialized).toBe(true);
  });

  it('fails a restore without a snapshot and leaves the database NotReady', async () => {
    await create('core.kubestash.com', 'restoresessions', {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'RestoreSession',
      metadata: { name: 'bad-restore' },
      spec: {
        target: { apiGroup: 'kubedb.com', kind: 'Postgres', name: 'orders-pg', namespace: NS },
        dataSource: { repository: 'no-such-repo', snapshot: 'latest' },
        addon: { name: 'postgres-addon', tasks: [{ name: 'logical-backup-restore' }] },
      },
    });
    await waitFor(
      () =>
        phaseOf(get('core.kubestash.com/v1alpha1', 'RestoreSession', 'bad-restore')) === 'Failed',
      'RestoreSession Failed',
    );
    expect(phaseOf(get('kubedb.com/v1', 'Postgres', 'orders-pg'))).toBe('NotReady');
  });
});
