/**
 * The simulated KubeDB + KubeStash operators of one cluster. Controllers are level-based: every
 * committed change only enqueues a key; a worker re-reads the object and acts idempotently. All
 * delays are realistic durations divided by `speed`, and `stop()` ends every timer and run.
 */
import type {
  ClusterState,
  KubeObject,
  OperatorOptions,
  SimOperator,
  Unsubscribe,
} from '../core/contract';
import { DatabaseController } from './database-controller';
import { databaseAdmission } from './database-admission';
import {
  DB_API,
  ENGINES,
  ENGINE_KINDS,
  OPS_API,
  PETSET_API,
  engineByOpsKind,
  engineByPlural,
  isEngineKind,
  type EngineKind,
} from './engines';
import { createEventRecorder } from './events';
import { createFailureReporter } from './failure-status';
import { FaultRegistry, createOperatorFaults } from './faults';
import { BackupController, CORE_API, STORAGE_API } from './kubestash-backup';
import { PitrController } from './kubestash-pitr';
import { RestoreController, pitrRestore, restoreStrategies } from './kubestash-restore';
import { opsAdmission } from './ops-admission';
import { OpsController } from './ops-controller';
import { PetSetController, PodRegistry } from './petset-controller';
import { RealPods } from './real-pods';
import { Runtime, WorkQueue } from './runtime';
import { createRandom, getPath, text } from './util';

export { installCatalog, buildCatalogObjects, CATALOG_ENTRIES } from './catalog';

function split(rest: string): [string, string, string] {
  const [a = '', b = '', ...c] = rest.split('/');
  return [a, b, c.join('/')];
}

const KEY_KINDS: Record<string, [string, string]> = {
  storage: [STORAGE_API, 'BackupStorage'],
  bc: [CORE_API, 'BackupConfiguration'],
  session: [CORE_API, 'BackupSession'],
  restore: [CORE_API, 'RestoreSession'],
  ps: [PETSET_API, 'PetSet'],
};

/** The object a work-queue key stands for (for reporting a failed reconcile on it). */
function objectOfKey(state: ClusterState, key: string): KubeObject | undefined {
  const colon = key.indexOf(':');
  const prefix = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  if (prefix === 'db') {
    const [kind, namespace, name] = split(rest);
    return state.get(DB_API, kind, namespace, name);
  }
  if (prefix === 'ops') return undefined; // the ops controller fails its requests itself
  const type = KEY_KINDS[prefix];
  if (!type) return undefined;
  const [namespace, name] = split(rest);
  return state.get(type[0], type[1], namespace, name);
}

