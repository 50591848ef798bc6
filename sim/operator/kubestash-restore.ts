/**
 * KubeStash restore side: a RestoreSession goes Pending -> Running -> Succeeded | Failed, and its
 * target database shows DataRestoreStarted (phase DataRestoring) and then DataRestored (Ready, or
 * NotReady when the restore failed). A database created with `spec.init.waitForInitialRestore`
 * stays Provisioning until this happens.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { DB_API, isEngineKind } from './engines';
import { CORE_API, STORAGE_API } from './kubestash-backup';
import {
  isRealSnapshot,
  realInstance,
  realRestore,
  type RealBackupOptions,
} from './kubestash-real';
import { derivePhase } from './phase';
import type { FailureReporter } from './failure-status';
import type { Runtime } from './runtime';
import {
  asRecord,
  formatGoDuration,
  getConditions,
  getPath,
  isTrue,
  parseGoDuration,
  removeCondition,
  setCondition,
  type Condition,
  text,
} from './util';

const RESTORE_MS = 5000;
const DEFAULT_RESTORE_TIMEOUT_MS = 30 * 60_000;

/** What a restore strategy sees. */
export interface RestoreContext {
  state: ClusterState;
  runtime: Runtime;
  rs: KubeObject;
  /** The target database (it exists and accepts connections when a strategy runs). */
  db: KubeObject | undefined;
  /** The Snapshot `dataSource` names (`latest` resolved), if a succeeded one exists. */
  snapshot: KubeObject | undefined;
  /** Aborts on `restoreTimeout` and when the operator stops. */
  signal: AbortSignal;
  real?: RealBackupOptions;
}

export interface RestoreResult {
  /** Why the restore failed (names the cause, no secret); absent: it succeeded. */
  failed?: string;
  durationMs?: number;
  /** A short description of what was restored (e.g. bytes), for the component status. */
  detail?: string;
}

/** One way to restore: the first strategy that `applies` runs (PITR may add its own first). */
export interface RestoreStrategy {
  name: string;
  applies: (ctx: RestoreContext) => boolean;
  run: (ctx: RestoreContext) => Promise<RestoreResult>;
}

/** A simulated database or snapshot: phases only, no data moves. */
export const simulatedRestore: RestoreStrategy = {
  name: 'simulated',
  applies: () => true,
  run: async (ctx) => {
    await ctx.runtime.sleep(RESTORE_MS, ctx.signal);
    return ctx.snapshot
      ? {}
      : {
          failed: `no succeeded snapshot found in repository ${String(getPath(ctx.rs, ['spec', 'dataSource', 'repository']))}`,
        };
  },
};

/** A real snapshot into a database with a real process: the dump streamed back (psql, mariadb, RDB). */
export const logicalRestore: RestoreStrategy = {
  name: 'logical',
  applies: (ctx) =>
    !!ctx.real && isRealSnapshot(ctx.snapshot) && !!realInstance(ctx.real.dataPlane, ctx.db),
  // A target whose process is not running fails in realRestore's client (connection refused).
  run: async (ctx) => {
    const instance = realInstance(ctx.real?.dataPlane, ctx.db);
    if (!ctx.real || !ctx.db || !ctx.snapshot || !instance) return { failed: 'no real target' };
    const started = Date.now();
    const { bytes } = await realRestore(
      ctx.state,
      ctx.real,
      ctx.db,
      instance,
      ctx.snapshot,
      getPath(ctx.rs, ['spec', 'dataSource', 'encryptionSecret']),
      ctx.signal,
    );
    return {
      durationMs: Date.now() - started,
      detail: `${bytes} bytes from restic snapshot ${text(getPath(ctx.snapshot, ['spec', 'snapshotID'])).slice(0, 8)}`,
    };
  },
};

/**
 * Point-in-time recovery (`dataSource.pitr.targetTime`) of a database, done by `restore`
 * (sim/operator's PitrController): resolves to the failure reason, if any.
 */
