/**
 * PITR wiring of the simulated KubeDB/KubeStash operators (real PostgreSQL only).
 *
 * - A Postgres with `spec.archiver.ref` -> a `PostgresArchiver` gets `walArchive` in its instance
 *   spec (`resolveWalArchive`): the data plane starts it with archive_mode=on into a restic
 *   repository at `<storage prefix>/<subDir>/<namespace>/<name>` of the archiver's BackupStorage.
 * - A running Postgres whose archive changes is restarted with it (sim/operator/real-pods.ts), as
 *   KubeDB restarts its pods when `spec.archiver` is set on a running database.
 * - Once its real instance runs with archiving on, a base backup is taken (and again on `spec.fullBackup.scheduler`),
 *   recorded as a Snapshot `<db>-full-<unix>` of repository `<db>-full` with
 *   `status.components.wal.logStats {start, end}`: the recoverable window, refreshed from the
 *   repository every 10 s. The archiver's `status.databaseRefs` lists the databases it archives.
 * - A RestoreSession with `dataSource.pitr.targetTime` restores the archive of the snapshot's
 *   database to that time into its target (in place, or a new database), or fails with a reason
 *   naming the window. A simulated Postgres gets a simulated PITR, marked as such.
 */
import { dirname, join } from 'node:path';
import type { ClusterState, KubeObject } from '../core/contract';
import type { DataPlane, InstanceSpec, ResticTarget } from '../core/data-plane';
import { takeBaseBackup, ownerOf } from '../dataplane/pitr/base-backup';
import { archiveHost } from '../dataplane/pitr/hook';
import { restoreToTime } from '../dataplane/pitr/restore';
import { readIndex, recoverableWindow } from '../dataplane/pitr/window';
import { CronSchedule } from './cron';
import { DB_API } from './engines';
import { STORAGE_API } from './kubestash-backup';
import type { Runtime } from './runtime';
import { asRecord, getPath, text, unb64 } from './util';

export const ARCHIVER_API = 'archiver.kubedb.com/v1alpha1';
const REFRESH_MS = 10_000;

function secretValue(state: ClusterState, ns: string, name: string, key: string): string {
  const secret = state.get('v1', 'Secret', ns, name);
  return unb64(asRecord(secret?.data)[key]);
}

/** The PostgresArchiver a Postgres refers to, if any. */
export function archiverOf(state: ClusterState, db: KubeObject): KubeObject | undefined {
  const ref = asRecord(getPath(db, ['spec', 'archiver', 'ref']));
  if (!text(ref.name)) return undefined;
  const ns = text(ref.namespace, db.metadata.namespace ?? '');
  return state.get(ARCHIVER_API, 'PostgresArchiver', ns, text(ref.name));
}

/**
 * The WAL archive target of a Postgres: undefined without `spec.archiver.ref` (or when the
 * archiver is paused), a string saying what is missing otherwise, or the restic target.
 */
export function resolveWalArchive(
  state: ClusterState,
  db: KubeObject,
): ResticTarget | string | undefined {
  const ref = asRecord(getPath(db, ['spec', 'archiver', 'ref']));
  if (db.kind !== 'Postgres' || !text(ref.name)) return undefined;
  if (getPath(db, ['spec', 'archiver', 'pause']) === true) return undefined;
  const archiver = archiverOf(state, db);
  if (!archiver) return `waiting for the PostgresArchiver ${text(ref.name)}`;
  if (getPath(archiver, ['spec', 'pause']) === true) return undefined;
  const aNs = archiver.metadata.namespace ?? '';
  const storageRef = asRecord(getPath(archiver, ['spec', 'backupStorage', 'ref']));
  const sNs = text(storageRef.namespace, aNs);
  const storage = state.get(STORAGE_API, 'BackupStorage', sNs, text(storageRef.name));
  if (!storage) return `waiting for the BackupStorage ${text(storageRef.name)}`;
  const s3 = asRecord(getPath(storage, ['spec', 'storage', 's3']));
  if (!text(s3.endpoint) || !text(s3.bucket)) return 'the BackupStorage is not an S3 storage';
  const keyId = secretValue(state, sNs, text(s3.secretName), 'AWS_ACCESS_KEY_ID');
  const key = secretValue(state, sNs, text(s3.secretName), 'AWS_SECRET_ACCESS_KEY');
  if (!keyId || !key) return `the secret ${text(s3.secretName)} has no AWS keys`;
  const enc = asRecord(getPath(archiver, ['spec', 'encryptionSecret']));
  const password = secretValue(state, text(enc.namespace, aNs), text(enc.name), 'RESTIC_PASSWORD');
  if (!password) return `the encryption secret ${text(enc.name)} has no RESTIC_PASSWORD`;
  const endpoint = text(s3.endpoint).replace(/\/+$/, '');
  const parts = [text(s3.prefix), text(getPath(archiver, ['spec', 'backupStorage', 'subDir']))];
  const path = [...parts, db.metadata.namespace ?? '', db.metadata.name ?? '']
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  const scheme = /^https?:\/\//.test(endpoint) ? '' : 'https://';
  return {
    repository: `s3:${scheme}${endpoint}/${text(s3.bucket)}/${path}`,
    accessKeyId: keyId,
    secretAccessKey: key,
    password,
  };
}

