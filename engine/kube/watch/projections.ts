/**
 * What the watch caches keep of each object. A cache holds every KubeDB database, OpsRequest and
 * KubeDB pod of its cluster for as long as the engine runs (tens of thousands of objects over a
 * fleet), so it stores a projection: the fields its readers use, copied into fresh objects, and
 * nothing else — no managedFields, annotations, finalizers, owner references, pod specs, images,
 * addresses or container statuses.
 *
 * The readers, which a field must be kept for (extend the projection when a reader needs more):
 * - the status sync (`engine/loops/status-sync.ts`): a database's id label, phase, conditions and
 *   deletionTimestamp, and the spec fields drift compares (`extractLiveSpec` in
 *   `engine/kubedb/live.ts`); a pod's instance label, deletionTimestamp, phase and Ready condition
 *   (`readyReplicasFromPods` in `engine/kubedb/status.ts`);
 * - the operation workers (`engine/loops/executors.ts`, through `cachedOpsRequest`): an
 *   OpsRequest's phase and conditions (`readOpsRequestStatus` in `engine/kubedb/ops/status.ts`);
 * - the cache itself: name and namespace (its key), uid (a re-list tells a re-created object from
 *   a changed one) and resourceVersion (a change is a new version).
 *
 * Views that show a whole object — the live manifest, the credentials — GET it from the cluster on
 * the user's request and never read a cache.
 */
import type { Condition } from '../../domain';
import { ROLE_LABELS } from '../../kubedb/replica-roles';
import type { KubeObject, ObjectMeta } from '../../kubedb/types';

