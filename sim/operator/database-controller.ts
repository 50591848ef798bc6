/**
 * The KubeDB provisioner for the six engines: finalizer and auth secret, workloads from the layout,
 * the condition walk ProvisioningStarted -> ReplicaReady -> AcceptingConnection -> Ready ->
 * Provisioned, health from pod readiness afterwards (Critical / NotReady), halting and resuming,
 * and the deletion policies on delete.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { findVersion, imagesOf } from './catalog';
import {
  authSecretName,
  deleteSecrets,
  deleteVolumes,
  deleteWorkloads,
  ensureAuthSecret,
  ensureWorkloads,
} from './children';
import { DB_API, type EngineKind } from './engines';
import type { EventRecorder } from './events';
import { buildLayout, podCount, type Layout } from './layout';
import { isPodReady, type PodRegistry } from './petset-controller';
import { derivePhase } from './phase';
import type { Runtime, WorkQueue } from './runtime';
import {
  asRecord,
  findCondition,
  getConditions,
  getPath,
  isTrue,
  nowIso,
  removeCondition,
  sameJson,
  setCondition,
  type Condition,
  text,
} from './util';

/** Simulated time between visible provisioning steps. */
export const STEP_MS = 1500;

export const KUBEDB_FINALIZER = 'kubedb.com';

