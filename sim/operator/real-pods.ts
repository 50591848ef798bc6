/**
 * The kubelet's side of the real data plane: which pods get a real process (the primary pod `-0` of
 * a Postgres, MySQL, MariaDB or Redis PetSet, when the engine exists on this machine, and the other
 * pods of a Postgres as streaming standbys of `-0`, unless it says `sim.kubedb.dev/standbys:
 * simulated`), the `InstanceSpec` read from the database object, its `<name>-auth` secret, its
 * init-script ConfigMap and the pod's memory limit, and the process lifetime: a deleted pod stops
 * the process (data kept), a deleted PVC `data-<pod>` removes its data directory (WipeOut /
 * Delete). Failover stays simulated: a standby is never promoted.
 * A running Postgres whose WAL archive changes (`spec.archiver.ref` added, removed or pointed
 * elsewhere) is restarted with the new settings, as KubeDB restarts its pods: archive_mode is a
 * start-up setting.
 */
import type { ClusterState, KubeObject, Unsubscribe } from '../core/contract';
import type { DataPlane, InstanceInfo, InstanceSpec, RealEngine } from '../core/data-plane';
import { DB_API, engineByPlural, type EngineKind } from './engines';
import { ARCHIVER_API, resolveWalArchive } from './kubestash-pitr';
import { asRecord, getPath, parseQuantity, text, unb64 } from './util';

export const DATA_PLANE_ANNOTATION = 'sim.kubedb.dev/data-plane';
export const MACHINE_VERSION_ANNOTATION = 'sim.kubedb.dev/machine-version';
export const DIRECT_ADDRESS_ANNOTATION = 'sim.kubedb.dev/direct-address';
/** On a standby pod: the primary pod it streams from. */
export const STANDBY_OF_ANNOTATION = 'sim.kubedb.dev/standby-of';
/** On a Postgres: `simulated` keeps its replicas simulated (real standbys are the default). */
export const STANDBYS_ANNOTATION = 'sim.kubedb.dev/standbys';

const REAL_ENGINES: Partial<Record<EngineKind, RealEngine>> = {
  Postgres: 'postgres',
  MySQL: 'mariadb',
  MariaDB: 'mariadb',
  Redis: 'redis',
};

/** The server binary a real pod of each kind would need (for the "simulated: no …" message). */
const BINARIES: Record<EngineKind, string> = {
  Postgres: 'postgres',
  MySQL: 'mariadbd',
  MariaDB: 'mariadbd',
  Redis: 'redis-server',
  RedisSentinel: 'redis-sentinel',
  MongoDB: 'mongod',
  Elasticsearch: 'elasticsearch',
};

/** How one started pod runs: for real (with its instance, if started yet) or simulated. */
export type PodDataPlane =
  | { mode: 'real'; ready: boolean; info?: InstanceInfo; message?: string; failed?: string }
  | { mode: 'simulated'; message: string };

function podOrdinal(pod: KubeObject): number {
  return Number(pod.metadata.labels?.['apps.kubernetes.io/pod-index'] ?? -1);
}

/** The WAL archive an instance was started with (its repository, '' for none). */
interface Archiving {
  repository: string;
  /** Being restarted for a new archive: not archiving (yet) as the repository says. */
  restarting: boolean;
}

export class RealPods {
  /** `ns/pod` -> the pod uid an instance was last ensured for. */
  private readonly ensured = new Map<string, string>();
  /** `ns/pod` -> the WAL archive its process was started with. */
  private readonly archiving = new Map<string, Archiving>();

  constructor(
    private readonly state: ClusterState,
    readonly dataPlane: DataPlane,
    private readonly report: (error: unknown, pod: string) => void,
  ) {}

  /**
   * Stops processes of deleted pods and removes data of deleted PVCs; restarts a running Postgres
   * whose archive changed (its object or its namespace's PostgresArchivers changed).
   */
  watch(): Unsubscribe {
    return this.state.subscribe((change) => {
      const { object } = change;
      if (change.type !== 'DELETED' && object.apiVersion === DB_API && object.kind === 'Postgres')
        this.restartForArchive(object);
      if (object.apiVersion === ARCHIVER_API && object.kind === 'PostgresArchiver')
        for (const db of this.state.list(DB_API, 'Postgres', {
          namespace: object.metadata.namespace ?? '',
        }))
          this.restartForArchive(db);
      if (change.type !== 'DELETED' || change.object.apiVersion !== 'v1') return;
      const namespace = change.object.metadata.namespace ?? '';
      const name = change.object.metadata.name ?? '';
      if (change.object.kind === 'Pod' && this.dataPlane.instance(namespace, name)) {
        this.ensured.delete(`${namespace}/${name}`);
        this.archiving.delete(`${namespace}/${name}`);
        this.dataPlane.stop(namespace, name).catch((error) => this.report(error, name));
      }
      if (change.object.kind === 'PersistentVolumeClaim' && name.startsWith('data-')) {
        const pod = name.slice('data-'.length);
        if (this.dataPlane.instance(namespace, pod))
          this.dataPlane.remove(namespace, pod).catch((error) => this.report(error, pod));
      }
    });
  }

