import type { Disposable } from '../base/disposable';
import type {
  ApiKey,
  AuditEvent,
  Backup,
  BackupStorage,
  Database,
  Domain,
  Operation,
  Project,
  Provider,
  User,
} from '../domain';
import type { Page, PageRequest } from './paging';
import type {
  ApiKeyFilter,
  AuditFilter,
  BackupFilter,
  DatabaseFilter,
  MetaEntry,
  MetricSample,
  NoFilter,
  OperationFilter,
  ProjectFilter,
  RefreshToken,
  StoredRecord,
} from './records';

export * from './errors';
export * from './paging';
export * from './records';

/**
 * One collection of mutable records with optimistic concurrency.
 *
 * - `create` stores the record with `revision: 1` (whatever it carried) and returns what was
 *   stored; a taken unique key rejects with `DuplicateError` (a `ConflictError`) naming its fields,
 *   an existing id with `ConflictError`.
 * - `update` succeeds only when `record.revision` is the stored revision, stores `revision + 1`
 *   and returns the stored record; otherwise `StaleRevisionError` (a `ConflictError`), or
 *   `NotFoundError` when the id is gone. The caller sets `updatedAt`; the store keeps times as given.
 * - `list` is ordered by (`createdAt`, `id`) ascending, paged by an opaque cursor that stays valid
 *   while records are added or removed (no duplicates, nothing skipped that existed throughout).
 * - Failures of the backend reject with `UnavailableError`; messages never hold a connection string.
 */
export interface Repository<T extends StoredRecord, F = NoFilter> {
  create(record: T): Promise<T>;
  /** The record, or `NotFoundError`. */
  get(id: string): Promise<T>;
  /** The record, or null. */
  find(id: string): Promise<T | null>;
  update(record: T): Promise<T>;
  /** Removes the record for good; false when there was none. Databases are normally marked DELETED instead. */
  delete(id: string): Promise<boolean>;
  list(filter?: F, page?: PageRequest): Promise<Page<T>>;
}

/** Databases. Unique: (domain, project, name) among databases whose status is not DELETED. */
export interface DatabaseRepository extends Repository<Database, DatabaseFilter> {
  /** The live (not DELETED) database with this name in the project, or null. */
  findByName(domain: string, project: string, name: string): Promise<Database | null>;
  /** Databases of the project that count against its quota: every status but DELETED. */
  countByProject(domain: string, project: string): Promise<number>;
  /** Databases still living on the provider (every status but DELETED): a provider in use cannot be removed. */
  countActiveByProvider(providerId: string): Promise<number>;
}

/** Kubernetes clusters. Unique: name. */
export interface ProviderRepository extends Repository<Provider> {
  findByName(name: string): Promise<Provider | null>;
}

/** Long work on databases; filter by database, status and type. */
export type OperationRepository = Repository<Operation, OperationFilter>;

/** Tenants. Unique: name. */
export interface DomainRepository extends Repository<Domain> {
  findByName(name: string): Promise<Domain | null>;
}

/** Projects of domains. Unique: (domain, name). */
export interface ProjectRepository extends Repository<Project, ProjectFilter> {
  findByName(domain: string, name: string): Promise<Project | null>;
}

/** S3 targets for backups. Unique: name. */
export interface BackupStorageRepository extends Repository<BackupStorage> {
  findByName(name: string): Promise<BackupStorage | null>;
}

/** Records of backup sessions, per database. */
export type BackupRepository = Repository<Backup, BackupFilter>;

/** Console users. Unique: username. */
export interface UserRepository extends Repository<User> {
  findByUsername(username: string): Promise<User | null>;
}

/** API keys; found by their non-secret prefix, then checked by hash. */
export interface ApiKeyRepository extends Repository<ApiKey, ApiKeyFilter> {
  findByPrefix(prefix: string): Promise<ApiKey[]>;
  /** Keys of the creator that have not expired at `now` (ISO); a key with no expiry counts. */
  countActiveByCreator(createdBy: string, now: string): Promise<number>;
  /** Revokes (deletes) every key of the creator, as "end every session" does; returns how many. */
  deleteByCreator(createdBy: string): Promise<number>;
}