/** Turns an object as the server sends it into what a cache stores. Pure; never mutates its input. */
export type Projection = (object: KubeObject) => KubeObject;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets `target[key]` only when `value` is defined, so that absent fields stay absent. */
function put(target: Json, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/** The keys of `source` named in `keys` that are set (not undefined). */
function pick(source: Json, keys: readonly string[]): Json {
  const kept: Json = {};
  for (const key of keys) put(kept, key, source[key]);
  return kept;
}

/** Like `pick`, for a value that may not be an object; undefined when nothing is left. */
function pickSome(source: unknown, keys: readonly string[]): Json | undefined {
  if (!isRecord(source)) return undefined;
  const kept = pick(source, keys);
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/**
 * The identity and change-tracking fields of any cached object: name, namespace, uid and
 * resourceVersion for the cache; labels (which tie objects to databases); generation and
 * deletionTimestamp (a deleting database shows DELETING).
 */
function toCachedMeta(
  meta: ObjectMeta,
  labels: Record<string, string> | undefined = meta.labels && { ...meta.labels },
): ObjectMeta {
  const kept: ObjectMeta = { name: meta.name };
  if (meta.namespace !== undefined) kept.namespace = meta.namespace;
  if (meta.uid !== undefined) kept.uid = meta.uid;
  if (meta.resourceVersion !== undefined) kept.resourceVersion = meta.resourceVersion;
  if (meta.generation !== undefined) kept.generation = meta.generation;
  if (meta.deletionTimestamp !== undefined) kept.deletionTimestamp = meta.deletionTimestamp;
  if (labels !== undefined) kept.labels = labels;
  return kept;
}

/**
 * Conditions as the status sync publishes them (type, status, reason, message, transition time)
 * and as `statusReasonOf` and `readOpsRequestStatus` read them; observedGeneration and severity go.
 */
function toCachedConditions(conditions: unknown): Condition[] | undefined {
  if (!Array.isArray(conditions)) return undefined;
  return conditions
    .filter(isRecord)
    .map(
      (condition) =>
        pick(condition, ['type', 'status', 'reason', 'message', 'lastTransitionTime']) as Condition,
    );
}

/** phase, conditions and observedGeneration: what every reader of a KubeDB object's status uses. */
function toCachedKubedbStatus(status: unknown): Json | undefined {
  if (!isRecord(status)) return undefined;
  const kept: Json = {};
  put(kept, 'phase', status.phase);
  put(kept, 'observedGeneration', status.observedGeneration);
  put(kept, 'conditions', toCachedConditions(status.conditions));
  return kept;
}

/** A container of a pod template, reduced to its name and the requests and memory limit drift reads. */
function toCachedContainer(container: Json): Json {
  const kept: Json = {};
  put(kept, 'name', container.name);
  const resources = container.resources;
  if (isRecord(resources)) {
    const reduced: Json = {};
    put(reduced, 'requests', pickSome(resources.requests, ['cpu', 'memory']));
    // A missing memory request is read from the limit.
    put(reduced, 'limits', pickSome(resources.limits, ['memory']));
    kept.resources = reduced;
  }
  return kept;
}

/**
 * One group of data pods as `extractLiveSpec` locates it — the spec itself, MongoDB's
 * `shardTopology.shard`, Elasticsearch's `topology.data`, Redis's `cluster` — reduced to replicas,
 * shards, the storage request and the containers' resources. Fields absent stay absent: a missing
 * `replicas` means KubeDB's default of 1, which is not the same as any value.
 */
function toCachedPodGroup(group: unknown, kept: Json = {}): Json | undefined {
  if (!isRecord(group)) return undefined;
  put(kept, 'replicas', group.replicas);
  put(kept, 'shards', group.shards);
  const storage = isRecord(group.storage) ? group.storage : undefined;
  const request = isRecord(storage?.resources) ? storage.resources.requests : undefined;
  const size = pickSome(request, ['storage']);
  if (size) kept.storage = { resources: { requests: size } };
  const template = isRecord(group.podTemplate) ? group.podTemplate : undefined;
  const containers = isRecord(template?.spec) ? template.spec.containers : undefined;
  if (Array.isArray(containers)) {
    kept.podTemplate = { spec: { containers: containers.filter(isRecord).map(toCachedContainer) } };
  }
  return kept;
}

/** Spec fields KubeDB's operator writes and the engine never applies: not kept. */
const OPERATOR_SPEC_FIELDS = new Set(['authSecret', 'healthChecker']);

/**
 * A database's spec as drift compares it with the desired manifest: every field the engine may
 * apply, with each pod template reduced to its containers' names and resources (the bulk of a
 * served object) and the operator's own fields left out.
 */
function toCachedDatabaseSpec(spec: unknown, top = true): Json | undefined {
  if (!isRecord(spec)) return undefined;
  const kept: Json = {};
  for (const [key, value] of Object.entries(spec)) {
    if (top && OPERATOR_SPEC_FIELDS.has(key)) continue;
    if (key === 'podTemplate') {
      const reduced = toCachedPodGroup({ podTemplate: value })?.podTemplate;
      if (reduced !== undefined) kept.podTemplate = reduced;
    } else if (isRecord(value)) {
      kept[key] = toCachedDatabaseSpec(value, false);
    } else {
      kept[key] = value;
    }
  }
  return kept;
}

/** Annotations without kubectl's copy of the last applied object (large, and never drift). */
function toCachedAnnotations(
  annotations: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const kept = Object.fromEntries(
    Object.entries(annotations).filter(
      ([key]) => key !== 'kubectl.kubernetes.io/last-applied-configuration',
    ),
  );
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function withParts(
  object: KubeObject,
  spec: Json | undefined,
  status: Json | undefined,
  metadata: ObjectMeta = toCachedMeta(object.metadata),
): KubeObject {
  const kept: KubeObject = { apiVersion: object.apiVersion, kind: object.kind, metadata };
  if (spec !== undefined) kept.spec = spec;
  if (status !== undefined) kept.status = status;
  return kept;
}

/**
 * A kubedb.com/v1 database: metadata (labels carry the database id), status phase, conditions and
 * observedGeneration, and the spec fields drift compares with the desired state.
 */
export const toCachedDatabase: Projection = (object) => {
  const metadata = toCachedMeta(object.metadata);
  const annotations = toCachedAnnotations(object.metadata.annotations);
  if (annotations) metadata.annotations = annotations;
  return withParts(
    object,
    toCachedDatabaseSpec(object.spec),
    toCachedKubedbStatus(object.status),
    metadata,
  );
};

/** An ops.kubedb.com OpsRequest: metadata and status only; no reader looks at its spec. */
export const toCachedOpsRequest: Projection = (object) =>
  withParts(object, undefined, toCachedKubedbStatus(object.status));

/** KubeDB's label naming the database a pod belongs to: the only pod label a reader uses. */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/**
 * A pod KubeDB runs: name, namespace, uid, resourceVersion, deletionTimestamp, the instance label
 * (it names the database), the role labels (`ROLE_LABELS`: shard, config server, mongos, ES node
 * role) and, of the status, the phase and the Ready condition's status (a pod is
 * ready when Running with Ready=True). No spec, no other labels or conditions: a fleet has more
 * pods than databases, and nothing else of them is read.
 */
export const toCachedPod: Projection = (object) => {
  const labels = object.metadata.labels;
  const instance = labels?.[INSTANCE_LABEL];
  const kept: Record<string, string> = {};
  if (instance !== undefined) kept[INSTANCE_LABEL] = instance;
  for (const key of ROLE_LABELS) if (labels?.[key] !== undefined) kept[key] = labels[key];
  const metadata = toCachedMeta(object.metadata, Object.keys(kept).length === 0 ? undefined : kept);
  const status = object.status;
  if (!isRecord(status)) return withParts(object, undefined, undefined, metadata);
  const keptStatus: Json = {};
  put(keptStatus, 'phase', status.phase);
  if (Array.isArray(status.conditions)) {
    keptStatus.conditions = status.conditions
      .filter((condition): condition is Json => isRecord(condition) && condition.type === 'Ready')
      .map((condition) => pick(condition, ['type', 'status']));
  }
  return withParts(object, undefined, keptStatus, metadata);
};
