/**
 * Repository sync of the simulated KubeStash operator, as KubeStash does it: every real backup
 * leaves metadata next to the restic repository in the bucket (`<prefix>/<path>/repository.json`
 * for the Repository, `<prefix>/<path>/snapshots-metadata/<name>.json` per Snapshot), and a
 * BackupStorage that is Ready on a cluster reads the metadata under its bucket and prefix and
 * creates the Repositories and succeeded Snapshots missing there — so that a cluster that never
 * ran the backup can restore it. Synced objects carry the annotation `SYNCED_ANNOTATION` (the
 * storage they came from); `status.repositories[].synced` of the storage says the same.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  DeleteObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ClusterState, KubeObject } from '../core/contract';
import { STORAGE_API, ref } from './kubestash-common';
import { BackupConfigError, secretValue } from './kubestash-real';
import { updateRepository } from './kubestash-repository';
import { asRecord, getPath, text } from './util';

/** Marks a Repository or Snapshot created by a sync: `<storage namespace>/<storage name>`. */
export const SYNCED_ANNOTATION = 'kubestash.com/synced-from-storage';
const REPOSITORY_FILE = 'repository.json';
const SNAPSHOT_DIR = 'snapshots-metadata';
/** Bounds of one sync: listing pages of 1000 keys, repositories read. */
const MAX_PAGES = 20;
const MAX_REPOSITORIES = 200;

interface Location {
  client: S3Client;
  bucket: string;
  prefix: string;
}

function join(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p.length > 0)
    .join('/');
}

