import {
  ApiKeySchema,
  AUDIT_GENESIS_HASH,
  BackupSchema,
  BackupStorageSchema,
  DatabaseSchema,
  DomainSchema,
  OperationSchema,
  ProjectSchema,
  ProviderSchema,
  UNKNOWN_PROVIDER_HEALTH,
  UserSchema,
  type ApiKey,
  type AuditEvent,
  type Backup,
  type BackupStorage,
  type Database,
  type Domain,
  type Operation,
  type Project,
  type Provider,
  type User,
} from '../../domain';
import { createHash } from 'node:crypto';
import type { RefreshToken } from '../records';

const DAY_MS = 86_400_000;

/**
 * Record builders for the conformance suite. Each record is parsed by its domain schema, so the
 * suite stores what services store. Times advance one second per record from `now` unless given,
 * which makes the expected (createdAt, id) order easy to state. `now` is injected and no time is
 * hard-coded: MongoDB's TTL indexes delete refresh tokens and metric samples whose dates are past,
 * so fixed dates would make records vanish under a test once the calendar passes them.
 */
export class Fixtures {
  private sequence = 0;

  /** @param base the suite's "now", epoch ms; the system clock's when not given. */
  constructor(private readonly base: number = Date.now()) {}

  /** `days` after the fixtures' now (negative: before), as ISO. */
  at(days: number): string {
    return new Date(this.base + days * DAY_MS).toISOString();
  }

  /** A unique id, sortable by creation. */
  id(prefix: string): string {
    this.sequence += 1;
    return `${prefix}-${String(this.sequence).padStart(5, '0')}`;
  }

  /** The next time, as ISO; several records may share one when `same` is passed. */
  time(offsetSeconds?: number): string {
    this.sequence += 1;
    return new Date(this.base + (offsetSeconds ?? this.sequence) * 1000).toISOString();
  }

