/**
 * The PetSet controller and kubelet in one: keeps pods `<petset>-0..n-1` and their PVCs
 * `data-<pod>` in line with each PetSet, starts pods after a realistic delay, reports pod readiness
 * (honouring crash / down faults), and, like KubeDB's coordinator sidecars, keeps the
 * `kubedb.com/role` labels on the pods (failing over to a ready pod when the primary is not ready).
 */
import { createHash } from 'node:crypto';
import type { ClusterState, KubeObject } from '../core/contract';
import { PETSET_API, engineByPlural } from './engines';
import type { FaultRegistry } from './faults';
import { runningStatus, startingStatus } from './pod-status';
import type { RoleMode } from './layout';
import {
  DATA_PLANE_ANNOTATION,
  STANDBY_OF_ANNOTATION,
  dataPlaneAnnotations,
  type RealPods,
} from './real-pods';
import type { Runtime, WorkQueue } from './runtime';
import { asNumber, asRecord, getPath, ownerRef, sameJson } from './util';

/** Simulated time for a pod to pull, init and pass its readiness probe. */
export const POD_START_MS = 4000;

const ROLE_LABEL = 'kubedb.com/role';

/** Role names per mode: [leader, follower]. */
const ROLE_NAMES: Record<Exclude<RoleMode, 'none'>, [string, string]> = {
  'primary-standby': ['primary', 'standby'],
  'master-slave': ['master', 'slave'],
  'Master-Slave': ['Master', 'Slave'],
};

/** The template hash pods carry in `controller-revision-hash`. */
export function revisionOf(petset: KubeObject): string {
  const template = getPath(petset, ['spec', 'template']);
  const hash = createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest('hex')
    .slice(0, 10);
  return `${petset.metadata.name}-${hash}`;
}

/** Shared memory of the pod lifecycle, read by other controllers. */
export class PodRegistry {
  /** uids of pods whose start delay has passed. */
  readonly started = new Set<string>();
  /** PetSet key -> how its pods are labelled. */
  readonly roleModes = new Map<string, RoleMode>();
  /** PetSet key -> pod name the next failover must pick (ForceFailOver). */
  readonly forcedPrimary = new Map<string, string>();
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions = getPath(pod, ['status', 'conditions']);
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => asRecord(c).type === 'Ready' && asRecord(c).status === 'True')
  );
}

