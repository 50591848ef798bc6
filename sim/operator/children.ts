/**
 * The objects the KubeDB provisioner keeps for a database: the auth Secret, the Services and the
 * PetSets (REFERENCE section 5). Each `ensure*` is idempotent: it creates what is missing and
 * rewrites only what differs from the plan.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { ensureExtras } from './children-extras';
import { ENGINES, PETSET_API, baseLabels, type EngineKind } from './engines';
import type { GroupPlan, Layout, ServicePlan } from './layout';
import type { PodRegistry } from './petset-controller';
import { asRecord, b64, getPath, ownerRef, randomPassword, sameJson, text } from './util';

/** Labels the operator sets itself (selectors, roles): a database label never overrides them. */
const MANAGED_LABELS = new Set([
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/component',
  'kubedb.com/role',
]);

/** The database's own labels, which KubeDB copies to its PetSets, pods and services. */
function dbLabels(db: KubeObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(db.metadata.labels ?? {}).filter(([key]) => !MANAGED_LABELS.has(key)),
  );
}

/** The auth secret name the database uses (written back into the spec by the operator). */
export function authSecretName(db: KubeObject): string {
  const name = getPath(db, ['spec', 'authSecret', 'name']);
  return typeof name === 'string' && name !== '' ? name : `${db.metadata.name}-auth`;
}

/** Creates the basic-auth secret unless it exists; returns true when it was created. */
export function ensureAuthSecret(
  state: ClusterState,
  kind: EngineKind,
  db: KubeObject,
  random: () => number,
): boolean {
  const namespace = db.metadata.namespace;
  const name = authSecretName(db);
  if (state.get('v1', 'Secret', namespace, name)) return false;
  if (getPath(db, ['spec', 'authSecret', 'externallyManaged']) === true) return false;
  state.create(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/basic-auth',
      metadata: { name, namespace, labels: baseLabels(ENGINES[kind], db.metadata.name ?? '') },
      data: { username: b64(ENGINES[kind].superuser), password: b64(randomPassword(random)) },
    },
    { skipAdmission: true },
  );
  return true;
}

