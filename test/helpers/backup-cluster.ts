/**
 * KubeStash objects and waits for the real-backup suite: S3 storages, a retention policy, backup
 * configurations, sessions and restores against a `dataPlane: 'real'` simulator cluster.
 */
import type { Database } from '../../engine/domain';
import { buildBackupSession } from '../../engine/kubedb/kubestash';
import type { KubeObject } from '../../sim/core/contract';
import { Restic } from '../../sim/dataplane/backup/restic';
import { credentials, databaseManifest, query } from '../../sim/dataplane/test-support';
import type { SimCluster } from '../../sim/index';
import { phaseOf, waitFor } from '../../sim/operator/test-support';

export const CORE = 'core.kubestash.com/v1alpha1';
export const STORAGE = 'storage.kubestash.com/v1alpha1';
export const DB = 'kubedb.com/v1';
export const ENC_PASSWORD = 'repo-password-of-the-backup-suite';

export const ENGINE_OF = { Postgres: 'postgres', MariaDB: 'mariadb', Redis: 'redis' } as const;
export type Kind = keyof typeof ENGINE_OF;

export function secret(ns: string, name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    stringData: data,
  };
}

export function storage(
  ns: string,
  name: string,
  endpoint: string,
  bucket: string,
  secretName: string,
): KubeObject {
  return {
    apiVersion: STORAGE,
    kind: 'BackupStorage',
    metadata: { name, namespace: ns },
    spec: {
      storage: {
        provider: 's3',
        s3: { endpoint, bucket, region: 'us-east-1', prefix: 'sim', secretName },
      },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'Delete',
    },
  };
}

export function retention(ns: string, name: string, last: number): KubeObject {
  return {
    apiVersion: STORAGE,
    kind: 'RetentionPolicy',
    metadata: { name, namespace: ns },
    spec: {
      maxRetentionPeriod: '30d',
      successfulSnapshots: { last },
      failedSnapshots: { last: 5 },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
    },
  };
}

export function backupConfiguration(
  ns: string,
  name: string,
  kind: Kind,
  db: string,
  storageName: string,
  repo: string,
  policy = 'keep-2',
): KubeObject {
  return {
    apiVersion: CORE,
    kind: 'BackupConfiguration',
    metadata: { name, namespace: ns },
    spec: {
      target: { apiGroup: 'kubedb.com', kind, name: db, namespace: ns },
      backends: [
        {
          name: 's3',
          storageRef: { name: storageName, namespace: ns },
          retentionPolicy: { name: policy, namespace: ns },
        },
      ],
      sessions: [
        {
          name: 'full',
          sessionHistoryLimit: 20,
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: { backoffLimit: 1 } },
          repositories: [
            {
              name: repo,
              backend: 's3',
              directory: `/${repo}`,
              encryptionSecret: { name: 'restic-enc', namespace: ns },
            },
          ],
          addon: { name: `${kind.toLowerCase()}-addon`, tasks: [{ name: 'logical-backup' }] },
        },
      ],
    },
  };
}

const FINAL = ['Succeeded', 'Failed', 'Skipped'];

/** The newest BackupSession of a configuration, once it is finished. */
export async function finishedSession(
  cluster: SimCluster,
  ns: string,
  bc: string,
  after = 0,
  ms = 240_000,
): Promise<KubeObject> {
  return waitFor(
    () =>
      cluster.state
        .list(CORE, 'BackupSession', { namespace: ns })
        .filter((s) => s.spec && (s.spec as Record<string, { name?: string }>).invoker?.name === bc)
        .filter((s) => Date.parse(s.metadata.creationTimestamp ?? '') >= after - 1000)
        .find((s) => FINAL.includes(phaseOf(s) ?? '')),
    `a finished BackupSession of ${bc}`,
    ms,
    100,
  );
}

let counter = 0;
/** Creates a BackupSession ("backup now") and waits for it to finish. */
export async function backupNow(cluster: SimCluster, ns: string, bc: string): Promise<KubeObject> {
  const name = `${bc}-full-now-${++counter}`;
  cluster.state.create({
    apiVersion: CORE,
    kind: 'BackupSession',
    metadata: { name, namespace: ns },
    spec: {
      invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: bc },
      session: 'full',
    },
  });
  return waitFor(
    () => {
      const s = cluster.state.get(CORE, 'BackupSession', ns, name);
      return s && FINAL.includes(phaseOf(s) ?? '') ? s : undefined;
    },
    `BackupSession ${name} finished`,
    240_000,
    100,
  );
}

