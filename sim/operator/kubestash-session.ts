/**
 * One KubeStash backup run: a BackupSession goes Pending -> Running -> Succeeded | Failed | Skipped,
 * leaves a Snapshot per repository, updates the Repository, applies the retention policy and prunes
 * old sessions beyond `sessionHistoryLimit`.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { DB_API, isEngineKind } from './engines';
import { CORE_API, STORAGE_API, ref, sessionsOf } from './kubestash-common';
import type { FailureReporter } from './failure-status';
import { ResticError } from '../dataplane/backup/restic';
import {
  SIMULATED_ANNOTATION,
  pruneRealSnapshots,
  realBackup,
  realInstance,
  resticForRepository,
  type RealBackupOptions,
} from './kubestash-real';
import { applyRetention, updateRepository } from './kubestash-repository';
import { snapshotStatus, type SnapshotOutcome } from './kubestash-snapshot';
import { forgetMetadata, snapshotNames, uploadMetadata } from './kubestash-metadata';
import { StoppedError, type Runtime } from './runtime';
import {
  asNumber,
  asRecord,
  formatGoDuration,
  getConditions,
  getPath,
  nowIso,
  setCondition,
  text,
} from './util';

/** Simulated durations of a backup run. */
const PENDING_MS = 1000;
const BACKUP_MS = 5000;