interface Tracked {
  lastBase?: Date;
  busy: boolean;
}

export class PitrController {
  private readonly tracked = new Map<string, Tracked>();
  private stopTimer: () => void = () => undefined;
  private stopListening: () => void = () => undefined;

  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    private readonly dataPlane: DataPlane | undefined,
    private readonly report: (object: KubeObject | undefined, error: unknown) => void,
    /** The instance spec of a database's primary pod (to start it again after a restore). */
    private readonly specFor: (db: KubeObject, pod: string) => InstanceSpec | string = () =>
      'no data plane',
    /** Whether the database's process runs with the archive its object asks for now. */
    private readonly archivesAsAsked: (db: KubeObject) => boolean = () => true,
  ) {}

  start(): void {
    this.stopTimer = this.runtime.every(REFRESH_MS, () => this.tick(), REFRESH_MS);
    // A Postgres (re)started, e.g. with archiving on: its first base backup need not wait a tick.
    this.stopListening =
      this.dataPlane?.onChange((info) => {
        if (info.engine === 'postgres' && info.state === 'running') this.tick();
      }) ?? (() => undefined);
    this.tick();
  }

  stop(): void {
    this.stopTimer();
    this.stopListening();
  }

  /** Base backups due, windows refreshed, for every archived real Postgres. */
  tick(): void {
    if (!this.dataPlane) return;
    for (const db of this.state.list(DB_API, 'Postgres')) {
      const target = resolveWalArchive(this.state, db);
      const ns = db.metadata.namespace ?? '';
      const name = db.metadata.name ?? '';
      const key = `${ns}/${name}`;
      // Archiving off: a later archive starts again with a base backup (no gap in the chain).
      if (!target) this.tracked.delete(key);
      if (!target || typeof target === 'string' || !this.archivesAsAsked(db)) continue;
      const info = this.dataPlane.instanceOfDatabase(ns, 'Postgres', name);
      if (info?.state !== 'running') continue;
      const t = this.tracked.get(key) ?? { busy: false };
      this.tracked.set(key, t);
      if (t.busy) continue;
      t.busy = true;
      void this.archive(db, target, t)
        .catch((error: unknown) => this.report(db, error))
        .finally(() => (t.busy = false));
    }
  }

  private baseDue(db: KubeObject, t: Tracked): boolean {
    if (!t.lastBase) return true;
    const archiver = archiverOf(this.state, db);
    const schedule = text(getPath(archiver, ['spec', 'fullBackup', 'scheduler', 'schedule']));
    if (!schedule) return false;
    try {
      const next = new CronSchedule(schedule).next(t.lastBase);
      return !!next && next.getTime() <= Date.now();
    } catch {
      return false;
    }
  }

  private async archive(db: KubeObject, target: ResticTarget, t: Tracked): Promise<void> {
    const ns = db.metadata.namespace ?? '';
    const name = db.metadata.name ?? '';
    const info = this.dataPlane?.instanceOfDatabase(ns, 'Postgres', name);
    if (!info) return;
    const host = archiveHost(ns, name);
    const runAs = await ownerOf(info.dataDir);
    this.markArchiver(db);
    if (this.baseDue(db, t)) {
      t.lastBase = new Date();
      const conn = { host: info.host, port: info.port, user: info.user, password: info.password };
      const base = await takeBaseBackup({
        conn,
        target,
        host,
        workDir: dirname(info.dataDir),
        ...(runAs ? { runAs } : {}),
      });
      this.createSnapshot(db, base.snapshotId, base.end, base.sizeBytes, base.durationMs);
    }
    const window = recoverableWindow(await readIndex(target, host, runAs ? { runAs } : {}));
    if (window) this.recordWindow(db, window);
  }

  private markArchiver(db: KubeObject): void {
    const archiver = archiverOf(this.state, db);
    if (!archiver) return;
    const refs = (getPath(archiver, ['status', 'databaseRefs']) as unknown[] | undefined) ?? [];
    const me = { name: db.metadata.name ?? '', namespace: db.metadata.namespace ?? '' };
    if (refs.some((r) => asRecord(r).name === me.name && asRecord(r).namespace === me.namespace))
      return;
    this.state.updateStatus(
      { ...archiver, status: { ...asRecord(archiver.status), databaseRefs: [...refs, me] } },
      { skipAdmission: true },
    );
  }

  private createSnapshot(
    db: KubeObject,
    snapshotId: string,
    end: string,
    sizeBytes: number,
    durationMs: number,
  ): void {
    const ns = db.metadata.namespace ?? '';
    const name = db.metadata.name ?? '';
    const repository = `${name}-full`;
    const created = this.state.create(
      {
        apiVersion: STORAGE_API,
        kind: 'Snapshot',
        metadata: {
          name: `${repository}-${Math.floor(Date.now() / 1000)}`,
          namespace: ns,
          labels: {
            'kubestash.com/repo-name': repository,
            'kubestash.com/app-ref-kind': 'Postgres',
            'kubestash.com/app-ref-name': name,
            'kubestash.com/app-ref-namespace': ns,
          },
          annotations: { 'kubedb.com/db-version': text(getPath(db, ['spec', 'version'])) },
        },
        spec: {
          appRef: { apiGroup: 'kubedb.com', kind: 'Postgres', name, namespace: ns },
          repository,
          session: 'full-backup',
          snapshotID: snapshotId,
          type: 'FullBackup',
          version: 'v1',
          deletionPolicy: 'Delete',
        },
      },
      { skipAdmission: true },
    );
    this.state.updateStatus(
      {
        ...created,
        status: {
          phase: 'Succeeded',
          snapshotTime: end,
          size: `${(sizeBytes / 1024 / 1024).toFixed(3)} MiB`,
          integrity: true,
          totalComponents: 1,
          components: {
            wal: {
              driver: 'Restic',
              phase: 'Succeeded',
              path: `repository/v1/full-backup/wal`,
              duration: `${(durationMs / 1000).toFixed(3)}s`,
              logStats: { start: end, end },
            },
          },
        },
      },
      { skipAdmission: true },
    );
  }

  /** Writes the window into every full-backup Snapshot of the database (start: its own end). */
  private recordWindow(db: KubeObject, window: { start: string; end: string }): void {
    const ns = db.metadata.namespace ?? '';
    const snaps = this.state.list(STORAGE_API, 'Snapshot', {
      namespace: ns,
      labels: { 'kubestash.com/repo-name': `${db.metadata.name}-full` },
    });
    for (const snap of snaps) {
      const wal = asRecord(asRecord(getPath(snap, ['status', 'components'])).wal);
      const stats = asRecord(wal.logStats);
      if (stats.end === window.end || !stats.start) continue;
      this.state.updateStatus(
        {
          ...snap,
          status: {
            ...asRecord(snap.status),
            components: { wal: { ...wal, logStats: { ...stats, end: window.end } } },
          },
        },
        { skipAdmission: true },
      );
    }
  }

  /**
   * Restores a RestoreSession with `dataSource.pitr`; resolves to undefined on success or to the
   * reason it failed.
   */
  async restore(rs: KubeObject, targetDb: KubeObject): Promise<string | undefined> {
    const targetTime = text(getPath(rs, ['spec', 'dataSource', 'pitr', 'targetTime']));
    const ns = targetDb.metadata.namespace ?? '';
    const info = this.dataPlane?.instanceOfDatabase(
      ns,
      targetDb.kind,
      targetDb.metadata.name ?? '',
    );
    if (!info || !this.dataPlane) return undefined; // simulated: the caller simulates it
    const source = this.sourceOf(rs) ?? targetDb;
    const target = resolveWalArchive(this.state, source);
    if (!target) return `the source ${source.metadata.name} has no spec.archiver.ref`;
    if (typeof target === 'string') return target;
    const runAs = await ownerOf(info.dataDir);
    const dataPlane = this.dataPlane;
    const spec = this.specFor(targetDb, info.pod);
    try {
      await restoreToTime({
        target,
        host: archiveHost(source.metadata.namespace ?? '', source.metadata.name ?? ''),
        targetTime,
        exclusive: getPath(rs, ['spec', 'dataSource', 'pitr', 'exclusive']) === true,
        dataDir: info.dataDir,
        workDir: join(dirname(info.dataDir), 'pitr-restore'),
        conn: { host: info.host, port: info.port, user: info.user, password: info.password },
        control: {
          stop: () => dataPlane.stop(ns, info.pod),
          start: async () => {
            if (typeof spec === 'string') throw new Error(spec);
            await dataPlane.ensure(spec);
          },
        },
        ...(runAs ? { runAs } : {}),
        timeoutMs: 5 * 60_000,
      });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  private sourceOf(rs: KubeObject): KubeObject | undefined {
    const source = asRecord(getPath(rs, ['spec', 'dataSource']));
    const ns = text(source.namespace, rs.metadata.namespace ?? '');
    const wanted = text(source.snapshot, 'latest');
    const snap =
      wanted !== 'latest'
        ? this.state.get(STORAGE_API, 'Snapshot', ns, wanted)
        : this.state
            .list(STORAGE_API, 'Snapshot', {
              namespace: ns,
              labels: { 'kubestash.com/repo-name': text(source.repository) },
            })
            .pop();
    const app = asRecord(getPath(snap, ['spec', 'appRef']));
    if (!text(app.name)) return undefined;
    return this.state.get(DB_API, 'Postgres', text(app.namespace, ns), text(app.name));
  }
}