  database(overrides: Partial<Database> = {}): Database {
    const id = overrides.id ?? this.id('db');
    const time = overrides.createdAt ?? this.time();
    const domain = overrides.domain ?? 'acme';
    const project = overrides.project ?? 'shop';
    return DatabaseSchema.parse({
      id,
      name: `db${id.replace(/[^0-9]/g, '')}`,
      engine: 'postgres',
      version: '16.4',
      domain,
      project,
      providerId: 'prov-1',
      namespace: `${domain}-${project}`,
      replicas: 3,
      mode: 'cluster',
      topology: {},
      resources: { cpu: '500m', memory: '1Gi' },
      storage: { size: '10Gi', storageClass: 'standard' },
      deletionPolicy: 'Delete',
      halted: false,
      status: 'RUNNING',
      phase: 'Ready',
      readyReplicas: 3,
      endpoint: { host: `x.${domain}-${project}.svc`, port: 5432 },
      conditions: [],
      drift: [],
      activeOperationId: null,
      statusReason: null,
      backup: null,
      labels: { 'app.kubernetes.io/part-of': 'shop', team: 'payments' },
      lastSyncedAt: null,
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  provider(overrides: Partial<Provider> = {}): Provider {
    const id = overrides.id ?? this.id('prov');
    const time = overrides.createdAt ?? this.time();
    return ProviderSchema.parse({
      id,
      name: `cluster-${id.replace(/[^0-9]/g, '')}`,
      context: 'default',
      region: 'eu-west-1',
      labels: { 'topology.kubernetes.io/region': 'eu-west-1' },
      server: 'https://10.0.0.1:6443',
      vaultRef: `kubeconfig/${id}`,
      health: UNKNOWN_PROVIDER_HEALTH,
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  operation(overrides: Partial<Operation> = {}): Operation {
    const time = overrides.createdAt ?? this.time();
    return OperationSchema.parse({
      id: overrides.id ?? this.id('op'),
      type: 'create',
      databaseId: 'db-1',
      status: 'QUEUED',
      progress: 0,
      attempts: 0,
      maxAttempts: 3,
      steps: [],
      error: null,
      params: {},
      opsRequestName: null,
      startedAt: null,
      finishedAt: null,
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  domain(overrides: Partial<Domain> = {}): Domain {
    const id = overrides.id ?? this.id('dom');
    const time = overrides.createdAt ?? this.time();
    return DomainSchema.parse({
      id,
      name: `domain-${id.replace(/[^0-9]/g, '')}`,
      quota: {},
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  project(overrides: Partial<Project> = {}): Project {
    const id = overrides.id ?? this.id('prj');
    const time = overrides.createdAt ?? this.time();
    return ProjectSchema.parse({
      id,
      domain: 'acme',
      name: `project-${id.replace(/[^0-9]/g, '')}`,
      quota: { maxDatabases: 10 },
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  backupStorage(overrides: Partial<BackupStorage> = {}): BackupStorage {
    const id = overrides.id ?? this.id('bs');
    const time = overrides.createdAt ?? this.time();
    return BackupStorageSchema.parse({
      id,
      name: `storage-${id.replace(/[^0-9]/g, '')}`,
      type: 's3',
      bucket: 'backups',
      endpoint: 'https://s3.example.com',
      region: 'eu-west-1',
      prefix: 'dbaas/',
      vaultRef: `s3-credentials/${id}`,
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  backup(overrides: Partial<Backup> = {}): Backup {
    const id = overrides.id ?? this.id('bk');
    const time = overrides.createdAt ?? this.time();
    return BackupSchema.parse({
      id,
      databaseId: 'db-1',
      sessionName: `session-${id}`,
      phase: 'Pending',
      size: null,
      snapshot: null,
      startedAt: null,
      finishedAt: null,
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  user(overrides: Partial<User> = {}): User {
    const id = overrides.id ?? this.id('usr');
    const time = overrides.createdAt ?? this.time();
    return UserSchema.parse({
      id,
      username: `user${id.replace(/[^0-9]/g, '')}`,
      passwordHash: 'scrypt$not-a-real-hash',
      bindings: [{ role: 'viewer', domain: 'acme' }],
      disabled: false,
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  apiKey(overrides: Partial<ApiKey> = {}): ApiKey {
    const id = overrides.id ?? this.id('key');
    const time = overrides.createdAt ?? this.time();
    return ApiKeySchema.parse({
      id,
      name: `key ${id}`,
      prefix: `dbk_${id.replace(/[^0-9]/g, '')}`,
      hash: createHash('sha256').update(id).digest('hex'),
      binding: { role: 'operator', domain: 'acme', project: 'shop' },
      createdBy: 'usr-1',
      lastUsedAt: null,
      expiresAt: null,
      revision: 0,
      createdAt: time,
      updatedAt: time,
      ...overrides,
    });
  }

  refreshToken(overrides: Partial<RefreshToken> = {}): RefreshToken {
    const id = overrides.id ?? this.id('rt');
    return {
      id,
      userId: 'usr-1',
      tokenHash: createHash('sha256').update(`token-${id}`).digest('hex'),
      createdAt: this.at(0),
      expiresAt: this.at(7),
      revokedAt: null,
      replacedBy: null,
      ...overrides,
    };
  }

  /** An audit event chained to `previous` (or the genesis), hashed like the audit service would. */
  auditEvent(previous: AuditEvent | null, overrides: Partial<AuditEvent> = {}): AuditEvent {
    const fields = {
      id: this.id('ev'),
      actor: 'admin',
      action: 'database.create',
      target: 'database/db-1',
      result: 'success' as const,
      requestId: null,
      sourceIp: '127.0.0.1',
      time: this.time(),
      details: { engine: 'postgres' },
      prevHash: previous?.hash ?? AUDIT_GENESIS_HASH,
      ...overrides,
    };
    return {
      ...fields,
      hash: overrides.hash ?? createHash('sha256').update(JSON.stringify(fields)).digest('hex'),
    };
  }
}
