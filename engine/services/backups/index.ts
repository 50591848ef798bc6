/**
 * The public interface of the backup use cases (issue 14): storages, policies and backups. The
 * routes (engine/api/routes/backups*.ts), the restore/drill services and the console call these
 * ports only; the classes implementing them live next to this file.
 *
 * Where KubeStash objects go: a storage is materialised per cluster as a KubeStash BackupStorage +
 * its S3 Secret in the namespace of the database that uses it (the project namespace), with
 * `usagePolicy.allowedNamespaces.from: Same` (see engine/kubedb/kubestash.ts).
 */
import type {
  BackupItem,
  BackupListResponse,
  BackupPolicyResponse,
  BackupStorageResponse,
  StorageTestResponse,
} from '../../domain/backup-views';
import type { BackupStorage, Operation } from '../../domain';
import type { Grant } from '../auth/access';

/** Who acts, in which scope, and whether only to preview (`dryRun`: validate and build, change nothing). */
export interface BackupActOptions {
  dryRun?: boolean;
  actor?: string;
  grant?: Grant;
}

/** What a dry run answers: the objects that would be applied (Secrets never included). */
export interface BackupDryRun {
  dryRun: true;
  manifests: unknown[];
}

/** The S3 keys of a storage, read from the vault (never logged, stored or returned by the API). */
export interface S3Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Names of a storage's objects once materialised in a namespace of a cluster. */
export interface MaterializedStorage {
  providerId: string;
  namespace: string;
  /** The KubeStash BackupStorage name (`dbaas-<storage name>`). */
  backupStorage: string;
  /** The Secret holding the S3 keys. */
  secret: string;
}

export interface BackupStorageService {
  /** Validates, stores the keys in the vault (`s3-credentials/<id>`), the record without them. */
  create(input: unknown, options?: BackupActOptions): Promise<BackupStorageResponse>;
  get(id: string): Promise<BackupStorageResponse>;
  list(): Promise<{ items: BackupStorageResponse[] }>;
  /** Partial update; new keys replace the vault entry; materialised copies are re-applied. */
  update(id: string, input: unknown, options?: BackupActOptions): Promise<BackupStorageResponse>;
  /** 409 naming the databases whose policy uses it; otherwise removes the record and its keys. */
  delete(id: string, options?: BackupActOptions): Promise<void>;
  /** Reach, credentials, bucket, write/read/delete of a probe object against the real S3. */
  test(id: string): Promise<StorageTestResponse>;
  /**
   * Applies the storage's KubeStash BackupStorage + Secret in `namespace` on the cluster (server-side
   * apply, idempotent) and remembers the cluster in `providerIds`.
   */
  materialize(
    storageId: string,
    providerId: string,
    namespace: string,
  ): Promise<MaterializedStorage>;
  /** The stored record (no keys), for other services. `NotFoundError` when absent. */
  record(id: string): Promise<BackupStorage>;
  /** The keys from the vault, for services that must talk to the bucket (restore, estate). */
  keys(id: string): Promise<S3Keys>;
}

export interface BackupPolicyService {
  /**
   * Validates and saves the database's policy, then applies RetentionPolicy + BackupConfiguration
   * (+ the storage and the repository's encryption Secret) by server-side apply.
   */
  put(
    databaseId: string,
    input: unknown,
    options?: BackupActOptions,
  ): Promise<BackupPolicyResponse | BackupDryRun>;
  /** `NotFoundError` when the database has no policy. */
  get(databaseId: string, grant?: Grant): Promise<BackupPolicyResponse>;
  /** Removes the BackupConfiguration and the policy; snapshots and the repository stay. */
  delete(databaseId: string, options?: BackupActOptions): Promise<void>;
  /** Applies the stored policy of a database (after a create, once the database exists). */
  apply(databaseId: string): Promise<void>;
  /** The next run of a five-field cron schedule after `from` (UTC); null when paused. */
  nextRunAt(schedule: string, from: Date, paused?: boolean): Date | null;
  /**
   * Makes `sourceId`'s repository reachable on `providerId` for a restore there: its backup
   * storage and restic encryption Secret applied in the source's namespace (placement.ts).
   */
  placeRepository(sourceId: string, providerId: string): Promise<void>;
}

export interface BackupService {
  /** Queues an on-demand backup (operation type `backup`) → 202 `{operation}`. */
  start(databaseId: string, options?: BackupActOptions): Promise<Operation | BackupDryRun>;
  /** Sessions with their snapshots from the watch caches, newest first (never polls the cluster). */
  list(databaseId: string, grant?: Grant): Promise<BackupListResponse>;
  /** One backup by id (the BackupSession name), from the same caches; `NotFoundError` otherwise. */
  get(databaseId: string, backupId: string, grant?: Grant): Promise<BackupItem>;
}

/** The three services together, as `Services.backups`. */
export interface BackupServices {
  storages: BackupStorageService;
  policies: BackupPolicyService;
  backups: BackupService;
}