/** Creates a RestoreSession of the repository's latest snapshot into `db` and waits for it. */
export async function restoreLatest(
  cluster: SimCluster,
  ns: string,
  kind: Kind,
  db: string,
  repo: string,
): Promise<KubeObject> {
  const name = `restore-${db}-${++counter}`;
  cluster.state.create({
    apiVersion: CORE,
    kind: 'RestoreSession',
    metadata: { name, namespace: ns },
    spec: {
      target: { apiGroup: 'kubedb.com', kind, name: db, namespace: ns },
      dataSource: {
        repository: repo,
        snapshot: 'latest',
        encryptionSecret: { name: 'restic-enc', namespace: ns },
      },
      addon: { name: `${kind.toLowerCase()}-addon`, tasks: [{ name: 'logical-backup-restore' }] },
    },
  });
  return waitFor(
    () => {
      const s = cluster.state.get(CORE, 'RestoreSession', ns, name);
      return s && ['Succeeded', 'Failed'].includes(phaseOf(s) ?? '') ? s : undefined;
    },
    `RestoreSession ${name} finished`,
    240_000,
    100,
  );
}

export function createDatabase(
  cluster: SimCluster,
  ns: string,
  kind: Kind,
  name: string,
  waitForRestore = false,
): void {
  const manifest = databaseManifest(kind, ns, name);
  if (waitForRestore)
    (manifest.spec as Record<string, unknown>).init = { waitForInitialRestore: true };
  cluster.state.create(manifest);
}

export async function readyDatabase(
  cluster: SimCluster,
  ns: string,
  kind: Kind,
  name: string,
): Promise<void> {
  await waitFor(
    () => phaseOf(cluster.state.get(DB, kind, ns, name)) === 'Ready',
    `${kind} ${name} Ready`,
    90_000,
    100,
  );
}

/** Runs a statement with the database's own credentials (from its auth secret). */
export async function sql(
  cluster: SimCluster,
  ns: string,
  kind: Kind,
  name: string,
  statement: string,
): Promise<string> {
  const address = await waitFor(
    () =>
      cluster.state.get('v1', 'Pod', ns, `${name}-0`)?.metadata.annotations?.[
        'sim.kubedb.dev/direct-address'
      ],
    `pod ${name}-0 address`,
    30_000,
    50,
  );
  return query(ENGINE_OF[kind], address, credentials(cluster.state, ns, name), statement);
}

/** A restic handle on one repository of the suite's storage, to look into S3 directly. */
export function resticOf(
  endpoint: string,
  keys: { accessKeyId: string; secretAccessKey: string },
  bucket: string,
  repo: string,
): Restic {
  return new Restic(
    { repository: `s3:${endpoint}/${bucket}/sim/${repo}`, ...keys, password: ENC_PASSWORD },
    { timeoutMs: 120_000 },
  );
}

/**
 * "Backup now" with the engine's own BackupSession builder, as the product names it: waits until no
 * session runs (KubeStash skips one that starts while another runs), takes the first free name
 * (the scheduler's sessions share the `<bc>-<session>-<unix>` names, any second on the simulator's
 * fast cron clock), and answers the snapshot of that session.
 */
export async function backupThroughBuilders(
  cluster: SimCluster,
  database: Database,
): Promise<string> {
  const busy = () =>
    cluster.state
      .list(CORE, 'BackupSession', { namespace: database.namespace })
      .filter((s) => !FINAL.includes(phaseOf(s) ?? ''));
  await waitFor(() => busy().length === 0, 'no BackupSession running', 120_000);
  const after = Date.now();
  let name = '';
  for (let i = 0; !name; i++) {
    const session = buildBackupSession(database, {
      operationId: `backup-${after}`,
      unixSeconds: after / 1000 + i,
    }) as KubeObject;
    try {
      cluster.state.create(session);
      name = session.metadata.name!;
    } catch (error) {
      if (!/already exists/.test(String(error)) || i >= 20) throw error;
    }
  }
  type SessionStatus = { phase?: string; snapshots?: { name: string }[] };
  const sessions = () =>
    cluster.state.list(CORE, 'BackupSession', { namespace: database.namespace });
  const said = () =>
    JSON.stringify(sessions().map((s) => ({ name: s.metadata.name, status: s.status })));
  const live = await waitFor(
    () => {
      const session = cluster.state.get(CORE, 'BackupSession', database.namespace, name);
      if (!session) throw new Error(`${name} is gone`);
      return FINAL.includes(phaseOf(session) ?? '') ? session : undefined;
    },
    `BackupSession ${name} of ${database.name} to finish`,
    120_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; sessions: ${said()}`);
  });
  const done = live.status as SessionStatus;
  if (done.phase !== 'Succeeded' || !done.snapshots?.[0]?.name)
    throw new Error(`BackupSession ${name} ended ${done.phase}; sessions: ${said()}`);
  return done.snapshots[0].name;
}