export function pitrRestore(
  restore: (rs: KubeObject, db: KubeObject) => Promise<string | undefined>,
): RestoreStrategy {
  return {
    name: 'pitr',
    applies: (ctx) =>
      !!ctx.db && getPath(ctx.rs, ['spec', 'dataSource', 'pitr', 'targetTime']) !== undefined,
    run: async (ctx) => {
      if (!ctx.db) return { failed: 'no target' };
      const started = Date.now();
      const failed = await restore(ctx.rs, ctx.db);
      return failed ? { failed } : { durationMs: Date.now() - started };
    },
  };
}

/** The strategies a RestoreController tries in order. */
export const restoreStrategies: readonly RestoreStrategy[] = [logicalRestore, simulatedRestore];

export class RestoreController {
  private readonly running = new Set<string>();
  /** Tried in order; the first that applies restores. Add one in front with `unshift`. */
  readonly strategies: RestoreStrategy[];

  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    private readonly report: FailureReporter = () => undefined,
    private readonly real?: RealBackupOptions,
    strategies: readonly RestoreStrategy[] = restoreStrategies,
  ) {
    this.strategies = [...strategies];
  }

  reconcile(rs: KubeObject): void {
    const uid = rs.metadata.uid ?? '';
    if (this.running.has(uid) || getPath(rs, ['status', 'phase']) !== undefined) return;
    this.running.add(uid);
    void this.run(rs)
      .catch((error: unknown) => this.report(rs, error))
      .finally(() => this.running.delete(uid));
  }

  private write(
    rs: KubeObject,
    patch: Record<string, unknown>,
    condition?: Omit<Condition, 'lastTransitionTime'>,
  ): void {
    const current = this.state.get(
      CORE_API,
      'RestoreSession',
      rs.metadata.namespace,
      rs.metadata.name ?? '',
    );
    if (!current) return;
    const conditions = condition
      ? setCondition(getConditions(current), condition)
      : getConditions(current);
    this.state.updateStatus(
      { ...current, status: { ...asRecord(current.status), ...patch, conditions } },
      { skipAdmission: true },
    );
  }

  private targetOf(rs: KubeObject): { kind: string; namespace: string; name: string } {
    const target = asRecord(getPath(rs, ['spec', 'target']));
    return {
      kind: text(target.kind),
      namespace: text(target.namespace ?? rs.metadata.namespace),
      name: text(target.name),
    };
  }

  private db(rs: KubeObject): KubeObject | undefined {
    const t = this.targetOf(rs);
    return isEngineKind(t.kind) ? this.state.get(DB_API, t.kind, t.namespace, t.name) : undefined;
  }

  /** Rewrites the database conditions (and the phase they imply). */
  private setDbConditions(rs: KubeObject, change: (conditions: Condition[]) => Condition[]): void {
    const db = this.db(rs);
    if (!db) return;
    const conditions = change(getConditions(db));
    this.state.updateStatus(
      {
        ...db,
        status: { ...asRecord(db.status), conditions, phase: derivePhase(conditions) || undefined },
      },
      { skipAdmission: true },
    );
  }

  private findSnapshot(rs: KubeObject): KubeObject | undefined {
    const source = asRecord(getPath(rs, ['spec', 'dataSource']));
    const namespace = text(source.namespace ?? rs.metadata.namespace);
    const wanted = text(source.snapshot, 'latest');
    if (wanted !== 'latest') {
      const snap = this.state.get(STORAGE_API, 'Snapshot', namespace, wanted);
      return getPath(snap, ['status', 'phase']) === 'Succeeded' ? snap : undefined;
    }
    return this.state
      .list(STORAGE_API, 'Snapshot', {
        namespace,
        labels: { 'kubestash.com/repo-name': text(source.repository) },
      })
      .filter((s) => getPath(s, ['status', 'phase']) === 'Succeeded')
      .sort((a, b) =>
        String(getPath(a, ['status', 'snapshotTime'])).localeCompare(
          String(getPath(b, ['status', 'snapshotTime'])),
        ),
      )
      .pop();
  }

  private async run(rs: KubeObject): Promise<void> {
    const started = Date.now();
    this.write(rs, { phase: 'Pending' });
    const deadline = new AbortController();
    const timeout =
      parseGoDuration(getPath(rs, ['spec', 'restoreTimeout'])) ?? DEFAULT_RESTORE_TIMEOUT_MS;
    const cancel = this.runtime.after(timeout, () => deadline.abort());
    const duration = (): string => formatGoDuration((Date.now() - started) * this.runtime.speed);
    try {
      // Like KubeStash, wait until the target exists and accepts connections.
      await this.runtime.waitFor(
        () => {
          const db = this.db(rs);
          return !!db && isTrue(getConditions(db), 'AcceptingConnection');
        },
        deadline.signal,
        500,
      );
    } catch {
      cancel();
      if (this.runtime.stopped) return;
      this.write(
        rs,
        { phase: 'Failed', targetFound: !!this.db(rs), duration: duration() },
        {
          type: 'RestoreTargetFound',
          status: 'False',
          reason: 'TargetNotReady',
          message: 'The restore target was not found or did not become ready in time',
        },
      );
      return;
    }
    this.write(
      rs,
      { targetFound: true, totalComponents: 1 },
      {
        type: 'RestoreTargetFound',
        status: 'True',
        reason: 'TargetAvailable',
        message: 'Restore target found',
      },
    );
    const snapshot = this.findSnapshot(rs);
    this.setDbConditions(rs, (c) =>
      removeCondition(
        setCondition(c, {
          type: 'DataRestoreStarted',
          status: 'True',
          reason: 'DataRestoreStartedByExternalInitializer',
          message: `Data restore started by RestoreSession ${rs.metadata.namespace}/${rs.metadata.name}`,
        }),
        'DataRestored',
      ),
    );
    this.write(
      rs,
      { phase: 'Running', components: { dump: { phase: 'Running' } } },
      {
        type: 'RestoreExecutorEnsured',
        status: 'True',
        reason: 'SuccessfullyEnsuredRestoreExecutor',
        message: 'Restore executor has been ensured successfully',
      },
    );
    const db = this.db(rs);
    const ctx: RestoreContext = {
      state: this.state,
      runtime: this.runtime,
      rs,
      db,
      snapshot,
      signal: AbortSignal.any([deadline.signal, this.runtime.signal]),
      ...(this.real ? { real: this.real } : {}),
    };
    const strategy = this.strategies.find((s) => s.applies(ctx)) ?? simulatedRestore;
    let failed: string | undefined;
    let restored: RestoreResult = {};
    try {
      restored = await strategy.run(ctx);
      failed = restored.failed;
    } catch (error) {
      if (this.runtime.stopped) {
        cancel();
        return;
      }
      failed = deadline.signal.aborted
        ? 'restore timed out'
        : error instanceof Error
          ? error.message
          : String(error);
    }
    cancel();
    this.setDbConditions(rs, (c) =>
      setCondition(
        c,
        failed
          ? {
              type: 'DataRestored',
              status: 'False',
              reason: 'FailedToRestoreData',
              message: failed,
            }
          : {
              type: 'DataRestored',
              status: 'True',
              reason: 'SuccessfullyDataRestored',
              message: `Successfully restored data from snapshot ${snapshot?.metadata.name}`,
            },
      ),
    );
    if (!failed) this.markInitialized(rs);
    this.write(
      rs,
      {
        phase: failed ? 'Failed' : 'Succeeded',
        duration: duration(),
        components: {
          dump: failed
            ? { phase: 'Failed', error: failed }
            : {
                phase: 'Succeeded',
                duration: formatGoDuration(restored.durationMs ?? RESTORE_MS),
                ...(restored.detail ? { restored: restored.detail } : {}),
              },
        },
      },
      failed
        ? { type: 'RestoreCompleted', status: 'False', reason: 'RestoreFailed', message: failed }
        : {
            type: 'RestoreCompleted',
            status: 'True',
            reason: 'RestoreSucceeded',
            message: 'Restore has been completed successfully',
          },
    );
  }

  private markInitialized(rs: KubeObject): void {
    const db = this.db(rs);
    if (!db || getPath(db, ['spec', 'init']) === undefined) return;
    const spec = asRecord(db.spec);
    this.state.update(
      { ...db, spec: { ...spec, init: { ...asRecord(spec.init), initialized: true } } },
      { skipAdmission: true },
    );
  }
}