function clusterIp(name: string, namespace: string): string {
  let h = 0;
  for (const ch of `${namespace}/${name}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `10.96.${(h >>> 8) % 250}.${(h % 250) + 2}`;
}

function serviceTemplate(db: KubeObject, alias: string): Record<string, unknown> {
  const templates = getPath(db, ['spec', 'serviceTemplates']);
  if (!Array.isArray(templates)) return {};
  return asRecord(templates.map(asRecord).find((t) => t.alias === alias));
}

function buildService(kind: EngineKind, db: KubeObject, plan: ServicePlan): KubeObject {
  const name = db.metadata.name ?? '';
  const alias =
    plan.name === name
      ? 'primary'
      : plan.name === `${name}-standby`
        ? 'standby'
        : plan.name === `${name}-stats`
          ? 'stats'
          : '';
  const template = alias ? serviceTemplate(db, alias) : {};
  const tSpec = asRecord(template.spec);
  const tMeta = asRecord(template.metadata);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: plan.name,
      namespace: db.metadata.namespace,
      labels: {
        ...dbLabels(db),
        ...baseLabels(ENGINES[kind], name),
        ...(plan.labels ?? {}),
        ...(asRecord(tMeta.labels) as Record<string, string>),
      },
      annotations: {
        ...(plan.annotations ?? {}),
        ...(asRecord(tMeta.annotations) as Record<string, string>),
      },
      ownerReferences: [ownerRef(db)],
    },
    spec: {
      type: plan.headless ? 'ClusterIP' : (tSpec.type ?? 'ClusterIP'),
      clusterIP: plan.headless ? 'None' : clusterIp(plan.name, db.metadata.namespace ?? ''),
      ports: plan.ports.map((p) => ({
        name: p.name,
        port: p.port,
        protocol: 'TCP',
        targetPort: p.targetPort,
      })),
      selector: plan.selector,
      ...(plan.headless ? { publishNotReadyAddresses: true } : {}),
    },
  };
}

/** The containers of a group as the PetSet template carries them (with the API defaults filled in). */
export function petSetContainers(group: GroupPlan): Record<string, unknown>[] {
  return group.containers.map((c) => ({
    name: c.name,
    image: c.image,
    resources: c.resources,
    ports: c.ports.map((p) => ({ ...p, protocol: 'TCP' })),
  }));
}

/** The PetSet the operator keeps for one group. */
export function buildPetSet(kind: EngineKind, db: KubeObject, group: GroupPlan): KubeObject {
  const name = db.metadata.name ?? '';
  const base = baseLabels(ENGINES[kind], name);
  const template = asRecord(getPath(db, group.templatePath));
  const tMeta = asRecord(template.metadata);
  const tSpec = asRecord(template.spec);
  const controller = asRecord(template.controller);
  const selector = { ...base, ...group.labels };
  const podSpec: Record<string, unknown> = {
    containers: petSetContainers(group),
    initContainers: group.initContainers.map((c) => ({
      name: c.name,
      image: c.image,
      resources: c.resources,
    })),
    serviceAccountName:
      typeof tSpec.serviceAccountName === 'string' ? tSpec.serviceAccountName : name,
    securityContext: { fsGroup: 999 },
  };
  for (const field of ['nodeSelector', 'tolerations', 'priorityClassName'])
    if (tSpec[field] !== undefined) podSpec[field] = tSpec[field];
  const spec: Record<string, unknown> = {
    replicas: group.replicas,
    selector: { matchLabels: selector },
    serviceName: group.governingService,
    podManagementPolicy: 'Parallel',
    updateStrategy: { type: 'OnDelete' },
    podPlacementPolicy: {
      name: text(getPath(tSpec, ['podPlacementPolicy', 'name']), 'default'),
    },
    template: {
      metadata: {
        labels: {
          ...dbLabels(db),
          ...(asRecord(tMeta.labels) as Record<string, string>),
          ...selector,
          'app.kubernetes.io/component': 'database',
        },
        annotations: { ...(asRecord(tMeta.annotations) as Record<string, string>) },
      },
      spec: podSpec,
    },
  };
  if (group.storage) {
    spec.volumeClaimTemplates = [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: group.claimName },
        spec: {
          accessModes: group.storage.accessModes,
          storageClassName: group.storage.storageClassName,
          resources: { requests: { storage: group.storage.size } },
        },
      },
    ];
  }
  return {
    apiVersion: PETSET_API,
    kind: 'PetSet',
    metadata: {
      name: group.petset,
      namespace: db.metadata.namespace,
      labels: {
        ...dbLabels(db),
        ...(asRecord(controller.labels) as Record<string, string>),
        ...selector,
      },
      annotations: { ...(asRecord(controller.annotations) as Record<string, string>) },
      ownerReferences: [ownerRef(db)],
    },
    spec,
  };
}

function ownedBy(obj: KubeObject, db: KubeObject): boolean {
  return obj.metadata.ownerReferences?.some((o) => o.uid === db.metadata.uid) ?? false;
}

/** Creates, updates and prunes the database's Services and PetSets to match `layout`. */
export function ensureWorkloads(
  state: ClusterState,
  kind: EngineKind,
  db: KubeObject,
  layout: Layout,
  pods: PodRegistry,
): void {
  const namespace = db.metadata.namespace;
  const labels = baseLabels(ENGINES[kind], db.metadata.name ?? '');
  for (const plan of layout.services) {
    const desired = buildService(kind, db, plan);
    const live = state.get('v1', 'Service', namespace, plan.name);
    if (!live) state.create(desired, { skipAdmission: true });
    else if (
      !sameJson(asRecord(live.spec).selector, asRecord(desired.spec).selector) ||
      !sameJson(asRecord(live.spec).ports, asRecord(desired.spec).ports) ||
      !hasLabels(live, dbLabels(db))
    ) {
      state.update(
        {
          ...live,
          metadata: { ...live.metadata, labels: { ...live.metadata.labels, ...dbLabels(db) } },
          spec: {
            ...asRecord(live.spec),
            ports: asRecord(desired.spec).ports,
            selector: asRecord(desired.spec).selector,
          },
        },
        { skipAdmission: true },
      );
    }
  }
  const wantedServices = new Set(layout.services.map((s) => s.name));
  for (const svc of state.list('v1', 'Service', { namespace, labels })) {
    if (ownedBy(svc, db) && !wantedServices.has(svc.metadata.name ?? ''))
      state.delete('v1', 'Service', namespace, svc.metadata.name ?? '', { skipAdmission: true });
  }
  for (const group of layout.groups) {
    pods.roleModes.set(`${namespace}/${group.petset}`, group.roles);
    const desired = buildPetSet(kind, db, group);
    const live = state.get(PETSET_API, 'PetSet', namespace, group.petset);
    if (!live) state.create(desired, { skipAdmission: true });
    else if (
      !live.metadata.deletionTimestamp &&
      (!sameJson(live.spec, desired.spec) || !hasLabels(live, dbLabels(db)))
    ) {
      const labels = { ...live.metadata.labels, ...dbLabels(db) };
      state.update(
        { ...live, metadata: { ...live.metadata, labels }, spec: desired.spec },
        { skipAdmission: true },
      );
    }
    if (live) relabelPods(state, live, dbLabels(db));
  }
  ensureExtras(state, kind, db, layout, authSecretName(db));
  const wantedSets = new Set(layout.groups.map((g) => g.petset));
  for (const ps of state.list(PETSET_API, 'PetSet', { namespace, labels })) {
    if (ownedBy(ps, db) && !wantedSets.has(ps.metadata.name ?? '')) deletePetSet(state, ps);
  }
}

function hasLabels(obj: KubeObject, labels: Record<string, string>): boolean {
  const have = obj.metadata.labels ?? {};
  return Object.entries(labels).every(([k, v]) => have[k] === v);
}

/** Copies a later change of the database's labels onto the pods that already run. */
function relabelPods(
  state: ClusterState,
  petset: KubeObject,
  labels: Record<string, string>,
): void {
  const selector = asRecord(getPath(petset, ['spec', 'selector', 'matchLabels'])) as Record<
    string,
    string
  >;
  for (const pod of state.list('v1', 'Pod', {
    namespace: petset.metadata.namespace,
    labels: selector,
  })) {
    if (pod.metadata.deletionTimestamp || hasLabels(pod, labels)) continue;
    if (!pod.metadata.ownerReferences?.some((o) => o.uid === petset.metadata.uid)) continue;
    state.patch(
      'v1',
      'Pod',
      pod.metadata.namespace,
      pod.metadata.name ?? '',
      { metadata: { labels } },
      { skipAdmission: true },
    );
  }
}

/** Deletes a PetSet and its pods (the API server cascades too; this does not wait for it). */
export function deletePetSet(state: ClusterState, petset: KubeObject): void {
  const namespace = petset.metadata.namespace;
  state.delete(PETSET_API, 'PetSet', namespace, petset.metadata.name ?? '', {
    skipAdmission: true,
  });
  const selector = asRecord(getPath(petset, ['spec', 'selector', 'matchLabels'])) as Record<
    string,
    string
  >;
  for (const pod of state.list('v1', 'Pod', { namespace, labels: selector })) {
    if (pod.metadata.ownerReferences?.some((o) => o.uid === petset.metadata.uid)) {
      tryDelete(state, 'v1', 'Pod', namespace, pod.metadata.name ?? '');
    }
  }
}

/** Deletes, ignoring "already gone". */
export function tryDelete(
  state: ClusterState,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): void {
  try {
    state.delete(apiVersion, kind, namespace, name, { skipAdmission: true });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

/** Removes PetSets, pods and Services (halt and deletion). */
export function deleteWorkloads(state: ClusterState, kind: EngineKind, db: KubeObject): void {
  const namespace = db.metadata.namespace;
  const labels = baseLabels(ENGINES[kind], db.metadata.name ?? '');
  for (const ps of state.list(PETSET_API, 'PetSet', { namespace, labels }))
    if (ownedBy(ps, db)) deletePetSet(state, ps);
  for (const svc of state.list('v1', 'Service', { namespace, labels }))
    if (ownedBy(svc, db)) tryDelete(state, 'v1', 'Service', namespace, svc.metadata.name ?? '');
}

/** Removes the PVCs of the database (Delete and WipeOut). */
export function deleteVolumes(state: ClusterState, kind: EngineKind, db: KubeObject): void {
  const namespace = db.metadata.namespace;
  const labels = baseLabels(ENGINES[kind], db.metadata.name ?? '');
  for (const pvc of state.list('v1', 'PersistentVolumeClaim', { namespace, labels })) {
    tryDelete(state, 'v1', 'PersistentVolumeClaim', namespace, pvc.metadata.name ?? '');
    const left = state.get('v1', 'PersistentVolumeClaim', namespace, pvc.metadata.name ?? '');
    // The simulated cluster has no kube-controller-manager to drop pvc-protection once pods are gone.
    if (left?.metadata.finalizers?.length) {
      state.update(
        { ...left, metadata: { ...left.metadata, finalizers: [] } },
        { skipAdmission: true },
      );
    }
  }
}

/** Removes the auth secret and the other operator-made secrets (WipeOut). */
export function deleteSecrets(state: ClusterState, kind: EngineKind, db: KubeObject): void {
  const namespace = db.metadata.namespace;
  tryDelete(state, 'v1', 'Secret', namespace, authSecretName(db));
  const labels = baseLabels(ENGINES[kind], db.metadata.name ?? '');
  for (const secret of state.list('v1', 'Secret', { namespace, labels }))
    tryDelete(state, 'v1', 'Secret', namespace, secret.metadata.name ?? '');
}
