/**
 * The seam between the simulated API server (`sim/apiserver`) and the simulated operators
 * (`sim/operator`). The API server owns the objects and serves them over HTTP; the operators read and
 * write them through `ClusterState`, exactly as a controller would through the real API server, and
 * register admission hooks the way KubeDB registers its validating webhooks.
 *
 * `sim/` imports nothing from `engine/` or `src/`.
 */
import type { DataPlane } from './data-plane';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A change to any object, delivered synchronously after it is committed. */
export interface StateChange {
  type: WatchEventType;
  object: KubeObject;
  /** The previous version, for MODIFIED and DELETED. */
  old?: KubeObject;
}

export interface Unsubscribe {
  (): void;
}

/**
 * An error in the shape of a Kubernetes `Status`. Thrown by `ClusterState` and by admission hooks;
 * the API server turns it into the HTTP answer (`code` is the HTTP status).
 */
export class SimApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly causes: { reason?: string; message: string; field?: string }[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SimApiError';
  }
}

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/**
 * A validating (and optionally mutating) admission hook, like a KubeDB webhook. It runs before a
 * write from the HTTP API is committed (also for writes through `ClusterState` unless
 * `skipAdmission` is set). Throw `SimApiError` (usually 422 or 403) to refuse; return an object to
 * replace the incoming one (mutation), or nothing to accept it as is.
 */
export type AdmissionHook = (request: {
  operation: AdmissionOperation;
  object: KubeObject;
  old?: KubeObject;
}) => KubeObject | void;

export interface ListOptions {
  namespace?: string;
  /** Equality-based label match (all must match). */
  labels?: Record<string, string>;
}

export interface WriteOptions {
  /** Skip admission hooks, as a controller writing its own objects would with no webhook on them. */
  skipAdmission?: boolean;
  /** The field manager recorded in managedFields. */
  fieldManager?: string;
}

/**
 * The object store of one simulated cluster. Objects are addressed by apiVersion ("v1",
 * "kubedb.com/v1") and kind ("Postgres"). Everything returned is a deep copy.
 */
export interface ClusterState {
  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
  list(apiVersion: string, kind: string, options?: ListOptions): KubeObject[];
  /** Creates the object (generateName, uid, resourceVersion, generation, defaults). 409 if it exists. */
  create(object: KubeObject, options?: WriteOptions): KubeObject;
  /** Replaces spec/metadata. 409 Conflict when metadata.resourceVersion is set and stale. Status is kept. */
  update(object: KubeObject, options?: WriteOptions): KubeObject;
  /** Replaces only `.status` (the status subresource); generation does not move. */
  updateStatus(object: KubeObject, options?: WriteOptions): KubeObject;
  /** JSON merge patch (RFC 7386) of the object, or of its status when `subresource` is 'status'. */
  patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options?: WriteOptions & { subresource?: 'status' },
  ): KubeObject;
  /**
   * Deletes: sets deletionTimestamp while finalizers remain, removes the object once they are gone.
   * Owner references cascade (background) to dependents. Admission hooks see DELETE.
   */
  delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    options?: WriteOptions,
  ): void;
  /** Every committed change of every kind, in commit order. */
  subscribe(listener: (change: StateChange) => void): Unsubscribe;
  /** Registers an admission hook for one kind. */
  registerAdmission(apiVersion: string, kind: string, hook: AdmissionHook): Unsubscribe;
}

/** Faults of the simulated operator, set at run time (HTTP `/_sim/`, CLI or code). */
export interface OperatorFaults {
  /** Crash one pod (or a random pod of the database): it goes to CrashLoopBackOff until `recoverPod`. */
  crashPod(namespace: string, podName: string): void;
  recoverPod(namespace: string, podName: string): void;
  /** Every pod of the database down (NotReady) until `recoverDatabase`. */
  downDatabase(kind: string, namespace: string, name: string): void;
  recoverDatabase(kind: string, namespace: string, name: string): void;
  /** The next OpsRequest that targets this database fails (with `reason`) or stays Progressing. */
  failNextOpsRequest(namespace: string, database: string, reason?: string): void;
  stickNextOpsRequest(namespace: string, database: string): void;
}

/** What a running simulated operator exposes to the cluster that hosts it. */
export interface SimOperator {
  faults: OperatorFaults;
  stop(): void;
}

/** Options every operator takes. `speed` > 1 runs the lifecycle faster (10 = ten times faster). */
export interface OperatorOptions {
  speed: number;
  /** Seed for deterministic pseudo-random metrics and names. */
  seed: number;
  /** Real processes behind primary pods (sim/dataplane); absent: every pod is simulated. */
  dataPlane?: DataPlane;
}
