/**
 * The KubeDB ops-manager: per database one OpsRequest at a time, oldest first; older Pending
 * duplicates of the same type Skipped (Reconfigure exempt); `apply: IfReady` waits for a Ready
 * database; Pending -> Progressing -> Successful | Failed with step conditions; `spec.timeout`
 * bounds every step; the database carries `Paused=True` while an operation holds it.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { DB_API, ENGINES, OPS_API, type EngineKind } from './engines';
import type { FaultRegistry } from './faults';
import { OpsRun } from './ops-run';
import { handlerFor, type OpsDeps, type StepRunner } from './ops-types';
import type { Runtime, WorkQueue } from './runtime';
import {
  asRecord,
  getConditions,
  getPath,
  parseGoDuration,
  removeCondition,
  setCondition,
  type Condition,
  text,
} from './util';

/** The step timeout when `spec.timeout` is absent (simulated time). */
export const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;

class StepFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export class OpsController {
  private readonly active = new Map<string, AbortController>();
  private readonly arrival = new Map<string, number>();
  private sequence = 0;

  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    private readonly queue: () => WorkQueue,
    private readonly faults: FaultRegistry,
    private readonly deps: OpsDeps & {
      nudgeDatabase: (kind: EngineKind, namespace: string, name: string) => void;
    },
  ) {}

  /** Records the order OpsRequests arrive in (creationTimestamp has only second precision). */
  noteArrival(ops: KubeObject): void {
    const uid = ops.metadata.uid ?? '';
    if (!this.arrival.has(uid)) this.arrival.set(uid, this.sequence++);
  }

  forget(ops: KubeObject): void {
    this.arrival.delete(ops.metadata.uid ?? '');
  }

  reconcile(kind: EngineKind, namespace: string, dbName: string): void {
    const info = ENGINES[kind];
    const all = this.state
      .list(OPS_API, info.opsKind, { namespace })
      .filter(
        (o) =>
          getPath(o, ['spec', 'databaseRef', 'name']) === dbName && !o.metadata.deletionTimestamp,
      );
    for (const o of all) this.noteArrival(o);
    const order = (o: KubeObject): [string, number] => [
      o.metadata.creationTimestamp ?? '',
      this.arrival.get(o.metadata.uid ?? '') ?? 0,
    ];
    const sorted = [...all].sort((a, b) => {
      const [ta, sa] = order(a);
      const [tb, sb] = order(b);
      return ta < tb ? -1 : ta > tb ? 1 : sa - sb;
    });
    const phaseOf = (o: KubeObject): string => text(getPath(o, ['status', 'phase']));
    for (const o of sorted) if (phaseOf(o) === '') this.writeOps(o, 'Pending', getConditions(o));
    let pending = sorted.filter((o) => ['', 'Pending'].includes(phaseOf(o)));
    const newestByType = new Map<string, KubeObject>();
    for (const o of pending) newestByType.set(String(getPath(o, ['spec', 'type'])), o);
    for (const o of pending) {
      const type = String(getPath(o, ['spec', 'type']));
      const newest = newestByType.get(type);
      if (type !== 'Reconfigure' && newest && newest !== o) {
        const conditions = setCondition(getConditions(this.fresh(o)), {
          type: 'Skipped',
          status: 'True',
          reason: 'OpsRequestSkipped',
          message: `Skipped in favour of the newer ${info.opsKind} ${newest.metadata.name} of the same type`,
        });
        this.writeOps(this.fresh(o), 'Skipped', conditions);
      }
    }
    pending = pending.filter((o) => phaseOf(this.fresh(o)) !== 'Skipped');
    const key = `${namespace}/${dbName}/${kind}`;
    if (this.active.has(key)) return;
    for (const o of sorted.filter((x) => phaseOf(x) === 'Progressing')) {
      // A run that no longer exists in this operator (it never survives a restart) cannot finish.
      this.fail(this.fresh(o), 'Progressing', 'the operation was interrupted', 'Interrupted');
    }
    const next = pending[0];
    if (!next) return;
    const db = this.state.get(DB_API, kind, namespace, dbName);
    if (!db)
      return this.fail(
        this.fresh(next),
        'DatabaseRef',
        `${info.plural}.kubedb.com "${dbName}" not found`,
        'DatabaseNotFound',
      );
    if (
      getPath(next, ['spec', 'apply']) !== 'Always' &&
      getPath(db, ['status', 'phase']) !== 'Ready'
    )
      return;
    this.start(kind, this.fresh(next), key);
  }

  private fresh(o: KubeObject): KubeObject {
    return this.state.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name ?? '') ?? o;
  }

  private writeOps(o: KubeObject, phase: string, conditions: Condition[]): void {
    const current = this.fresh(o);
    const status = {
      ...asRecord(current.status),
      phase,
      observedGeneration: current.metadata.generation ?? 1,
      conditions,
    };
    this.state.updateStatus({ ...current, status }, { skipAdmission: true });
  }

  private fail(o: KubeObject, step: string, message: string, reason: string): void {
    const conditions = setCondition(getConditions(o), {
      type: step,
      status: 'False',
      reason,
      message,
    });
    this.writeOps(
      o,
      'Failed',
      setCondition(conditions, {
        type: 'Failed',
        status: 'True',
        reason: 'OpsRequestFailed',
        message,
      }),
    );
  }

  private setPaused(
    kind: EngineKind,
    namespace: string,
    name: string,
    ops: KubeObject | undefined,
  ): void {
    const db = this.state.get(DB_API, kind, namespace, name);
    if (!db) return;
    const conditions = ops
      ? setCondition(getConditions(db), {
          type: 'Paused',
          status: 'True',
          reason: 'SuccessfullyPausedDatabase',
          message: `${kind} ${namespace}/${name} is paused by ${ENGINES[kind].opsKind} ${ops.metadata.name}`,
        })
      : removeCondition(getConditions(db), 'Paused');
    this.state.updateStatus(
      { ...db, status: { ...asRecord(db.status), conditions } },
      { skipAdmission: true },
    );
  }

  private start(kind: EngineKind, ops: KubeObject, key: string): void {
    const controller = new AbortController();
    this.active.set(key, controller);
    const dbName = String(getPath(ops, ['spec', 'databaseRef', 'name']));
    const namespace = ops.metadata.namespace ?? '';
    void this.run(kind, ops, controller.signal)
      .catch(() => undefined)
      .finally(() => {
        this.active.delete(key);
        if (this.runtime.stopped) return;
        try {
          this.setPaused(kind, namespace, dbName, undefined);
        } catch {
          // The database may be gone or conflicting; the reconcile below sets it right.
        }
        this.queue().add(`ops:${kind}/${namespace}/${dbName}`);
      });
  }

  private async run(kind: EngineKind, ops: KubeObject, signal: AbortSignal): Promise<void> {
    const namespace = ops.metadata.namespace ?? '';
    const dbName = String(getPath(ops, ['spec', 'databaseRef', 'name']));
    const type = String(getPath(ops, ['spec', 'type']));
    const opsKind = ENGINES[kind].opsKind;
    const timeoutText = getPath(ops, ['spec', 'timeout']);
    const timeoutMs = parseGoDuration(timeoutText) ?? DEFAULT_STEP_TIMEOUT_MS;
    let conditions = setCondition(getConditions(ops), {
      type: 'Progressing',
      status: 'True',
      reason: 'OpsRequestProgressingStarted',
      message: `Controller has started to Progress the ${opsKind}: ${namespace}/${ops.metadata.name}`,
    });
    this.writeOps(ops, 'Progressing', conditions);
    this.deps.record(
      this.fresh(ops),
      'Normal',
      'Starting',
      `Start processing for ${opsKind}: ${namespace}/${ops.metadata.name}`,
    );
    this.setPaused(kind, namespace, dbName, ops);
    const fault = this.faults.takeOpsFault(namespace, dbName);
    const run = new OpsRun(this.state, this.runtime, kind, namespace, dbName, ops, () =>
      this.deps.nudgeDatabase(kind, namespace, dbName),
    );
    const step: StepRunner = async (stepType, message, fn) => {
      const stepAbort = new AbortController();
      const onAbort = (): void => stepAbort.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const cancel = this.runtime.after(timeoutMs, () => {
        timedOut = true;
        stepAbort.abort();
      });
      try {
        if (fault.stick) await this.runtime.waitFor(() => false, stepAbort.signal, 1000);
        if (fault.fail !== undefined) {
          await this.runtime.sleep(500, stepAbort.signal);
          throw new StepFailure(stepType, fault.fail, 'SimulatedFailure');
        }
        await fn(stepAbort.signal);
      } catch (error) {
        if (this.runtime.stopped) throw error;
        if (timedOut)
          throw new StepFailure(
            stepType,
            `step ${stepType} did not finish within the timeout of ${text(timeoutText, `${timeoutMs}ms`)}`,
            'Timeout',
          );
        if (error instanceof StepFailure) throw error;
        throw new StepFailure(
          stepType,
          error instanceof Error ? error.message : String(error),
          'Failed',
        );
      } finally {
        cancel();
        signal.removeEventListener('abort', onAbort);
      }
      conditions = setCondition(getConditions(this.fresh(ops)), {
        type: stepType,
        status: 'True',
        reason: stepType,
        message,
      });
      this.writeOps(ops, 'Progressing', conditions);
      this.deps.record(this.fresh(ops), 'Normal', stepType, message);
    };
    try {
      const handler = handlerFor(kind, type);
      if (!handler)
        throw new StepFailure(type, `${type} is not supported for ${kind}`, 'NotSupported');
      await handler(run, step, this.deps);
      conditions = setCondition(getConditions(this.fresh(ops)), {
        type: 'Successful',
        status: 'True',
        reason: 'OpsRequestProcessedSuccessfully',
        message: `Successfully completed the ${type} operation`,
      });
      this.writeOps(ops, 'Successful', conditions);
      this.deps.record(
        this.fresh(ops),
        'Normal',
        'Successful',
        `Successfully completed ${type} for ${kind} ${namespace}/${dbName}`,
      );
    } catch (error) {
      if (this.runtime.stopped) return;
      const failure =
        error instanceof StepFailure ? error : new StepFailure(type, String(error), 'Failed');
      this.fail(this.fresh(ops), failure.step, failure.message, failure.reason);
      this.deps.record(this.fresh(ops), 'Warning', 'Failed', `${failure.step}: ${failure.message}`);
    }
  }
}