/** The S3 client, bucket and prefix of a BackupStorage (credentials from its Secret). */
export function locationOf(state: ClusterState, storage: KubeObject): Location {
  const where = `BackupStorage ${storage.metadata.namespace}/${storage.metadata.name}`;
  const s3 = asRecord(getPath(storage, ['spec', 'storage', 's3']));
  const endpoint = text(s3.endpoint).replace(/\/+$/, '');
  const bucket = text(s3.bucket);
  if (!endpoint || !bucket)
    throw new BackupConfigError(`${where}: spec.storage.s3.endpoint and bucket are required`);
  const secret = state.get('v1', 'Secret', storage.metadata.namespace, text(s3.secretName));
  const accessKeyId = secretValue(secret, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = secretValue(secret, 'AWS_SECRET_ACCESS_KEY');
  if (!accessKeyId || !secretAccessKey)
    throw new BackupConfigError(`${where}: spec.storage.s3.secretName has no S3 keys`);
  const client = new S3Client({
    endpoint: /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`,
    region: text(s3.region, 'us-east-1'),
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 2,
    // Bounded: a dead endpoint fails the metadata upload or the sync, never hangs a session.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 },
  });
  return { client, bucket, prefix: text(s3.prefix) };
}

function storageOf(state: ClusterState, repo: KubeObject): KubeObject | undefined {
  const storageRef = ref(getPath(repo, ['spec', 'storageRef']));
  return state.get(
    STORAGE_API,
    'BackupStorage',
    storageRef.namespace ?? repo.metadata.namespace,
    storageRef.name,
  );
}

/** What a Snapshot's metadata object keeps: enough to recreate it on another cluster. */
function snapshotRecord(snap: KubeObject): Record<string, unknown> {
  return {
    apiVersion: STORAGE_API,
    kind: 'Snapshot',
    metadata: {
      name: snap.metadata.name,
      namespace: snap.metadata.namespace,
      labels: snap.metadata.labels ?? {},
      annotations: snap.metadata.annotations ?? {},
    },
    spec: snap.spec,
    status: snap.status,
  };
}

/** Writes the Repository's and one succeeded Snapshot's metadata next to the restic repository. */
export async function writeMetadata(
  state: ClusterState,
  namespace: string,
  repository: string,
  snapshot: string,
  signal?: AbortSignal,
): Promise<void> {
  const repo = state.get(STORAGE_API, 'Repository', namespace, repository);
  const snap = state.get(STORAGE_API, 'Snapshot', namespace, snapshot);
  const storage = repo && storageOf(state, repo);
  if (!repo || !snap || !storage) return;
  const { client, bucket, prefix } = locationOf(state, storage);
  const base = join(prefix, text(getPath(repo, ['spec', 'path'])));
  const record = {
    apiVersion: STORAGE_API,
    kind: 'Repository',
    metadata: { name: repository, namespace, labels: repo.metadata.labels ?? {} },
    spec: repo.spec,
  };
  try {
    const put = (key: string, body: unknown): Promise<unknown> =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(body),
          ContentType: 'application/json',
        }),
        signal ? { abortSignal: signal } : {},
      );
    await put(join(base, REPOSITORY_FILE), record);
    await put(join(base, SNAPSHOT_DIR, `${snapshot}.json`), snapshotRecord(snap));
  } finally {
    client.destroy();
  }
}

/** Removes the metadata of Snapshots that retention deleted. */
export async function deleteSnapshotMetadata(
  state: ClusterState,
  namespace: string,
  repository: string,
  snapshots: string[],
): Promise<void> {
  const repo = state.get(STORAGE_API, 'Repository', namespace, repository);
  const storage = repo && storageOf(state, repo);
  if (!repo || !storage || snapshots.length === 0) return;
  const { client, bucket, prefix } = locationOf(state, storage);
  const base = join(prefix, text(getPath(repo, ['spec', 'path'])));
  try {
    for (const name of snapshots)
      await client.send(
        new DeleteObjectCommand({ Bucket: bucket, Key: join(base, SNAPSHOT_DIR, `${name}.json`) }),
      );
  } finally {
    client.destroy();
  }
}

async function keysUnder(location: Location, prefix: string, signal: AbortSignal) {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const out = await location.client.send(
      new ListObjectsV2Command({
        Bucket: location.bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
      { abortSignal: signal },
    );
    for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
    if (!out.IsTruncated || !out.NextContinuationToken) break;
    token = out.NextContinuationToken;
  }
  return keys;
}

async function readJson(location: Location, key: string, signal: AbortSignal) {
  const out = await location.client.send(
    new GetObjectCommand({ Bucket: location.bucket, Key: key }),
    { abortSignal: signal },
  );
  return asRecord(JSON.parse((await out.Body?.transformToString()) ?? '{}'));
}

/** One repository of a storage's `status.repositories`, as the sync saw it. */
export interface SyncedRepository {
  name: string;
  namespace: string;
  path: string;
  synced: boolean;
  error?: string;
}

function createSnapshot(state: ClusterState, record: Record<string, unknown>, mark: string): void {
  const meta = asRecord(record.metadata);
  const status = asRecord(record.status);
  if (status.phase !== 'Succeeded') return;
  const created = state.create(
    {
      apiVersion: STORAGE_API,
      kind: 'Snapshot',
      metadata: {
        name: text(meta.name),
        namespace: text(meta.namespace),
        labels: asRecord(meta.labels) as Record<string, string>,
        annotations: {
          ...(asRecord(meta.annotations) as Record<string, string>),
          [SYNCED_ANNOTATION]: mark,
        },
      },
      spec: asRecord(record.spec),
    },
    { skipAdmission: true },
  );
  state.updateStatus({ ...created, status }, { skipAdmission: true });
}

/**
 * Creates the Repositories (and their succeeded Snapshots) found under the storage's bucket and
 * prefix that this cluster lacks; Repositories created by an earlier sync get their new Snapshots.
 */
export async function syncStorage(
  state: ClusterState,
  storage: KubeObject,
  signal: AbortSignal,
): Promise<SyncedRepository[]> {
  const location = locationOf(state, storage);
  const mark = `${storage.metadata.namespace}/${storage.metadata.name}`;
  const out: SyncedRepository[] = [];
  try {
    const prefix = location.prefix ? `${join(location.prefix)}/` : '';
    const keys = await keysUnder(location, prefix, signal);
    const repoKeys = keys
      .filter((k) => k.endsWith(`/${REPOSITORY_FILE}`))
      .slice(0, MAX_REPOSITORIES);
    for (const key of repoKeys) {
      const base = key.slice(0, -REPOSITORY_FILE.length);
      const record = await readJson(location, key, signal);
      const meta = asRecord(record.metadata);
      const name = text(meta.name);
      const namespace = text(meta.namespace);
      const entry = {
        name,
        namespace,
        path: text(getPath(record, ['spec', 'path'])),
        synced: true,
      };
      try {
        if (!state.get('v1', 'Namespace', undefined, namespace))
          throw new Error(`namespace ${namespace} does not exist on this cluster`);
        let repo = state.get(STORAGE_API, 'Repository', namespace, name);
        if (!repo)
          repo = state.create(
            {
              apiVersion: STORAGE_API,
              kind: 'Repository',
              metadata: {
                name,
                namespace,
                labels: asRecord(meta.labels) as Record<string, string>,
                annotations: { [SYNCED_ANNOTATION]: mark },
              },
              spec: {
                ...asRecord(record.spec),
                storageRef: { name: storage.metadata.name, namespace: storage.metadata.namespace },
              },
            },
            { skipAdmission: true },
          );
        if (repo.metadata.annotations?.[SYNCED_ANNOTATION] !== mark) continue;
        for (const snapKey of keys.filter((k) => k.startsWith(`${base}${SNAPSHOT_DIR}/`))) {
          const snapName = snapKey.slice(base.length + SNAPSHOT_DIR.length + 1, -'.json'.length);
          if (state.get(STORAGE_API, 'Snapshot', namespace, snapName)) continue;
          createSnapshot(state, await readJson(location, snapKey, signal), mark);
        }
        updateRepository(state, namespace, name);
        out.push(entry);
      } catch (error) {
        out.push({
          ...entry,
          synced: false,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  } finally {
    location.client.destroy();
  }
  return out;
}
