/**
 * The backup-failure suite's engine: the daemon as a child process (so a test can SIGKILL it),
 * driven over real HTTP with the bootstrap admin's token, and a restic handle on the repository a
 * database's backups land in (read from the objects the engine applied on the cluster).
 */
import { spawnSync } from 'node:child_process';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { backupNames } from '../../engine/kubedb/kubestash';
import type { KubeObject } from '../../sim/core/contract';
import { Restic } from '../../sim/dataplane/backup/restic';
import type { SimCluster } from '../../sim/index';
import { startEngineProcess, type EngineProcess } from './engine-process';
import { s3Client, s3ForTests } from './s3';

export const ADMIN_PASSWORD = 'backup-failures-admin-password';

export interface Answer<T> {
  status: number;
  body: T;
  text: string;
}

/** One daemon and a signed-in admin; every answer's text is kept for the secret checks. */
export interface DaemonApi {
  process: EngineProcess;
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<Answer<T>>;
}

/** Starts the daemon on `dataDir` and signs in as the bootstrap admin. */
export async function startDaemon(dataDir: string, seen: string[]): Promise<DaemonApi> {
  const daemon = await startEngineProcess({
    dataDir,
    timeoutMs: 60_000,
    env: {
      DBAAS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // A job whose daemon was killed is delivered again once its lease runs out.
      DBAAS_QUEUE_LEASE_MS: '2000',
      DBAAS_RATE_LIMIT_READS_PER_MINUTE: '1000',
      DBAAS_RATE_LIMIT_WRITES_PER_MINUTE: '600',
    },
  });
  let token = '';
  const call = async <T>(method: string, path: string, body?: unknown): Promise<Answer<T>> => {
    const response = await fetch(`${daemon.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    seen.push(text);
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, text };
  };
  const login = await call<{ accessToken: string }>('POST', '/api/v1/auth/login', {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  if (login.status !== 200) throw new Error(`login failed with ${login.status}: ${login.text}`);
  token = login.body.accessToken;
  return { process: daemon, call };
}

/** Polls `probe` every `everyMs` (200 ms keeps under the API's read limit) until it answers. */
export async function until<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function secretValue(secret: KubeObject | undefined, key: string): string {
  const record = secret as { data?: Record<string, string>; stringData?: Record<string, string> };
  const raw = record?.data?.[key];
  if (raw) return Buffer.from(raw, 'base64').toString('utf8');
  const plain = record?.stringData?.[key];
  if (!plain) throw new Error(`secret ${secret?.metadata.name} has no ${key}`);
  return plain;
}

/** Where the repository of `database` lies in S3, as the cluster's objects place it. */
export function repositoryLocation(
  cluster: SimCluster,
  database: { name: string; namespace: string },
  storageName: string,
): { bucket: string; key: string } {
  const STORAGE = 'storage.kubestash.com/v1alpha1';
  const ns = database.namespace;
  const storage = cluster.state.get(STORAGE, 'BackupStorage', ns, `dbaas-${storageName}`);
  const repo = cluster.state.get(STORAGE, 'Repository', ns, backupNames(database).repository);
  if (!storage || !repo) throw new Error(`no BackupStorage or Repository of ${database.name}`);
  const s3 = (storage.spec as { storage: { s3: { bucket: string; prefix?: string } } }).storage.s3;
  const key = [s3.prefix ?? '', (repo.spec as { path: string }).path]
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/');
  return { bucket: s3.bucket, key };
}

/**
 * The restic snapshot ids in the repository, read as S3 objects (`<repo>/snapshots/<id>`): restic
 * itself takes a lock to list, which a bucket over its quota refuses.
 */
export async function snapshotObjects(location: {
  bucket: string;
  key: string;
}): Promise<string[]> {
  const page = await s3Client().send(
    new ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.key}/snapshots/` }),
  );
  return (page.Contents ?? []).map((object) => object.Key!.split('/').at(-1)!).sort();
}

/**
 * restic on the repository of `database` (the BackupStorage's bucket and prefix, the Repository's
 * path, its encryption secret), with the run's good S3 keys.
 */
export function resticOfDatabase(
  cluster: SimCluster,
  database: { name: string; namespace: string },
  storageName: string,
): Restic {
  const { bucket, key } = repositoryLocation(cluster, database, storageName);
  const test = s3ForTests();
  return new Restic(
    {
      repository: `s3:${test.endpoint}/${bucket}/${key}`,
      accessKeyId: test.accessKeyId,
      secretAccessKey: test.secretAccessKey,
      password: secretValue(
        cluster.state.get(
          'v1',
          'Secret',
          database.namespace,
          backupNames(database).encryptionSecret,
        ),
        'RESTIC_PASSWORD',
      ),
    },
    { timeoutMs: 60_000 },
  );
}

/**
 * Sets a bucket quota with `radosgw-admin` on the run's Ceph (TEST_S3_CEPH_CONF, set where the
 * run starts its Ceph RGW). Throws, naming what is missing, when the run's Ceph cannot be driven.
 */
export function setBucketQuota(bucket: string, maxBytes: number): void {
  const conf = process.env.TEST_S3_CEPH_CONF;
  if (!conf)
    throw new Error(
      'TEST_S3_CEPH_CONF is not set: the S3 of this run was given from outside (TEST_S3_ENDPOINT) without its ceph.conf, so radosgw-admin cannot set a bucket quota',
    );
  for (const args of [
    ['quota', 'set', '--quota-scope=bucket', `--bucket=${bucket}`, `--max-size=${maxBytes}`],
    ['quota', 'enable', '--quota-scope=bucket', `--bucket=${bucket}`],
  ]) {
    const run = spawnSync('radosgw-admin', ['-c', conf, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (run.status !== 0)
      throw new Error(`radosgw-admin ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  }
}
