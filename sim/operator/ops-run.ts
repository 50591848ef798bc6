/**
 * What an OpsRequest run can do to its database: patch the spec (as the ops-manager does when an
 * operation lands), wait for the PetSets and pods to settle, roll pods one by one, resize PVCs.
 * Every wait is bounded by the run's signal (the step timeout, or the operator stopping).
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { findVersion, imagesOf } from './catalog';
import { petSetContainers } from './children';
import { DB_API, PETSET_API, type EngineKind } from './engines';
import { buildLayout, type GroupPlan, type Layout } from './layout';
import { isPodReady } from './petset-controller';
import type { Runtime } from './runtime';
import { asRecord, getPath, sameJson, text } from './util';

export class OpsRun {
  constructor(
    readonly state: ClusterState,
    readonly runtime: Runtime,
    readonly kind: EngineKind,
    readonly namespace: string,
    readonly dbName: string,
    readonly ops: KubeObject,
    private readonly nudge: () => void,
  ) {}

  /** The database as it is now (throws if it disappeared). */
  db(): KubeObject {
    const db = this.state.get(DB_API, this.kind, this.namespace, this.dbName);
    if (!db) throw new Error(`${this.kind} ${this.namespace}/${this.dbName} not found`);
    return db;
  }

  get opsSpec(): Record<string, unknown> {
    return asRecord(this.ops.spec);
  }

  layout(db = this.db()): Layout {
    return buildLayout(
      this.kind,
      db,
      imagesOf(
        this.kind,
        findVersion(this.state, this.kind, text(getPath(db, ['spec', 'version']))),
      ),
    );
  }

  /** Changes the database spec, as the ops-manager does, and lets the provisioner catch up. */
  patchDbSpec(mutate: (spec: Record<string, unknown>) => void): void {
    const db = this.db();
    const spec = structuredClone(asRecord(db.spec));
    mutate(spec);
    if (sameJson(spec, db.spec)) return;
    this.state.update({ ...db, spec }, { skipAdmission: true });
    this.nudge();
  }

  private groupSettled(group: GroupPlan): boolean {
    const petset = this.state.get(PETSET_API, 'PetSet', this.namespace, group.petset);
    if (!petset) return false;
    const containers = getPath(petset, ['spec', 'template', 'spec', 'containers']);
    const desired = petSetContainers(group);
    if (getPath(petset, ['spec', 'replicas']) !== group.replicas || !sameJson(containers, desired))
      return false;
    for (let i = 0; i < group.replicas; i++) {
      const pod = this.state.get('v1', 'Pod', this.namespace, `${group.petset}-${i}`);
      if (!pod || pod.metadata.deletionTimestamp || !isPodReady(pod)) return false;
    }
    return !this.state.get('v1', 'Pod', this.namespace, `${group.petset}-${group.replicas}`);
  }

  /** Waits until every PetSet matches the spec and every pod is ready. */
  async waitSettled(signal: AbortSignal): Promise<void> {
    await this.runtime.waitFor(
      () => this.layout().groups.every((g) => this.groupSettled(g)),
      signal,
    );
  }

  /** Deletes and waits for each pod in turn (followers first, the leader last). */
  async rollPods(signal: AbortSignal, only?: (group: GroupPlan) => boolean): Promise<void> {
    await this.waitSettled(signal);
    for (const group of this.layout().groups.filter((g) => !only || only(g))) {
      const pods: KubeObject[] = [];
      for (let i = group.replicas - 1; i >= 0; i--) {
        const pod = this.state.get('v1', 'Pod', this.namespace, `${group.petset}-${i}`);
        if (pod) pods.push(pod);
      }
      const leader = (p: KubeObject): number =>
        ['primary', 'master', 'Master'].includes(p.metadata.labels?.['kubedb.com/role'] ?? '')
          ? 1
          : 0;
      pods.sort((a, b) => leader(a) - leader(b));
      for (const pod of pods) await this.restartPod(pod, signal);
    }
  }

  private async restartPod(pod: KubeObject, signal: AbortSignal): Promise<void> {
    const name = pod.metadata.name ?? '';
    try {
      this.state.delete('v1', 'Pod', this.namespace, name, { skipAdmission: true });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
    await this.runtime.waitFor(() => {
      const next = this.state.get('v1', 'Pod', this.namespace, name);
      return !!next && next.metadata.uid !== pod.metadata.uid && isPodReady(next);
    }, signal);
  }

  /** Sets the size of the PVCs of the groups whose storage lives at `storagePath`. */
  resizeVolumes(storagePath: string[], size: string): void {
    for (const group of this.layout().groups) {
      if (!group.storagePath || !sameJson(group.storagePath, storagePath)) continue;
      for (const pvc of this.state.list('v1', 'PersistentVolumeClaim', {
        namespace: this.namespace,
      })) {
        const name = pvc.metadata.name ?? '';
        const prefix = `${group.claimName}-${group.petset}-`;
        if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) continue;
        this.state.patch(
          'v1',
          'PersistentVolumeClaim',
          this.namespace,
          name,
          { spec: { resources: { requests: { storage: size } } } },
          { skipAdmission: true },
        );
        this.state.patch(
          'v1',
          'PersistentVolumeClaim',
          this.namespace,
          name,
          { status: { capacity: { storage: size } } },
          { subresource: 'status', skipAdmission: true },
        );
      }
    }
  }

  /** Moves the PVCs of the groups at `storagePath` to another storage class. */
  migrateVolumes(storagePath: string[] | undefined, storageClassName: string): void {
    for (const group of this.layout().groups) {
      if (!group.storagePath || (storagePath && !sameJson(group.storagePath, storagePath)))
        continue;
      for (let i = 0; i < group.replicas; i++) {
        const name = `${group.claimName}-${group.petset}-${i}`;
        if (!this.state.get('v1', 'PersistentVolumeClaim', this.namespace, name)) continue;
        this.state.patch(
          'v1',
          'PersistentVolumeClaim',
          this.namespace,
          name,
          { spec: { storageClassName } },
          { skipAdmission: true },
        );
      }
    }
  }
}
