import {
  ENGINE_KINDS,
  resolveTopology,
  type DatabaseSpec,
  type Resources,
  type Topology,
} from '../../domain';
import { databaseLabels } from '../names';
import { KUBEDB_API_VERSION, MAIN_CONTAINERS, type KubeObject } from '../types';

/** What the manifest builders need: a database's desired state, plus restore-time options. */
export interface ManifestInput extends DatabaseSpec {
  /** Wait in Provisioning for a RestoreSession (REFERENCE 8.2) — set when restoring into a new database. */
  waitForInitialRestore?: boolean;
}

/** The PersistentVolumeClaim spec of one data volume. */
export function storageSpec(
  input: Pick<DatabaseSpec, 'storage'>,
  size = input.storage.size,
): Record<string, unknown> {
  return {
    ...(input.storage.storageClass ? { storageClassName: input.storage.storageClass } : {}),
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: size } },
  };
}

/**
 * Resources of the main container. CPU has no limit (REFERENCE 2.1: "CPU limit is normally not set")
 * so a busy database is throttled only by the node; memory limit = request avoids OOM surprises.
 */
export function resourceRequirements(resources: Resources): Record<string, unknown> {
  return {
    requests: { cpu: resources.cpu, memory: resources.memory },
    limits: { memory: resources.memory },
  };
}

/** A v1 pod template whose only container entry is the engine's main container, by name. */
export function podTemplate(
  input: Pick<DatabaseSpec, 'engine' | 'resources'>,
): Record<string, unknown> {
  return {
    spec: {
      containers: [
        { name: MAIN_CONTAINERS[input.engine], resources: resourceRequirements(input.resources) },
      ],
    },
  };
}

/** The topology with defaults, so builders never see a missing field. */
export function topologyOf(
  input: Pick<DatabaseSpec, 'engine' | 'mode' | 'topology'>,
): Required<Topology> {
  return resolveTopology(input.engine, input.mode, input.topology) as Required<Topology>;
}

/**
 * The parts of every database spec: version, storage type, deletion policy, halting. Halting forces
 * `deletionPolicy: Halt` exactly as KubeDB's webhook would, so the applied object equals the live one.
 */
export function commonSpec(input: ManifestInput): Record<string, unknown> {
  return {
    version: input.version,
    storageType: 'Durable',
    deletionPolicy: input.halted ? 'Halt' : input.deletionPolicy,
    // Always said, never omitted: server-side apply only takes a field back from another manager
    // (a `kubectl patch … halted: true`) when the applied object names it.
    halted: input.halted,
    ...(input.waitForInitialRestore ? { init: { waitForInitialRestore: true } } : {}),
  };
}

/** The envelope of a kubedb.com/v1 object for `input`, with our labels. */
export function databaseObject(input: ManifestInput, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: KUBEDB_API_VERSION,
    kind: ENGINE_KINDS[input.engine],
    metadata: { name: input.name, namespace: input.namespace, labels: databaseLabels(input) },
    spec,
  };
}
