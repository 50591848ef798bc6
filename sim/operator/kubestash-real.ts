/**
 * The real side of the simulated KubeStash operator: for a database that runs a real process (the
 * DataPlane has an instance of it) a backup dumps it into a restic repository in the
 * BackupStorage's S3 bucket and prefix, retention forgets restic snapshots, and a restore streams a
 * snapshot back. Credentials come from the storage's Secret and the Repository's encryption
 * secret; none of them ever reaches a status, an event or a log.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import type { DataPlane, InstanceInfo } from '../core/data-plane';
import { Restic, ResticError } from '../dataplane/backup/restic';
import type { RedisRestart } from '../dataplane/backup/engines';
import { backupInstance, restoreInstance, type InstanceBackup } from '../dataplane/backup/run';
import { STORAGE_API, ref } from './kubestash-common';
import { retentionPolicyOf, snapshotsOf } from './kubestash-repository';
import { asRecord, getPath, text, unb64 } from './util';

/** Marks a Snapshot of a simulated database: it has phases but holds no data. */
export const SIMULATED_ANNOTATION = 'sim.kubedb.dev/simulated-backup';
export const SIMULATED_CONDITION = {
  type: 'SimulatedBackup',
  status: 'True',
  reason: 'SimulatedDatabase',
  message: 'simulated: no data (the database has no real process; nothing was dumped)',
};

/** A problem with the objects of a real backup (a missing secret, key, field): names the field. */
export class BackupConfigError extends ResticError {
  constructor(message: string) {
    super('InvalidConfiguration', message);
    this.name = 'BackupConfigError';
  }
}

export interface RealBackupOptions {
  dataPlane: DataPlane;
  /** Bound of each restic/dump child (default 10 min). */
  timeoutMs?: number;
  /** Connection-error retries restic may log before the storage is declared unreachable. */
  maxRetries?: number;
}

export function secretValue(secret: KubeObject | undefined, key: string): string | undefined {
  const data = asRecord((secret as Record<string, unknown> | undefined)?.data);
  const raw = data[key];
  if (typeof raw === 'string') return unb64(raw);
  const plain = asRecord((secret as Record<string, unknown> | undefined)?.stringData)[key];
  return typeof plain === 'string' ? plain : undefined;
}

function joinPath(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p.length > 0)
    .join('/');
}