/**
 * The audit log: append-only (there is no update or delete) and a hash chain. The store keeps the
 * chain linear even with several engines writing: `append` is refused with `ConflictError` unless
 * `event.prevHash` is the hash of the current last event (or the genesis hash for the first), so a
 * writer that lost the race re-reads `last()`, re-hashes and appends again.
 */
export interface AuditEventRepository {
  append(event: AuditEvent): Promise<AuditEvent>;
  /** The newest event, or null for an empty log. */
  last(): Promise<AuditEvent | null>;
  get(id: string): Promise<AuditEvent>;
  /** Newest first, filtered; `from`/`to` compare `time`. */
  list(filter?: AuditFilter, page?: PageRequest): Promise<Page<AuditEvent>>;
  /** Every event in chain order (oldest first), read in pages of 500 so that no read blocks for long. */
  listAll(): AsyncIterable<AuditEvent>;
}

/** Issued refresh tokens (hashes only). */
export interface RefreshTokenRepository {
  /** A taken id or token hash rejects with `ConflictError`. */
  create(token: RefreshToken): Promise<RefreshToken>;
  findByHash(tokenHash: string): Promise<RefreshToken | null>;
  /**
   * Marks the token revoked (and replaced by `replacedBy`, rotated by the client `rotatedBy`, on
   * rotation). Atomic: resolves true for exactly one of several concurrent callers, whose
   * `replacedBy` and `rotatedBy` are kept; false when it was already revoked or is absent.
   */
  revoke(
    id: string,
    revokedAt: string,
    replacedBy?: string | null,
    rotatedBy?: string | null,
  ): Promise<boolean>;
  /** Revokes every live token of the user (logout everywhere, a stolen token); returns how many. */
  revokeAllForUser(userId: string, revokedAt: string): Promise<number>;
  /** Deletes tokens that expired before `now` (ISO); MongoDB also has a TTL index for this. */
  pruneExpired(now: string): Promise<number>;
}

/** Metric samples per database, kept 24 hours. */
export interface MetricSampleRepository {
  append(samples: readonly MetricSample[]): Promise<void>;
  /** Samples of the database with `from <= t <= to` (epoch ms), oldest first, optionally only some names. */
  query(
    databaseId: string,
    range: { from: number; to: number; names?: readonly string[] },
  ): Promise<MetricSample[]>;
  /** Deletes samples with `t < before` (epoch ms); returns how many. MongoDB's TTL index does it too. */
  prune(before: number): Promise<number>;
}

/**
 * A small key/value map with compare-and-set, for leader bookkeeping and fencing tokens.
 * `put(key, value, expectedRevision)`: `undefined` writes unconditionally; `null` only creates
 * (`ConflictError` if present); a number only replaces that revision (`StaleRevisionError` otherwise).
 */
export interface MetaRepository {
  get(key: string): Promise<MetaEntry | null>;
  put(key: string, value: unknown, expectedRevision?: number | null): Promise<MetaEntry>;
  delete(key: string): Promise<boolean>;
}

/**
 * The engine's persistent state: one repository per collection. Adapters: `store/sqlite`
 * (embedded, the desktop and single-node daemons) and `store/mongo` (shared, replicated daemons);
 * both pass `store/conformance`. Services depend on this port only.
 */
export interface Store extends Disposable {
  readonly databases: DatabaseRepository;
  readonly providers: ProviderRepository;
  readonly operations: OperationRepository;
  readonly domains: DomainRepository;
  readonly projects: ProjectRepository;
  readonly backupStorages: BackupStorageRepository;
  readonly backups: BackupRepository;
  readonly auditEvents: AuditEventRepository;
  readonly users: UserRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly metrics: MetricSampleRepository;
  readonly meta: MetaRepository;
  /**
   * Runs `fn` against a store view whose writes commit together or not at all.
   * SQLite: a real transaction (other calls wait until it ends; `fn` must not wait on anything
   * slow). MongoDB: best-effort — `fn` runs without atomicity (no multi-document transaction, which
   * would need a replica set and a session threaded through every call); design writes so that each
   * one is safe on its own (revision checks, unique indexes).
   */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  /** Resolves when the backend answers; `UnavailableError` otherwise (the readiness probe). */
  ping(): Promise<void>;
  /** Closes connections; safe to call twice. Calls after it reject. */
  close(): Promise<void>;
}