  /** Decides (and starts, once per pod uid) the data plane of a started pod. */
  sync(pod: KubeObject, petset: KubeObject): PodDataPlane {
    const labels = pod.metadata.labels ?? {};
    const kind = engineByPlural(
      (labels['app.kubernetes.io/name'] ?? '').replace(/\.kubedb\.com$/, ''),
    )?.kind;
    const namespace = pod.metadata.namespace ?? '';
    const podName = pod.metadata.name ?? '';
    const dbName = labels['app.kubernetes.io/instance'] ?? '';
    if (!kind) return { mode: 'simulated', message: 'simulated: not a KubeDB database pod' };
    const engine = REAL_ENGINES[kind];
    if (!engine || !this.dataPlane.available(engine))
      return { mode: 'simulated', message: `simulated: no ${BINARIES[kind]} on this machine` };
    const db = this.state.get(DB_API, kind, namespace, dbName);
    if (!db) return { mode: 'simulated', message: 'simulated: its database object is gone' };
    if (db.metadata.annotations?.[DATA_PLANE_ANNOTATION] === 'simulated')
      return { mode: 'simulated', message: `simulated: the ${kind} asks for it` };
    if (petset.metadata.name !== dbName)
      return { mode: 'simulated', message: 'simulated: only the primary PetSet runs for real' };
    const standbyOf = podOrdinal(pod) === 0 ? undefined : `${dbName}-0`;
    if (standbyOf && kind !== 'Postgres')
      return { mode: 'simulated', message: 'simulated: replicas of a real primary are simulated' };
    if (standbyOf && db.metadata.annotations?.[STANDBYS_ANNOTATION] === 'simulated')
      return { mode: 'simulated', message: `simulated: the ${kind} asks for simulated standbys` };
    const key = `${namespace}/${podName}`;
    const uid = pod.metadata.uid ?? '';
    if (this.ensured.get(key) !== uid) {
      // A standby copies its primary: it waits until that one runs (the primary's state change
      // nudges this PetSet again).
      if (standbyOf && this.dataPlane.instance(namespace, standbyOf)?.state !== 'running')
        return {
          mode: 'real',
          ready: false,
          message: `real: waiting for the primary ${standbyOf}`,
        };
      const spec = this.specOf(db, kind, engine, pod, standbyOf);
      if (typeof spec === 'string') return { mode: 'real', ready: false, message: spec };
      this.ensured.set(key, uid);
      this.archiving.set(key, { repository: spec.walArchive?.repository ?? '', restarting: false });
      this.dataPlane.ensure(spec).catch((error) => {
        this.ensured.delete(key);
        this.report(error, podName);
      });
    }
    const info = this.dataPlane.instance(namespace, podName);
    if (!info) return { mode: 'real', ready: false, message: 'real: starting' };
    const ready = info.state === 'running';
    const message =
      info.state === 'failed'
        ? `real: ${info.message ?? 'failed'}`
        : info.message
          ? `real: ${info.message}`
          : undefined;
    return {
      mode: 'real',
      ready,
      info,
      ...(message ? { message } : {}),
      ...(info.state === 'failed' ? { failed: info.message ?? 'failed' } : {}),
    };
  }

  /**
   * Whether a database's primary process runs with the WAL archive its object asks for now (so a
   * base backup taken from it is followed by archived WAL).
   */
  archivesAsAsked(db: KubeObject): boolean {
    const key = `${db.metadata.namespace ?? ''}/${db.metadata.name ?? ''}-0`;
    const started = this.archiving.get(key);
    const wanted = resolveWalArchive(this.state, db);
    if (!started || started.restarting || typeof wanted === 'string') return false;
    return started.repository === (wanted?.repository ?? '');
  }