export class DatabaseController {
  /** When AcceptingConnection first turned True during provisioning (real ms), per database. */
  private readonly acceptedAt = new Map<string, number>();

  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    private readonly queue: () => WorkQueue,
    private readonly pods: PodRegistry,
    private readonly random: () => number,
    private readonly record: EventRecorder,
  ) {}

  reconcile(kind: EngineKind, namespace: string, name: string): void {
    const key = `${kind}/${namespace}/${name}`;
    const db = this.state.get(DB_API, kind, namespace, name);
    if (!db) {
      this.acceptedAt.delete(key);
      return;
    }
    if (db.metadata.deletionTimestamp) return this.finalize(kind, db);
    const spec = asRecord(db.spec);
    const finalizers = db.metadata.finalizers ?? [];
    if (
      !finalizers.includes(KUBEDB_FINALIZER) ||
      typeof getPath(spec, ['authSecret', 'name']) !== 'string'
    ) {
      // The operator writes the auth secret name back into the spec (a visible generation bump).
      this.state.update(
        {
          ...db,
          metadata: {
            ...db.metadata,
            finalizers: [...finalizers.filter((f) => f !== KUBEDB_FINALIZER), KUBEDB_FINALIZER],
          },
          spec: {
            ...spec,
            authSecret: { kind: 'Secret', ...asRecord(spec.authSecret), name: authSecretName(db) },
          },
        },
        { skipAdmission: true },
      );
      return;
    }
    let conditions = getConditions(db);
    const extra: Record<string, unknown> = {};
    if (!isTrue(conditions, 'ProvisioningStarted')) {
      conditions = setCondition(conditions, {
        type: 'ProvisioningStarted',
        status: 'True',
        reason: 'DatabaseProvisioningStartedSuccessfully',
        message: `The KubeDB operator has started the provisioning of ${kind}: ${namespace}/${name}`,
        observedGeneration: db.metadata.generation,
      });
      this.queue().addAfter(`db:${key}`, STEP_MS / 3);
      return this.writeStatus(db, conditions, extra);
    }
    if (ensureAuthSecret(this.state, kind, db, this.random) && kind !== 'Elasticsearch') {
      extra.authSecret = { lastUpdateTimestamp: nowIso() };
    }
    if (spec.halted === true) {
      deleteWorkloads(this.state, kind, db);
      conditions = setCondition(conditions, {
        type: 'Halted',
        status: 'True',
        reason: 'DatabaseHaltedSuccessfully',
        message: `${kind} ${namespace}/${name} is halted`,
        observedGeneration: db.metadata.generation,
      });
      return this.writeStatus(db, conditions, extra);
    }
    if (conditions.some((c) => c.type === 'Halted'))
      conditions = removeCondition(conditions, 'Halted');
    const layout = buildLayout(
      kind,
      db,
      imagesOf(kind, findVersion(this.state, kind, text(spec.version))),
    );
    ensureWorkloads(this.state, kind, db, layout, this.pods);
    conditions = this.health(kind, db, key, layout, conditions);
    this.writeStatus(db, conditions, extra);
  }

  /** Pod readiness -> ReplicaReady / AcceptingConnection / Ready (and Provisioned once). */
  private health(
    kind: EngineKind,
    db: KubeObject,
    key: string,
    layout: Layout,
    conditions: Condition[],
  ): Condition[] {
    const desired = podCount(layout);
    const ready = this.readyPods(db, layout);
    const allReady = desired > 0 && ready >= desired;
    const generation = db.metadata.generation;
    const waitsForRestore =
      getPath(db, ['spec', 'init', 'waitForInitialRestore']) === true &&
      !isTrue(conditions, 'DataRestored');
    let next = conditions;
    const set = (
      type: string,
      ok: boolean,
      okReason: string,
      badReason: string,
      message: string,
    ): void => {
      next = setCondition(next, {
        type,
        status: ok ? 'True' : 'False',
        reason: ok ? okReason : badReason,
        message,
        observedGeneration: generation,
      });
    };
    const ref = `${kind}: ${db.metadata.namespace}/${db.metadata.name}`;
    if (!isTrue(conditions, 'Provisioned')) {
      if (!allReady) return next;
      const firstTime = !isTrue(conditions, 'AcceptingConnection');
      set(
        'ReplicaReady',
        true,
        'AllReplicasReady',
        'SomeReplicasNotReady',
        `All replicas of ${ref} are ready`,
      );
      set(
        'AcceptingConnection',
        true,
        'DatabaseAcceptingConnectionRequest',
        'DatabaseNotAcceptingConnectionRequest',
        `The ${ref} is accepting client requests`,
      );
      if (firstTime) this.acceptedAt.set(key, Date.now());
      if (waitsForRestore) return next;
      const elapsed = Date.now() - (this.acceptedAt.get(key) ?? 0);
      const wait = this.runtime.scale(STEP_MS) - elapsed;
      if (wait > 1) {
        this.queue().addAfter(`db:${key}`, wait * this.runtime.speed);
        return next;
      }
      set('Ready', true, 'ReadinessCheckSucceeded', 'ReadinessCheckFailed', `The ${ref} is ready`);
      next = setCondition(next, {
        type: 'Provisioned',
        status: 'True',
        reason: 'DatabaseSuccessfullyProvisioned',
        message: `The ${ref} is successfully provisioned`,
        observedGeneration: generation,
      });
      this.acceptedAt.delete(key);
      return next;
    }
    set(
      'ReplicaReady',
      allReady,
      'AllReplicasReady',
      'SomeReplicasNotReady',
      allReady
        ? `All replicas of ${ref} are ready`
        : `${ready} of ${desired} replicas of ${ref} are ready`,
    );
    set(
      'AcceptingConnection',
      ready > 0,
      'DatabaseAcceptingConnectionRequest',
      'DatabaseNotAcceptingConnectionRequest',
      ready > 0
        ? `The ${ref} is accepting client requests`
        : `The ${ref} is not accepting client requests`,
    );
    set(
      'Ready',
      allReady,
      'ReadinessCheckSucceeded',
      'ReadinessCheckFailed',
      allReady ? `The ${ref} is ready` : `Readiness check failed for ${ref}`,
    );
    return next;
  }

  private readyPods(db: KubeObject, layout: Layout): number {
    let ready = 0;
    for (const group of layout.groups) {
      for (let i = 0; i < group.replicas; i++) {
        const pod = this.state.get('v1', 'Pod', db.metadata.namespace, `${group.petset}-${i}`);
        if (pod && !pod.metadata.deletionTimestamp && isPodReady(pod)) ready++;
      }
    }
    return ready;
  }

  private writeStatus(
    db: KubeObject,
    conditions: Condition[],
    extra: Record<string, unknown>,
  ): void {
    const old = asRecord(db.status);
    const status: Record<string, unknown> = {
      ...old,
      ...extra,
      conditions,
      phase: derivePhase(conditions),
    };
    if (isTrue(conditions, 'ProvisioningStarted'))
      status.observedGeneration = db.metadata.generation;
    if (status.phase === '') delete status.phase;
    if (sameJson(status, old)) return;
    const written = this.state.updateStatus({ ...db, status }, { skipAdmission: true });
    const before = getConditions(db);
    const ref = `${db.kind} ${db.metadata.namespace}/${db.metadata.name}`;
    if (isTrue(conditions, 'Provisioned') && !isTrue(before, 'Provisioned')) {
      this.record(written, 'Normal', 'Successful', `Successfully provisioned ${ref}`);
    }
    if (isTrue(conditions, 'Halted') && !isTrue(before, 'Halted')) {
      this.record(written, 'Normal', 'Halted', `Successfully halted ${ref}`);
    }
    if (
      status.phase !== old.phase &&
      (status.phase === 'Critical' || status.phase === 'NotReady')
    ) {
      this.record(
        written,
        'Warning',
        String(status.phase),
        `${ref} is ${String(status.phase)}: ${text(findCondition(conditions, 'ReplicaReady')?.message)}`,
      );
    }
  }

  /** Applies the deletion policy, then lets the object go. */
  private finalize(kind: EngineKind, db: KubeObject): void {
    const policy = text(getPath(db, ['spec', 'deletionPolicy']), 'Delete');
    deleteWorkloads(this.state, kind, db);
    if (policy === 'Delete' || policy === 'WipeOut') deleteVolumes(this.state, kind, db);
    if (policy === 'WipeOut') deleteSecrets(this.state, kind, db);
    const finalizers = db.metadata.finalizers ?? [];
    if (finalizers.includes(KUBEDB_FINALIZER)) {
      this.state.update(
        {
          ...db,
          metadata: {
            ...db.metadata,
            finalizers: finalizers.filter((f) => f !== KUBEDB_FINALIZER),
          },
        },
        { skipAdmission: true },
      );
    }
  }

  /** The database a pod, PVC or PetSet belongs to, as a queue key (undefined if none). */
  static keyForChild(
    obj: KubeObject,
    kindOfPlural: (plural: string) => EngineKind | undefined,
  ): string | undefined {
    const labels = obj.metadata.labels ?? {};
    if (labels['app.kubernetes.io/managed-by'] !== 'kubedb.com') return undefined;
    const kind = kindOfPlural(
      (labels['app.kubernetes.io/name'] ?? '').replace(/\.kubedb\.com$/, ''),
    );
    const instance = labels['app.kubernetes.io/instance'];
    if (!kind || !instance) return undefined;
    return `${kind}/${obj.metadata.namespace ?? ''}/${instance}`;
  }
}