export class BackupSessionRunner {
  private readonly running = new Set<string>();
  /** The order this runner first saw sessions in: creation order within one timestamp second. */
  private readonly firstSeen = new Map<string, number>();
  private seen = 0;

  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    private readonly random: () => number,
    private readonly onStorageChanged: (storage: KubeObject) => void,
    private readonly report: FailureReporter = () => undefined,
    private readonly real?: RealBackupOptions,
  ) {}

  /** Starts the run of a new BackupSession (once). */
  reconcileSession(bs: KubeObject): void {
    const uid = bs.metadata.uid ?? '';
    if (!this.firstSeen.has(uid)) this.firstSeen.set(uid, (this.seen += 1));
    if (this.running.has(uid) || getPath(bs, ['status', 'phase']) !== undefined) return;
    this.running.add(uid);
    void this.runSession(bs)
      .catch((error: unknown) => this.report(bs, error))
      .finally(() => this.running.delete(uid));
  }

  private writeSession(
    bs: KubeObject,
    patch: Record<string, unknown>,
    condition?: Parameters<typeof setCondition>[1],
  ): KubeObject | undefined {
    const current = this.state.get(
      CORE_API,
      'BackupSession',
      bs.metadata.namespace,
      bs.metadata.name ?? '',
    );
    if (!current) return undefined;
    const conditions = condition
      ? setCondition(getConditions(current), condition)
      : getConditions(current);
    return this.state.updateStatus(
      { ...current, status: { ...asRecord(current.status), ...patch, conditions } },
      { skipAdmission: true },
    );
  }

  private async runSession(bs: KubeObject): Promise<void> {
    const started = Date.now();
    const namespace = bs.metadata.namespace ?? '';
    const bcName = text(getPath(bs, ['spec', 'invoker', 'name']));
    const sessionName = text(getPath(bs, ['spec', 'session']));
    const bc = this.state.get(CORE_API, 'BackupConfiguration', namespace, bcName);
    const session = bc ? sessionsOf(bc).find((s) => s.name === sessionName) : undefined;
    this.writeSession(
      bs,
      { phase: 'Pending' },
      {
        type: 'BackupSkipped',
        status: 'False',
        reason: 'SkipCheckPassed',
        message: 'Skip check passed',
      },
    );
    if (!bc || !session) {
      this.writeSession(
        bs,
        { phase: 'Failed', duration: formatGoDuration(0) },
        {
          type: 'BackupExecutorEnsured',
          status: 'False',
          reason: 'InvokerNotFound',
          message: `BackupConfiguration ${namespace}/${bcName} or its session ${sessionName} not found`,
        },
      );
      return;
    }
    const others = this.state
      .list(CORE_API, 'BackupSession', { namespace })
      .filter(
        (o) =>
          o.metadata.uid !== bs.metadata.uid &&
          getPath(o, ['spec', 'invoker', 'name']) === bcName &&
          getPath(o, ['spec', 'session']) === sessionName &&
          getPath(o, ['status', 'phase']) === 'Running',
      );
    if (others.length > 0) {
      this.writeSession(
        bs,
        { phase: 'Skipped' },
        {
          type: 'BackupSkipped',
          status: 'True',
          reason: 'PreviousBackupRunning',
          message: `Skipped because ${others[0]?.metadata.name} is still running`,
        },
      );
      return;
    }
    await this.runtime.sleep(PENDING_MS);
    const target = asRecord(getPath(bc, ['spec', 'target']));
    const kind = text(target.kind);
    const db = isEngineKind(kind)
      ? this.state.get(DB_API, kind, text(target.namespace, namespace), text(target.name))
      : undefined;
    const dbPhase = text(getPath(db, ['status', 'phase']));
    const repos = (Array.isArray(session.repositories) ? session.repositories : []).map(asRecord);
    const snapshots = repos.map((r) => ({
      name: `${String(r.name)}-${bs.metadata.name}`,
      repository: String(r.name),
      phase: 'Running',
      appRef: {
        apiGroup: 'kubedb.com',
        kind,
        name: text(target.name),
        namespace: text(target.namespace, namespace),
      },
    }));
    this.writeSession(
      bs,
      { phase: 'Running', totalSnapshots: snapshots.length, snapshots },
      {
        type: 'BackupExecutorEnsured',
        status: 'True',
        reason: 'SuccessfullyEnsuredBackupExecutor',
        message: 'Backup executor has been ensured successfully',
      },
    );
    let failed = !db
      ? `target ${kind} ${String(target.name)} not found`
      : !['Ready', 'Critical'].includes(dbPhase)
        ? `target ${kind} ${String(target.name)} is ${dbPhase || 'not provisioned'}`
        : undefined;
    for (const s of snapshots)
      this.createSnapshot(bs, s, sessionName, text(getPath(db, ['spec', 'version'])));
    const outcomes = await this.backUp(namespace, db, snapshots, failed);
    const time = nowIso();
    for (const s of snapshots) {
      const outcome = outcomes.get(s.name);
      s.phase = outcome?.kind === 'failed' ? 'Failed' : 'Succeeded';
      this.finishSnapshot(namespace, s.name, outcome, time, sessionName);
      updateRepository(this.state, namespace, s.repository);
    }
    if (this.real)
      await uploadMetadata(this.state, namespace, snapshots, outcomes, this.runtime.signal, (e) =>
        this.runtime.stopped ? undefined : this.report(bc, e),
      );
    const firstFailure = [...outcomes.values()].find((o) => o.kind === 'failed');
    if (firstFailure?.kind === 'failed') failed = firstFailure.message;
    const duration = formatGoDuration((Date.now() - started) * this.runtime.speed);
    if (failed) {
      this.writeSession(
        bs,
        { phase: 'Failed', duration, snapshots },
        {
          type: 'SnapshotsEnsured',
          status: 'False',
          reason: firstFailure?.kind === 'failed' ? firstFailure.reason : 'BackupFailed',
          message: failed,
        },
      );
    } else {
      const before = snapshotNames(this.state, namespace, snapshots);
      if (realInstance(this.real?.dataPlane, db))
        await pruneRealSnapshots(
          this.state,
          this.real,
          { bc, session, namespace, repositories: snapshots.map((s) => s.repository) },
          this.runtime.signal,
          (error) => (this.runtime.stopped ? undefined : this.report(bc, error)),
        );
      const retention = applyRetention(
        this.state,
        bc,
        session,
        namespace,
        snapshots.map((s) => s.repository),
      );
      if (this.real)
        await forgetMetadata(this.state, namespace, before, (e) =>
          this.runtime.stopped ? undefined : this.report(bc, e),
        );
      this.writeSession(
        bs,
        { phase: 'Succeeded', duration, snapshots, retentionPolicy: retention },
        {
          type: 'SnapshotsEnsured',
          status: 'True',
          reason: 'SuccessfullyEnsuredSnapshots',
          message: 'Snapshots have been ensured successfully',
        },
      );
    }
    this.pruneSessions(namespace, bcName, sessionName, asNumber(session.sessionHistoryLimit, 1));
    for (const backend of (Array.isArray(getPath(bc, ['spec', 'backends']))
      ? (getPath(bc, ['spec', 'backends']) as unknown[])
      : []
    ).map(asRecord)) {
      const storageRef = ref(backend.storageRef);
      const storage = this.state.get(
        STORAGE_API,
        'BackupStorage',
        storageRef.namespace ?? namespace,
        storageRef.name,
      );
      if (storage) this.onStorageChanged(storage);
    }
  }

  private createSnapshot(
    bs: KubeObject,
    s: { name: string; repository: string; appRef: Record<string, string> },
    session: string,
    dbVersion: string,
  ): void {
    const namespace = bs.metadata.namespace ?? '';
    const repo = this.state.get(STORAGE_API, 'Repository', namespace, s.repository);
    const created = this.state.create(
      {
        apiVersion: STORAGE_API,
        kind: 'Snapshot',
        metadata: {
          name: s.name,
          namespace,
          labels: {
            'kubestash.com/repo-name': s.repository,
            'kubestash.com/app-ref-kind': s.appRef.kind ?? '',
            'kubestash.com/app-ref-name': s.appRef.name ?? '',
            'kubestash.com/app-ref-namespace': s.appRef.namespace ?? '',
          },
          annotations: { 'kubedb.com/db-version': dbVersion },
          ...(repo
            ? {
                ownerReferences: [
                  {
                    apiVersion: repo.apiVersion,
                    kind: repo.kind,
                    name: repo.metadata.name ?? '',
                    uid: repo.metadata.uid ?? '',
                    controller: true,
                    blockOwnerDeletion: true,
                  },
                ],
              }
            : {}),
        },
        spec: {
          appRef: s.appRef,
          repository: s.repository,
          session,
          backupSession: bs.metadata.name,
          snapshotID: Math.floor(this.random() * 2 ** 48)
            .toString(16)
            .padStart(12, '0'),
          type: 'FullBackup',
          version: 'v1',
          deletionPolicy: 'Delete',
        },
      },
      { skipAdmission: true },
    );
    this.state.updateStatus(
      { ...created, status: { phase: 'Running', totalComponents: 1 } },
      { skipAdmission: true },
    );
  }

  /**
   * Runs the backup of every repository: for real when the database runs a real process, else a
   * simulated wait (the Snapshot is then marked as holding no data).
   */
  private async backUp(
    namespace: string,
    db: KubeObject | undefined,
    snapshots: { name: string; repository: string }[],
    failed: string | undefined,
  ): Promise<Map<string, SnapshotOutcome>> {
    const outcomes = new Map<string, SnapshotOutcome>();
    const instance = failed ? undefined : realInstance(this.real?.dataPlane, db);
    if (failed) {
      await this.runtime.sleep(BACKUP_MS * (0.8 + this.random() * 0.4));
      for (const s of snapshots)
        outcomes.set(s.name, { kind: 'failed', reason: 'BackupFailed', message: failed });
      return outcomes;
    }
    if (!instance || !this.real || !db) {
      await this.runtime.sleep(BACKUP_MS * (0.8 + this.random() * 0.4));
      for (const s of snapshots)
        outcomes.set(s.name, {
          kind: 'simulated',
          bytes: Math.floor((5 + this.random() * 500) * 2 ** 20),
          durationMs: BACKUP_MS,
        });
      return outcomes;
    }
    for (const s of snapshots) {
      if (instance.state !== 'running') {
        outcomes.set(s.name, {
          kind: 'failed',
          reason: 'DatabaseNotRunning',
          message: `the database process of ${db.kind} ${db.metadata.name ?? ''} is ${instance.state}`,
        });
        continue;
      }
      try {
        const restic = resticForRepository(this.state, namespace, s.repository, this.real);
        const tags = [`snapshot=${s.name}`, `kind=${db.kind}`, `db=${db.metadata.name ?? ''}`];
        const backup = await realBackup(restic, instance, tags, this.real, this.runtime.signal);
        const snap = this.state.get(STORAGE_API, 'Snapshot', namespace, s.name);
        if (snap)
          this.state.update(
            { ...snap, spec: { ...asRecord(snap.spec), snapshotID: backup.snapshotId } },
            { skipAdmission: true },
          );
        outcomes.set(s.name, { kind: 'real', backup });
      } catch (error) {
        if (this.runtime.stopped) throw new StoppedError();
        outcomes.set(s.name, {
          kind: 'failed',
          reason: error instanceof ResticError ? error.reason : 'BackupFailed',
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return outcomes;
  }

  private finishSnapshot(
    namespace: string,
    name: string,
    outcome: SnapshotOutcome | undefined,
    time: string,
    session: string,
  ): void {
    const snap = this.state.get(STORAGE_API, 'Snapshot', namespace, name);
    if (!snap || !outcome) return;
    const status = snapshotStatus(outcome, time, session);
    const marked =
      outcome.kind === 'simulated'
        ? this.state.update(
            {
              ...snap,
              metadata: {
                ...snap.metadata,
                annotations: { ...snap.metadata.annotations, [SIMULATED_ANNOTATION]: 'true' },
              },
            },
            { skipAdmission: true },
          )
        : snap;
    this.state.updateStatus({ ...marked, status }, { skipAdmission: true });
  }

  /** Keeps the newest `limit` finished sessions of one configuration session. */
  private pruneSessions(namespace: string, bc: string, session: string, limit: number): void {
    const finished = this.state
      .list(CORE_API, 'BackupSession', { namespace })
      .filter(
        (o) =>
          getPath(o, ['spec', 'invoker', 'name']) === bc &&
          getPath(o, ['spec', 'session']) === session &&
          ['Succeeded', 'Failed', 'Skipped'].includes(String(getPath(o, ['status', 'phase']))),
      )
      // Oldest first by creation, as KubeStash prunes: names carry the cron clock's time, which an
      // on-demand session (named by the wall clock) does not share. Timestamps have seconds only.
      .sort(
        (a, b) =>
          Date.parse(a.metadata.creationTimestamp ?? '') -
            Date.parse(b.metadata.creationTimestamp ?? '') ||
          (this.firstSeen.get(a.metadata.uid ?? '') ?? 0) -
            (this.firstSeen.get(b.metadata.uid ?? '') ?? 0),
      );
    for (const o of finished.slice(0, Math.max(0, finished.length - Math.max(1, limit)))) {
      this.firstSeen.delete(o.metadata.uid ?? '');
      this.state.delete(CORE_API, 'BackupSession', namespace, o.metadata.name ?? '', {
        skipAdmission: true,
      });
    }
  }
}