/** The S3 location and credentials of a Repository, as restic wants them. */
export function resticForRepository(
  state: ClusterState,
  namespace: string,
  repositoryName: string,
  options: RealBackupOptions,
  encryptionOverride?: unknown,
): Restic {
  const repo = state.get(STORAGE_API, 'Repository', namespace, repositoryName);
  if (!repo) throw new BackupConfigError(`Repository ${namespace}/${repositoryName} not found`);
  const storageRef = ref(getPath(repo, ['spec', 'storageRef']));
  const storage = state.get(
    STORAGE_API,
    'BackupStorage',
    storageRef.namespace ?? namespace,
    storageRef.name,
  );
  if (!storage)
    throw new BackupConfigError(
      `spec.storageRef: BackupStorage ${storageRef.namespace ?? namespace}/${storageRef.name} not found`,
    );
  const where = `BackupStorage ${storage.metadata.namespace}/${storage.metadata.name}`;
  if (getPath(storage, ['spec', 'storage', 'provider']) !== 's3')
    throw new BackupConfigError(
      `${where}: spec.storage.provider must be s3 for a real backup in the simulator`,
    );
  const s3 = asRecord(getPath(storage, ['spec', 'storage', 's3']));
  const endpoint = text(s3.endpoint).replace(/\/+$/, '');
  const bucket = text(s3.bucket);
  if (!endpoint) throw new BackupConfigError(`${where}: spec.storage.s3.endpoint is required`);
  if (!bucket) throw new BackupConfigError(`${where}: spec.storage.s3.bucket is required`);
  const url = /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
  const secretName = text(s3.secretName);
  const secret = secretName
    ? state.get('v1', 'Secret', storage.metadata.namespace, secretName)
    : undefined;
  if (!secret)
    throw new BackupConfigError(
      `${where}: spec.storage.s3.secretName: Secret "${secretName}" not found`,
    );
  const accessKeyId = secretValue(secret, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = secretValue(secret, 'AWS_SECRET_ACCESS_KEY');
  if (!accessKeyId || !secretAccessKey)
    throw new BackupConfigError(
      `Secret ${storage.metadata.namespace}/${secretName}: keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required`,
    );
  const encRef = ref(encryptionOverride ?? getPath(repo, ['spec', 'encryptionSecret']));
  if (!encRef.name)
    throw new BackupConfigError(
      `Repository ${namespace}/${repositoryName}: spec.encryptionSecret is required for a real backup`,
    );
  const encSecret = state.get('v1', 'Secret', encRef.namespace ?? namespace, encRef.name);
  const password = secretValue(encSecret, 'RESTIC_PASSWORD');
  if (!password)
    throw new BackupConfigError(
      `encryptionSecret ${encRef.namespace ?? namespace}/${encRef.name}: key RESTIC_PASSWORD is required`,
    );
  const path = joinPath(bucket, text(s3.prefix), text(getPath(repo, ['spec', 'path'])));
  return new Restic(
    { repository: `s3:${url}/${path}`, accessKeyId, secretAccessKey, password },
    {
      host: `${namespace}-${repositoryName}`,
      ...(typeof s3.region === 'string' && s3.region ? { region: s3.region } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    },
  );
}

/** The real instance of a database object (in any state), when it has one. */
export function realInstance(
  dataPlane: DataPlane | undefined,
  db: KubeObject | undefined,
): InstanceInfo | undefined {
  if (!dataPlane || !db) return undefined;
  const info = dataPlane.instanceOfDatabase(
    db.metadata.namespace ?? '',
    db.kind,
    db.metadata.name ?? '',
  );
  return info;
}

/** Dumps the instance into the repository: stale locks removed, repository created if needed. */
export async function realBackup(
  restic: Restic,
  instance: InstanceInfo,
  tags: string[],
  options: RealBackupOptions,
  signal?: AbortSignal,
): Promise<InstanceBackup> {
  await restic.ensure(signal);
  await restic.unlock(signal);
  return backupInstance(instance, restic, tags, {
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    ...(signal ? { signal } : {}),
  });
}

/** Retention in restic: `forget --keep-* --prune`; returns the ids that remain. */
export async function realRetention(
  restic: Restic,
  policy: KubeObject | undefined,
  signal?: AbortSignal,
): Promise<Set<string>> {
  const keep = asRecord(getPath(policy, ['spec', 'successfulSnapshots']));
  const pick = (key: string): number | undefined =>
    typeof keep[key] === 'number' ? keep[key] : undefined;
  const wanted = {
    last: pick('last'),
    hourly: pick('hourly'),
    daily: pick('daily'),
    weekly: pick('weekly'),
    monthly: pick('monthly'),
    yearly: pick('yearly'),
  };
  if (policy && Object.values(wanted).some((v) => v !== undefined)) {
    await restic.unlock(signal);
    await restic.forgetKeep(wanted, signal);
  }
  return new Set((await restic.snapshots([], signal)).map((s) => s.id));
}

/** Retention in restic first; then Snapshot objects whose restic snapshot is gone go too. */
export async function pruneRealSnapshots(
  state: ClusterState,
  real: RealBackupOptions | undefined,
  run: {
    bc: KubeObject;
    session: Record<string, unknown>;
    namespace: string;
    repositories: string[];
  },
  signal: AbortSignal,
  report: (error: unknown) => void,
): Promise<void> {
  if (!real) return;
  const { bc, session, namespace } = run;
  for (const repoName of run.repositories) {
    const policy = retentionPolicyOf(state, bc, session, namespace, repoName);
    if (!policy) continue;
    try {
      const restic = resticForRepository(state, namespace, repoName, real);
      const remaining = await realRetention(restic, policy, signal);
      for (const snap of snapshotsOf(state, namespace, repoName)) {
        if (!isRealSnapshot(snap) || getPath(snap, ['status', 'phase']) !== 'Succeeded') continue;
        if (!remaining.has(text(getPath(snap, ['spec', 'snapshotID']))))
          state.delete(STORAGE_API, 'Snapshot', namespace, snap.metadata.name ?? '', {
            skipAdmission: true,
          });
      }
    } catch (error) {
      report(error);
    }
  }
}

/** Restores a real Snapshot object's restic snapshot into the instance of `db`. */
export async function realRestore(
  state: ClusterState,
  options: RealBackupOptions,
  db: KubeObject,
  instance: InstanceInfo,
  snapshot: KubeObject,
  encryptionOverride: unknown,
  signal?: AbortSignal,
): Promise<{ bytes: number }> {
  const restic = resticForRepository(
    state,
    snapshot.metadata.namespace ?? '',
    text(getPath(snapshot, ['spec', 'repository'])),
    options,
    encryptionOverride,
  );
  const id = text(getPath(snapshot, ['spec', 'snapshotID']));
  await restic.unlock(signal);
  const dataPlane = options.dataPlane;
  const result = await restoreInstance(instance, restic, id, {
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    ...(signal ? { signal } : {}),
    restart: redisRestart(dataPlane, db, instance, signal),
  });
  return { bytes: result.bytes };
}

/**
 * How a Redis restore restarts the process: where the data plane can crash a pod (it restarts it
 * like a container) the files are swapped under the running server, which is then killed and
 * comes back on them; otherwise it is stopped and ensured again.
 */
function redisRestart(
  dataPlane: DataPlane,
  db: KubeObject,
  instance: InstanceInfo,
  signal?: AbortSignal,
): RedisRestart {
  const { namespace, pod } = instance;
  if (dataPlane.crash) {
    const crash = dataPlane.crash.bind(dataPlane);
    return {
      stop: () => Promise.resolve(),
      start: async () => {
        const before = dataPlane.instance(namespace, pod)?.pid;
        crash(namespace, pod);
        const deadline = Date.now() + 60_000;
        for (;;) {
          const now = dataPlane.instance(namespace, pod);
          if (now?.state === 'running' && now.pid !== before) return now;
          if (signal?.aborted) throw new Error('restore aborted');
          if (Date.now() > deadline)
            throw new Error(
              `Redis ${namespace}/${pod} did not come back within 60 s after the restore (${now?.state ?? 'gone'}${now?.message ? `: ${now.message}` : ''})`,
            );
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
    };
  }
  return {
    stop: () => dataPlane.stop(namespace, pod),
    start: () =>
      dataPlane.ensure({
        namespace,
        kind: instance.kind,
        database: instance.database,
        pod,
        engine: instance.engine,
        version: text(getPath(db, ['spec', 'version'])),
        user: instance.user,
        password: instance.password,
      }),
  };
}

/** Whether a Snapshot object stands for real data in restic. */
export function isRealSnapshot(snapshot: KubeObject | undefined): boolean {
  return !!snapshot && snapshot.metadata.annotations?.[SIMULATED_ANNOTATION] !== 'true';
}