/** Starts the operators against `state`. */
export function startOperator(state: ClusterState, options: OperatorOptions): SimOperator {
  const report = createFailureReporter(state);
  const runtime = new Runtime(options.speed > 0 ? options.speed : 1, (error) =>
    report(undefined, error, 'timer'),
  );
  const random = createRandom(options.seed);
  const registry = new FaultRegistry();
  const podRegistry = new PodRegistry();
  const getQueue = (): WorkQueue => queue;
  const real = options.dataPlane
    ? new RealPods(state, options.dataPlane, (error) => report(undefined, error, 'data-plane'))
    : undefined;
  const petsets = new PetSetController(state, runtime, getQueue, registry, podRegistry, real);
  const databases = new DatabaseController(
    state,
    runtime,
    getQueue,
    podRegistry,
    random,
    createEventRecorder(state, 'KubeDB Provisioner', random),
  );
  const nudgeAllPetSets = (namespace?: string): void => {
    for (const ps of state.list(PETSET_API, 'PetSet', namespace ? { namespace } : undefined))
      queue.add(`ps:${ps.metadata.namespace}/${ps.metadata.name}`);
  };
  const ops = new OpsController(state, runtime, getQueue, registry, {
    pods: podRegistry,
    record: createEventRecorder(state, 'KubeDB Ops-manager Operator', random),
    random,
    nudgePetSets: () => nudgeAllPetSets(),
    nudgeDatabase: (kind, namespace, name) => queue.add(`db:${kind}/${namespace}/${name}`),
  });
  const realBackups = options.dataPlane ? { dataPlane: options.dataPlane } : undefined;
  const backups = new BackupController(state, runtime, random, report, realBackups);
  const pitr = real
    ? new PitrController(
        state,
        runtime,
        real.dataPlane,
        (object, error) => report(object, error, 'pitr'),
        (db, pod) => real.specFor(db, pod),
        (db) => real.archivesAsAsked(db),
      )
    : undefined;
  const restores = new RestoreController(
    state,
    runtime,
    report,
    realBackups,
    pitr
      ? [pitrRestore((rs, db) => pitr.restore(rs, db)), ...restoreStrategies]
      : restoreStrategies,
  );

  const handle = (key: string): void => {
    const colon = key.indexOf(':');
    const prefix = key.slice(0, colon);
    const rest = key.slice(colon + 1);
    if (prefix === 'db' || prefix === 'ops') {
      const [kind, namespace, name] = split(rest);
      if (!isEngineKind(kind)) return;
      if (prefix === 'db') databases.reconcile(kind, namespace, name);
      else ops.reconcile(kind, namespace, name);
      return;
    }
    const [namespace, name] = split(rest);
    const get = (apiVersion: string, kind: string): KubeObject | undefined =>
      state.get(apiVersion, kind, namespace, name);
    if (prefix === 'ps') petsets.reconcile(namespace, name);
    else if (prefix === 'storage') {
      const obj = get(STORAGE_API, 'BackupStorage');
      if (obj) backups.reconcileStorage(obj);
    } else if (prefix === 'bc') {
      const obj = get(CORE_API, 'BackupConfiguration');
      if (obj) backups.reconcileConfiguration(obj);
    } else if (prefix === 'session') {
      const obj = get(CORE_API, 'BackupSession');
      if (obj) backups.reconcileSession(obj);
    } else if (prefix === 'restore') {
      const obj = get(CORE_API, 'RestoreSession');
      if (obj) restores.reconcile(obj);
    }
  };
  // A failing key is retried with backoff (conflicts are normal); anything else is logged once and
  // written to the object's status, so that one bad object never stops the others.
  const failures = new Map<string, number>();
  const queue: WorkQueue = new WorkQueue(
    runtime,
    (key) => {
      handle(key);
      failures.delete(key);
    },
    (key, error) => {
      const code = (error as { code?: number }).code;
      if (code === 404) return;
      const count = (failures.get(key) ?? 0) + 1;
      failures.set(key, count);
      if (code !== 409) report(objectOfKey(state, key), error, key);
      if (count <= 10) queue.addAfter(key, 250 * 2 ** Math.min(count, 6));
    },
  );

  const route = (obj: KubeObject, deleted: boolean): void => {
    const group = obj.apiVersion.includes('/')
      ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/'))
      : '';
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    if (group === 'kubedb.com' && isEngineKind(obj.kind)) {
      queue.add(`db:${obj.kind}/${namespace}/${name}`);
      // RedisSentinel has no OpsRequest kind among the served CRDs.
      if (obj.kind !== 'RedisSentinel') queue.add(`ops:${obj.kind}/${namespace}/${name}`);
      return;
    }
    if (group === 'ops.kubedb.com') {
      const engine = engineByOpsKind(obj.kind);
      if (deleted) ops.forget(obj);
      else ops.noteArrival(obj);
      if (engine)
        queue.add(
          `ops:${engine.kind}/${namespace}/${text(getPath(obj, ['spec', 'databaseRef', 'name']))}`,
        );
      return;
    }
    if (group === 'apps.k8s.appscode.com' && obj.kind === 'PetSet') {
      queue.add(`ps:${namespace}/${name}`);
    }
    if (obj.kind === 'Pod' && group === '' && deleted)
      podRegistry.started.delete(obj.metadata.uid ?? '');
    if (obj.kind === 'Pod' && group === '') {
      const owner = obj.metadata.ownerReferences?.find((o) => o.kind === 'PetSet');
      if (owner) queue.add(`ps:${namespace}/${owner.name}`);
    }
    if (
      (obj.kind === 'Pod' || obj.kind === 'PetSet') &&
      (group === '' || group === 'apps.k8s.appscode.com')
    ) {
      const dbKey = DatabaseController.keyForChild(obj, (plural) => engineByPlural(plural)?.kind);
      if (dbKey) queue.add(`db:${dbKey}`);
      return;
    }
    if (group === 'storage.kubestash.com' && obj.kind === 'BackupStorage' && !deleted) {
      queue.add(`storage:${namespace}/${name}`);
      for (const bc of state.list(CORE_API, 'BackupConfiguration', { namespace }))
        queue.add(`bc:${namespace}/${bc.metadata.name}`);
    } else if (group === 'core.kubestash.com' && !deleted) {
      if (obj.kind === 'BackupConfiguration') queue.add(`bc:${namespace}/${name}`);
      if (obj.kind === 'BackupSession') queue.add(`session:${namespace}/${name}`);
      if (obj.kind === 'RestoreSession') queue.add(`restore:${namespace}/${name}`);
    } else if (obj.kind === 'Secret' && group === '') {
      for (const s of state.list(STORAGE_API, 'BackupStorage', { namespace }))
        queue.add(`storage:${namespace}/${s.metadata.name}`);
    }
  };

  const unsubscribers: Unsubscribe[] = [];
  if (real) {
    unsubscribers.push(real.watch());
    // A real process changing state (ready, restarting, failed) is the kubelet's probe result.
    unsubscribers.push(
      real.dataPlane.onChange((info) => {
        const pod = state.get('v1', 'Pod', info.namespace, info.pod);
        const owner = pod?.metadata.ownerReferences?.find((o) => o.kind === 'PetSet');
        if (owner) queue.add(`ps:${info.namespace}/${owner.name}`);
      }),
    );
  }
  unsubscribers.push(
    state.subscribe((change) => {
      try {
        route(change.object, change.type === 'DELETED');
      } catch (error) {
        report(undefined, error, 'route');
      }
    }),
  );
  for (const kind of ENGINE_KINDS) {
    unsubscribers.push(state.registerAdmission(DB_API, kind, databaseAdmission(state, kind)));
    unsubscribers.push(
      state.registerAdmission(OPS_API, ENGINES[kind].opsKind, opsAdmission(state, kind)),
    );
  }
  // Pick up whatever already exists (a cluster may be populated before the operator starts).
  for (const kind of ENGINE_KINDS) for (const db of state.list(DB_API, kind)) route(db, false);
  for (const kind of [
    ['BackupStorage', STORAGE_API],
    ['BackupConfiguration', CORE_API],
    ['BackupSession', CORE_API],
    ['RestoreSession', CORE_API],
  ] as const) {
    for (const obj of state.list(kind[1], kind[0])) route(obj, false);
  }
  backups.start();
  pitr?.start();

  const faults = createOperatorFaults(registry, state, random, (namespace) =>
    nudgeAllPetSets(namespace),
  );
  return {
    faults,
    stop() {
      runtime.stop();
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    },
  };
}

export type { EngineKind };