export class PetSetController {
  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    private readonly queue: () => WorkQueue,
    private readonly faults: FaultRegistry,
    private readonly pods: PodRegistry,
    /** The real data plane's side of the kubelet, when the cluster has one. */
    private readonly real?: RealPods,
  ) {}

  reconcile(namespace: string, name: string): void {
    const petset = this.state.get(PETSET_API, 'PetSet', namespace, name);
    if (!petset || petset.metadata.deletionTimestamp) return;
    const replicas = asNumber(getPath(petset, ['spec', 'replicas']), 1);
    const revision = revisionOf(petset);
    const owned = this.ownedPods(petset);
    for (let i = 0; i < replicas; i++) {
      const podName = `${name}-${i}`;
      this.ensurePvcs(petset, podName);
      if (!owned.some((p) => p.metadata.name === podName))
        this.createPod(petset, podName, i, revision);
    }
    for (const pod of owned) {
      const ordinal = Number(pod.metadata.labels?.['apps.kubernetes.io/pod-index'] ?? -1);
      if (ordinal >= replicas && !pod.metadata.deletionTimestamp) {
        this.state.delete('v1', 'Pod', namespace, pod.metadata.name ?? '', { skipAdmission: true });
      }
    }
    const live = this.ownedPods(petset).filter((p) => !p.metadata.deletionTimestamp);
    for (const pod of live) this.syncPodStatus(pod, petset);
    this.syncRoles(petset);
    this.syncPetSetStatus(petset, revision);
  }

  private ownedPods(petset: KubeObject): KubeObject[] {
    const uid = petset.metadata.uid;
    const selector = asRecord(getPath(petset, ['spec', 'selector', 'matchLabels'])) as Record<
      string,
      string
    >;
    return this.state
      .list('v1', 'Pod', { namespace: petset.metadata.namespace, labels: selector })
      .filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === uid));
  }

  private ensurePvcs(petset: KubeObject, podName: string): void {
    const templates = getPath(petset, ['spec', 'volumeClaimTemplates']);
    if (!Array.isArray(templates)) return;
    const namespace = petset.metadata.namespace;
    for (const t of templates as KubeObject[]) {
      const pvcName = `${t.metadata?.name ?? 'data'}-${podName}`;
      if (this.state.get('v1', 'PersistentVolumeClaim', namespace, pvcName)) continue;
      const spec = structuredClone(asRecord(t.spec));
      const created = this.state.create(
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: pvcName,
            namespace,
            labels: {
              ...(asRecord(getPath(petset, ['spec', 'selector', 'matchLabels'])) as Record<
                string,
                string
              >),
            },
            annotations: {
              'pv.kubernetes.io/bind-completed': 'yes',
              'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
            },
          },
          spec: { ...spec, volumeMode: 'Filesystem' },
        },
        { skipAdmission: true },
      );
      const size = getPath(spec, ['resources', 'requests', 'storage']);
      this.state.patch(
        'v1',
        'PersistentVolumeClaim',
        namespace,
        pvcName,
        { spec: { volumeName: `pvc-${created.metadata.uid}` } },
        { skipAdmission: true },
      );
      this.state.patch(
        'v1',
        'PersistentVolumeClaim',
        namespace,
        pvcName,
        {
          status: {
            phase: 'Bound',
            accessModes: spec.accessModes ?? ['ReadWriteOnce'],
            capacity: { storage: size },
          },
        },
        { subresource: 'status', skipAdmission: true },
      );
    }
  }

  private createPod(petset: KubeObject, podName: string, ordinal: number, revision: string): void {
    const namespace = petset.metadata.namespace;
    const template = structuredClone(asRecord(getPath(petset, ['spec', 'template'])));
    const meta = asRecord(template.metadata);
    const spec = asRecord(template.spec);
    const mode = this.pods.roleModes.get(`${namespace}/${petset.metadata.name}`) ?? 'none';
    const labels: Record<string, string> = {
      ...(asRecord(meta.labels) as Record<string, string>),
      'statefulset.kubernetes.io/pod-name': podName,
      'apps.kubernetes.io/pod-index': String(ordinal),
      'controller-revision-hash': revision,
    };
    if (mode !== 'none') labels[ROLE_LABEL] = ROLE_NAMES[mode][1];
    const templates = getPath(petset, ['spec', 'volumeClaimTemplates']);
    const volumes: unknown[] = Array.isArray(spec.volumes) ? [...(spec.volumes as unknown[])] : [];
    if (Array.isArray(templates)) {
      for (const t of templates as KubeObject[]) {
        const claim = t.metadata?.name ?? 'data';
        volumes.push({ name: claim, persistentVolumeClaim: { claimName: `${claim}-${podName}` } });
      }
    }
    const pod = this.state.create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          namespace,
          labels,
          annotations: { ...(asRecord(meta.annotations) as Record<string, string>) },
          ownerReferences: [ownerRef(petset)],
        },
        spec: {
          ...spec,
          volumes,
          hostname: podName,
          subdomain: getPath(petset, ['spec', 'serviceName']),
          nodeName: `sim-node-${(ordinal % 3) + 1}`,
          restartPolicy: 'Always',
        },
      },
      { skipAdmission: true },
    );
    this.writePodStatus(pod, startingStatus(pod));
    const uid = pod.metadata.uid ?? '';
    const key = `${namespace}/${petset.metadata.name}`;
    this.runtime.after(POD_START_MS * (0.75 + 0.1 * (ordinal % 5)), () => {
      this.pods.started.add(uid);
      this.queue().add(`ps:${key}`);
    });
  }

  private syncPodStatus(pod: KubeObject, petset: KubeObject): void {
    if (!this.pods.started.has(pod.metadata.uid ?? '')) return;
    const namespace = pod.metadata.namespace ?? '';
    const labels = pod.metadata.labels ?? {};
    const engine = engineByPlural(
      (labels['app.kubernetes.io/name'] ?? '').replace(/\.kubedb\.com$/, ''),
    );
    const crashed = this.faults.isCrashed(namespace, pod.metadata.name ?? '');
    const down = engine
      ? this.faults.isDown(engine.kind, namespace, labels['app.kubernetes.io/instance'] ?? '')
      : false;
    const real = this.real?.sync(pod, petset);
    if (real) this.syncAnnotations(pod, dataPlaneAnnotations(real));
    const next = runningStatus(pod, crashed, down, real);
    if (!sameJson(next, pod.status)) this.writePodStatus(pod, next);
  }

  private syncAnnotations(pod: KubeObject, wanted: Record<string, string | null>): void {
    const have = pod.metadata.annotations ?? {};
    const patch: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(wanted))
      if ((have[key] ?? null) !== value) patch[key] = value;
    if (Object.keys(patch).length === 0) return;
    const written = this.state.patch(
      'v1',
      'Pod',
      pod.metadata.namespace,
      pod.metadata.name ?? '',
      { metadata: { annotations: patch } },
      { skipAdmission: true },
    );
    pod.metadata = written.metadata;
  }

  private writePodStatus(pod: KubeObject, status: Record<string, unknown>): void {
    this.state.updateStatus({ ...pod, status }, { skipAdmission: true });
  }

  /** Keeps exactly one leader among the ready pods, preferring the current one. */
  private syncRoles(petset: KubeObject): void {
    const key = `${petset.metadata.namespace}/${petset.metadata.name}`;
    const mode = this.pods.roleModes.get(key) ?? 'none';
    if (mode === 'none') return;
    const [leader, follower] = ROLE_NAMES[mode];
    const pods = this.ownedPods(petset)
      .filter((p) => !p.metadata.deletionTimestamp)
      .sort(
        (a, b) =>
          Number(a.metadata.labels?.['apps.kubernetes.io/pod-index']) -
          Number(b.metadata.labels?.['apps.kubernetes.io/pod-index']),
      );
    const ready = pods.filter(isPodReady);
    const forced = this.pods.forcedPrimary.get(key);
    let chosen = forced ? ready.find((p) => p.metadata.name === forced) : undefined;
    if (chosen) this.pods.forcedPrimary.delete(key);
    // A pod with a real primary process is the primary whenever it is ready; while it is not, the
    // role stays where it is rather than move to a read-only real standby (no promotion here).
    const realPrimary = (p: KubeObject): boolean =>
      p.metadata.annotations?.[DATA_PLANE_ANNOTATION] === 'real' &&
      !p.metadata.annotations[STANDBY_OF_ANNOTATION];
    const hasRealStandby = pods.some((p) => p.metadata.annotations?.[STANDBY_OF_ANNOTATION]);
    if (!chosen && hasRealStandby && !ready.some(realPrimary)) return;
    chosen ??=
      ready.find(realPrimary) ??
      ready.find((p) => p.metadata.labels?.[ROLE_LABEL] === leader) ??
      ready[0];
    if (!chosen) return;
    for (const pod of pods) {
      const role = pod.metadata.name === chosen.metadata.name ? leader : follower;
      if (pod.metadata.labels?.[ROLE_LABEL] !== role) {
        this.state.patch(
          'v1',
          'Pod',
          pod.metadata.namespace,
          pod.metadata.name ?? '',
          { metadata: { labels: { [ROLE_LABEL]: role } } },
          { skipAdmission: true },
        );
      }
    }
  }

  private syncPetSetStatus(petset: KubeObject, revision: string): void {
    const pods = this.ownedPods(petset).filter((p) => !p.metadata.deletionTimestamp);
    const ready = pods.filter(isPodReady).length;
    const updated = pods.filter(
      (p) => p.metadata.labels?.['controller-revision-hash'] === revision,
    ).length;
    const status = {
      observedGeneration: petset.metadata.generation ?? 1,
      replicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    };
    if (!sameJson(status, petset.status))
      this.state.updateStatus({ ...petset, status }, { skipAdmission: true });
  }
}
