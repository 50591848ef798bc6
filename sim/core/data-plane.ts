/**
 * The seam of the real data plane: real database processes (PostgreSQL, MariaDB for the MariaDB and
 * MySQL kinds, Redis) behind simulated pods. The operator (`sim/operator`) starts and stops
 * instances through `DataPlane`; the API server (`sim/apiserver`) reaches them for `pods/portforward`,
 * the service proxy and `metrics.k8s.io`; the simulated KubeStash operator dumps and restores them.
 * One implementation lives in `sim/dataplane/`; a cluster started without `dataPlane: 'real'` has
 * none, and every caller treats a missing instance as "simulated".
 *
 * `sim/` imports nothing from `engine/` or `src/`.
 */

/** The engines that can run for real on this machine. */
export type RealEngine = 'postgres' | 'mariadb' | 'redis';

/** How a database object is configured into a process (read from the object and its secrets). */
export interface InstanceSpec {
  namespace: string;
  /** The database object's kind (Postgres, MySQL, MariaDB, Redis). */
  kind: string;
  /** The database object's name. */
  database: string;
  /** The primary pod's name (e.g. `orders-0`). */
  pod: string;
  engine: RealEngine;
  /**
   * `spec.version` of the object. PostgreSQL runs its major when installed, else the newest
   * installed; MariaDB and Redis have one install each (`InstanceInfo.machineVersion` says what runs).
   */
  version: string;
  /** From the `<name>-auth` secret. Redis uses only the password. */
  user: string;
  password: string;
  /** `spec.init.script` SQL (ConfigMap contents), run once after the first start. */
  initScripts?: string[];
  /** Memory limit in bytes, mapped to `shared_buffers`/`innodb_buffer_pool_size`/`maxmemory`. */
  memoryLimitBytes?: number;
  /** PostgreSQL only: WAL archiving to a restic repository (PITR), when `spec.archiver.ref` is set. */
  walArchive?: ResticTarget;
  /**
   * PostgreSQL only: the pod (same namespace) of the running primary this instance is a streaming
   * standby of. It is then read-only (hot standby) and runs neither credentials nor init scripts
   * of its own: both come from the primary with the base backup and the WAL.
   */
  standbyOf?: string;
}

/** A restic repository in S3 (the BackupStorage's bucket and prefix, credentials from its Secret). */
export interface ResticTarget {
  /** e.g. `s3:http://127.0.0.1:7480/bucket/prefix` */
  repository: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The repository password (from the Repository's encryption secret). */
  password: string;
}

export type InstanceState = 'starting' | 'running' | 'stopped' | 'failed';

/** A running (or stopped) real process for one pod. */
export interface InstanceInfo {
  namespace: string;
  database: string;
  kind: string;
  pod: string;
  engine: RealEngine;
  state: InstanceState;
  /** Why it failed, when `state` is `failed`. */
  message?: string;
  /** The version actually running (e.g. `15.18`), when it differs from the object's. */
  machineVersion: string;
  /** Where the process listens (always 127.0.0.1). */
  host: string;
  port: number;
  /** The container port the real pod would expose (5432, 3306, 6379). */
  containerPort: number;
  /** The process id of the server (postmaster, mariadbd, redis-server), when running. */
  pid?: number;
  dataDir: string;
  /** PostgreSQL's unix socket directory, MariaDB's socket path; unset for Redis. */
  socket?: string;
  user: string;
  password: string;
  startedAt?: string;
  /** How often the supervisor restarted the process after it died on its own (a pod's restartCount). */
  restarts?: number;
  /** The primary's pod, when this instance is a streaming standby (see `InstanceSpec.standbyOf`). */
  standbyOf?: string;
}

/** Reads of a running process for metrics.k8s.io and the exporter endpoint. */
export interface InstanceMetrics {
  /** Resident set size of the server and its children, bytes. */
  rssBytes: number;
  /** CPU time used so far (user + system) of the server and its children, seconds. */
  cpuSeconds: number;
}

export interface DataPlane {
  /** Whether this engine's server binary exists on the machine. */
  available(engine: RealEngine): boolean;
  /** Starts (or, if already known, resumes) the process for a pod. Idempotent. */
  ensure(spec: InstanceSpec): Promise<InstanceInfo>;
  /** Stops the process, keeping its data (Halt, pod deletion). */
  stop(namespace: string, pod: string): Promise<void>;
  /** Stops the process and removes its data directory (WipeOut, PVC deletion). */
  remove(namespace: string, pod: string): Promise<void>;
  /** The instance of a pod, if one was ever started (and not removed). */
  instance(namespace: string, pod: string): InstanceInfo | undefined;
  /** The primary instance of a database object (never a standby while a primary is known). */
  instanceOfDatabase(namespace: string, kind: string, database: string): InstanceInfo | undefined;
  /** Every known instance. */
  list(): InstanceInfo[];
  /** Process metrics of a running instance. */
  metrics(namespace: string, pod: string): Promise<InstanceMetrics | undefined>;
  /** Called on every state change of an instance (started, stopped, failed). */
  onChange(listener: (info: InstanceInfo) => void): () => void;
  /** Kills the process as a crash would (SIGKILL); it is restarted like a pod's container. */
  crash?(namespace: string, pod: string): void;
  /** Stops every process and frees every port. */
  close(): Promise<void>;
}