  /** Restarts a running real Postgres whose archive target is no longer the one it started with. */
  private restartForArchive(db: KubeObject): void {
    const namespace = db.metadata.namespace ?? '';
    const podName = `${db.metadata.name ?? ''}-0`;
    const key = `${namespace}/${podName}`;
    const started = this.archiving.get(key);
    if (!started || started.restarting || !this.ensured.has(key)) return;
    if (this.dataPlane.instance(namespace, podName)?.state !== 'running') return;
    const wanted = resolveWalArchive(this.state, db);
    if (typeof wanted === 'string') return; // not resolvable yet: keep running as it is
    if (started.repository === (wanted?.repository ?? '')) return;
    const spec = this.specFor(db, podName);
    if (typeof spec === 'string') return;
    const next: Archiving = { repository: spec.walArchive?.repository ?? '', restarting: true };
    this.archiving.set(key, next);
    this.dataPlane
      .stop(namespace, podName)
      .then(() => {
        // The old process is gone: whatever runs from now on starts with the new archive.
        next.restarting = false;
        return this.dataPlane.ensure(spec);
      })
      .catch((error: unknown) => {
        next.restarting = false;
        this.report(error, podName);
      });
  }

  /** The instance spec of a database's primary pod (by name), or why it cannot be built yet. */
  specFor(db: KubeObject, podName: string): InstanceSpec | string {
    const kind = db.kind as EngineKind;
    const engine = REAL_ENGINES[kind];
    const pod = this.state.get('v1', 'Pod', db.metadata.namespace ?? '', podName);
    if (!engine || !pod) return `no running pod ${podName}`;
    return this.specOf(db, kind, engine, pod);
  }

  /** The instance spec of a database's primary pod, or why it cannot be built yet. */
  private specOf(
    db: KubeObject,
    kind: EngineKind,
    engine: RealEngine,
    pod: KubeObject,
    standbyOf?: string,
  ): InstanceSpec | string {
    const namespace = db.metadata.namespace ?? '';
    const name = db.metadata.name ?? '';
    const secretName = text(getPath(db, ['spec', 'authSecret', 'name']), `${name}-auth`);
    const secret = this.state.get('v1', 'Secret', namespace, secretName);
    if (!secret) return `real: waiting for the auth secret ${secretName}`;
    const data = asRecord(secret.data);
    const user = unb64(data.username) || (engine === 'redis' ? 'default' : '');
    const password = unb64(data.password);
    if (!password) return `real: the auth secret ${secretName} has no password`;
    const scripts: string[] = [];
    const configMap = text(getPath(db, ['spec', 'init', 'script', 'configMap', 'name']));
    if (configMap) {
      const cm = this.state.get('v1', 'ConfigMap', namespace, configMap);
      if (!cm) return `real: waiting for the init script ConfigMap ${configMap}`;
      const entries = Object.entries(asRecord(cm.data)).sort(([a], [b]) => a.localeCompare(b));
      for (const [file, content] of entries)
        if (typeof content === 'string' && !file.endsWith('.sh')) scripts.push(content);
    }
    const containers = getPath(pod, ['spec', 'containers']);
    const main = Array.isArray(containers) ? asRecord(containers[0]) : {};
    const memory = parseQuantity(getPath(main, ['resources', 'limits', 'memory']));
    // A standby neither archives WAL nor runs init scripts: the primary does both.
    if (standbyOf) scripts.length = 0;
    const walArchive = standbyOf ? undefined : resolveWalArchive(this.state, db);
    if (typeof walArchive === 'string') return `real: ${walArchive}`;
    return {
      namespace,
      kind,
      database: name,
      pod: pod.metadata.name ?? '',
      engine,
      version: text(getPath(db, ['spec', 'version'])),
      user: user || 'root',
      password,
      initScripts: scripts,
      ...(Number.isFinite(memory) && memory > 0 ? { memoryLimitBytes: memory } : {}),
      ...(walArchive ? { walArchive } : {}),
      ...(standbyOf ? { standbyOf } : {}),
    };
  }
}

/** The annotations a started pod carries about its data plane. */
export function dataPlaneAnnotations(decision: PodDataPlane): Record<string, string | null> {
  if (decision.mode === 'simulated')
    return {
      [DATA_PLANE_ANNOTATION]: 'simulated',
      [MACHINE_VERSION_ANNOTATION]: null,
      [DIRECT_ADDRESS_ANNOTATION]: null,
      [STANDBY_OF_ANNOTATION]: null,
    };
  const info = decision.info;
  return {
    [DATA_PLANE_ANNOTATION]: 'real',
    [MACHINE_VERSION_ANNOTATION]: info?.machineVersion ?? null,
    [DIRECT_ADDRESS_ANNOTATION]: info && info.port > 0 ? `${info.host}:${info.port}` : null,
    [STANDBY_OF_ANNOTATION]: info?.standbyOf ?? null,
  };
}
