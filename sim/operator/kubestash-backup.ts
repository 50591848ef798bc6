/**
 * KubeStash backup side: BackupStorage becomes Ready, a BackupConfiguration gets its Repositories
 * and runs its sessions on their cron schedules (plus one run as soon as it is Ready), and each
 * BackupSession goes Pending -> Running -> Succeeded | Failed | Skipped, leaving a Snapshot per
 * repository and applying the retention policy (REFERENCE section 8).
 *
 * Cron schedules run on a simulated clock: it starts at the wall-clock minute the operator starts
 * and moves one minute every 60/speed real seconds, so `* * * * *` fires every 300 ms at speed 200.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { CronSchedule } from './cron';
import { DB_API, isEngineKind } from './engines';
import { CORE_API, STORAGE_API, parseSize, ref, sessionsOf } from './kubestash-common';
import type { RealBackupOptions } from './kubestash-real';
import { BackupSessionRunner } from './kubestash-session';
import { RepositorySyncer } from './kubestash-syncer';
import type { FailureReporter } from './failure-status';
import type { Runtime } from './runtime';
import {
  asRecord,
  formatBytes,
  getConditions,
  getPath,
  sameJson,
  setCondition,
  text,
} from './util';

export { CORE_API, STORAGE_API } from './kubestash-common';

export class BackupController {
  /** Simulated clock for cron, in ms since the epoch. */
  private simNow: number;
  private readonly runner: BackupSessionRunner;
  private readonly initialRunDone = new Set<string>();
  private readonly sync: RepositorySyncer | undefined;

  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    random: () => number,
    private readonly report: FailureReporter,
    real?: RealBackupOptions,
  ) {
    this.sync = real
      ? new RepositorySyncer(state, runtime, (storage) => this.reconcileStorage(storage))
      : undefined;
    this.simNow = Math.floor(Date.now() / 60_000) * 60_000;
    this.runner = new BackupSessionRunner(
      state,
      runtime,
      random,
      (storage) => this.reconcileStorage(storage),
      report,
      real,
    );
  }

  /** Starts the simulated cron clock. */
  start(): void {
    this.runtime.every(60_000, () => this.tick(), 20);
    this.sync?.start();
  }

  /** Simulated time now (for names and schedules). */
  now(): number {
    return this.simNow;
  }

  private tick(): void {
    this.simNow += 60_000;
    const at = new Date(this.simNow);
    for (const bc of this.state.list(CORE_API, 'BackupConfiguration')) {
      try {
        this.tickOne(bc, at);
      } catch (error) {
        this.report(bc, error);
      }
    }
  }

  private tickOne(bc: KubeObject, at: Date): void {
    if (getPath(bc, ['status', 'phase']) !== 'Ready' || getPath(bc, ['spec', 'paused']) === true) {
      this.reconcileConfiguration(bc);
      return;
    }
    for (const session of sessionsOf(bc)) {
      if (getPath(session, ['scheduler', 'suspend']) === true) continue;
      const schedule = this.schedule(session);
      if (schedule?.matches(at)) this.trigger(bc, String(session.name));
    }
    this.reconcileConfiguration(bc);
  }

  private schedule(session: Record<string, unknown>): CronSchedule | undefined {
    try {
      const expr = getPath(session, ['scheduler', 'schedule']);
      return typeof expr === 'string' ? new CronSchedule(expr) : undefined;
    } catch {
      return undefined;
    }
  }

  reconcileStorage(storage: KubeObject): void {
    const provider = text(getPath(storage, ['spec', 'storage', 'provider']));
    const secretName = getPath(storage, ['spec', 'storage', provider, 'secretName']);
    const secretFound =
      typeof secretName !== 'string' ||
      !!this.state.get('v1', 'Secret', storage.metadata.namespace, secretName);
    const repos: Record<string, unknown>[] = this.state
      .list(STORAGE_API, 'Repository')
      .filter((r) => getPath(r, ['spec', 'storageRef', 'name']) === storage.metadata.name)
      .map((r) => ({
        name: r.metadata.name,
        namespace: r.metadata.namespace,
        path: text(getPath(r, ['spec', 'path'])),
        size: text(getPath(r, ['status', 'size']), '0 B'),
        synced: true,
      }));
    for (const failed of this.sync?.failures(storage) ?? [])
      if (!repos.some((r) => r.name === failed.name && r.namespace === failed.namespace))
        repos.push({ ...failed });
    const total = repos.reduce((n, r) => n + parseSize(text(r.size, '0 B')), 0);
    let conditions = getConditions(storage);
    conditions = setCondition(
      conditions,
      secretFound
        ? {
            type: 'BackendInitialized',
            status: 'True',
            reason: 'BackendInitializationSucceeded',
            message: 'Successfully initialized the backend',
          }
        : {
            type: 'BackendInitialized',
            status: 'False',
            reason: 'BackendInitializationFailed',
            message: `secret "${String(secretName)}" not found`,
          },
    );
    const status = {
      ...asRecord(storage.status),
      phase: secretFound ? 'Ready' : 'NotReady',
      totalSize: formatBytes(total),
      repositories: repos,
      conditions,
    };
    if (!sameJson(status, storage.status))
      this.state.updateStatus({ ...storage, status }, { skipAdmission: true });
    if (secretFound) this.sync?.request(storage);
  }

  reconcileConfiguration(bc: KubeObject): void {
    const namespace = bc.metadata.namespace ?? '';
    const target = asRecord(getPath(bc, ['spec', 'target']));
    const invalid = this.validateConfiguration(bc);
    if (invalid) {
      this.report(bc, new Error(invalid));
      return;
    }
    const targetKind = text(target.kind);
    const targetFound =
      isEngineKind(targetKind) &&
      !!this.state.get(DB_API, targetKind, text(target.namespace, namespace), text(target.name));
    const backends = (
      Array.isArray(getPath(bc, ['spec', 'backends']))
        ? (getPath(bc, ['spec', 'backends']) as unknown[])
        : []
    ).map(asRecord);
    const backendStatus = backends.map((b) => {
      const storageRef = ref(b.storageRef);
      const storage = this.state.get(
        STORAGE_API,
        'BackupStorage',
        storageRef.namespace ?? namespace,
        storageRef.name,
      );
      const policyRef = ref(b.retentionPolicy);
      const policyFound =
        !policyRef.name ||
        !!this.state.get(
          STORAGE_API,
          'RetentionPolicy',
          policyRef.namespace ?? namespace,
          policyRef.name,
        );
      const storagePhase = storage
        ? text(getPath(storage, ['status', 'phase']), 'NotReady')
        : 'NotReady';
      return {
        name: text(b.name),
        ready: storagePhase === 'Ready' && policyFound,
        storage: {
          ref: { name: storageRef.name, namespace: storageRef.namespace ?? namespace },
          phase: storagePhase,
        },
        retentionPolicy: {
          ref: { name: policyRef.name, namespace: policyRef.namespace ?? namespace },
          found: policyFound,
        },
      };
    });
    const repositories: { name: string; phase: string }[] = [];
    for (const session of sessionsOf(bc)) {
      for (const repo of (Array.isArray(session.repositories) ? session.repositories : []).map(
        asRecord,
      )) {
        const backend = backends.find((b) => b.name === repo.backend);
        repositories.push({
          name: String(repo.name),
          phase: this.ensureRepository(bc, repo, backend) ? 'Ready' : 'NotReady',
        });
      }
    }
    const ready =
      targetFound &&
      backendStatus.every((b) => b.ready) &&
      repositories.every((r) => r.phase === 'Ready');
    const sessions = sessionsOf(bc).map((s) => {
      const next = this.schedule(s)?.next(new Date(this.simNow));
      return {
        name: String(s.name),
        ...(next ? { nextSchedule: next.toISOString().replace('.000Z', 'Z') } : {}),
      };
    });
    let conditions = getConditions(bc).filter((c) => c.type !== 'ReconcileFailed');
    conditions = setCondition(conditions, {
      type: 'ValidationPassed',
      status: 'True',
      reason: 'ResourceValidationPassed',
      message: 'Resource validation passed',
    });
    conditions = setCondition(
      conditions,
      ready
        ? {
            type: 'SchedulerEnsured',
            status: 'True',
            reason: 'SchedulerEnsured',
            message: 'Scheduler has been ensured successfully',
          }
        : {
            type: 'SchedulerEnsured',
            status: 'False',
            reason: 'SchedulerNotEnsured',
            message: targetFound ? 'Waiting for the backends to be ready' : 'Target not found',
          },
    );
    const status = {
      ...asRecord(bc.status),
      phase: ready ? 'Ready' : 'NotReady',
      targetFound,
      backends: backendStatus,
      repositories,
      sessions,
      conditions,
    };
    if (!sameJson(status, bc.status))
      this.state.updateStatus({ ...bc, status }, { skipAdmission: true });
    if (
      ready &&
      getPath(bc, ['spec', 'paused']) !== true &&
      !this.initialRunDone.has(bc.metadata.uid ?? '')
    ) {
      this.initialRunDone.add(bc.metadata.uid ?? '');
      for (const s of sessionsOf(bc))
        if (getPath(s, ['scheduler', 'suspend']) !== true) this.trigger(bc, String(s.name));
    }
  }

  /** What the KubeStash webhook/operator would refuse in an otherwise schema-valid object. */
  private validateConfiguration(bc: KubeObject): string | undefined {
    const target = getPath(bc, ['spec', 'target']);
    if (target === undefined) return 'spec.target is required: the target of the backup is not set';
    const t = asRecord(target);
    if (!text(t.kind)) return 'spec.target.kind is required';
    if (!text(t.name)) return 'spec.target.name is required';
    if (sessionsOf(bc).length === 0) return 'spec.sessions: at least one session is required';
    return undefined;
  }

  private ensureRepository(
    bc: KubeObject,
    repo: Record<string, unknown>,
    backend: Record<string, unknown> | undefined,
  ): boolean {
    const namespace = bc.metadata.namespace ?? '';
    const name = text(repo.name);
    if (!backend) return false;
    const existing = this.state.get(STORAGE_API, 'Repository', namespace, name);
    if (existing) return true;
    const target = asRecord(getPath(bc, ['spec', 'target']));
    const storageRef = ref(backend.storageRef);
    const created = this.state.create(
      {
        apiVersion: STORAGE_API,
        kind: 'Repository',
        metadata: {
          name,
          namespace,
          labels: {
            'kubestash.com/invoker-kind': 'BackupConfiguration',
            'kubestash.com/invoker-name': bc.metadata.name ?? '',
          },
        },
        spec: {
          appRef: {
            apiGroup: target.apiGroup ?? 'kubedb.com',
            kind: target.kind,
            name: target.name,
            namespace: target.namespace ?? namespace,
          },
          storageRef: { name: storageRef.name, namespace: storageRef.namespace ?? namespace },
          path: text(repo.directory, `/${name}`),
          ...(repo.encryptionSecret ? { encryptionSecret: repo.encryptionSecret } : {}),
          deletionPolicy: repo.deletionPolicy === 'WipeOut' ? 'WipeOut' : 'Delete',
        },
      },
      { skipAdmission: true },
    );
    this.state.updateStatus(
      { ...created, status: { phase: 'Ready', integrity: true, snapshotCount: 0, size: '0 B' } },
      { skipAdmission: true },
    );
    return true;
  }

  /** Creates a BackupSession `<bc>-<session>-<unix>` (what the trigger CronJob does). */
  trigger(bc: KubeObject, session: string): void {
    const unix = Math.floor(this.simNow / 1000);
    let name = `${bc.metadata.name}-${session}-${unix}`;
    for (let i = 1; this.state.get(CORE_API, 'BackupSession', bc.metadata.namespace, name); i++)
      name = `${bc.metadata.name}-${session}-${unix + i}`;
    this.state.create(
      {
        apiVersion: CORE_API,
        kind: 'BackupSession',
        metadata: {
          name,
          namespace: bc.metadata.namespace,
          labels: {
            'kubestash.com/invoker-kind': 'BackupConfiguration',
            'kubestash.com/invoker-name': bc.metadata.name ?? '',
            'kubestash.com/session': session,
          },
          ownerReferences: [
            {
              apiVersion: bc.apiVersion,
              kind: bc.kind,
              name: bc.metadata.name ?? '',
              uid: bc.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          invoker: {
            apiGroup: 'core.kubestash.com',
            kind: 'BackupConfiguration',
            name: bc.metadata.name,
          },
          session,
        },
      },
      { skipAdmission: true },
    );
  }

  /** Starts the run of a new BackupSession (once). */
  reconcileSession(bs: KubeObject): void {
    this.runner.reconcileSession(bs);
  }
}
