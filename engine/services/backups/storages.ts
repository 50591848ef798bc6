import { ConflictError } from '../../base/errors';
import type { BackupStorageResponse, StorageTestResponse } from '../../domain/backup-views';
import {
  CreateBackupStorageRequestSchema,
  type BackupStorage,
  type CreateBackupStorageRequest,
  type Database,
} from '../../domain';
import { FIELD_MANAGER } from '../../kube';
import { backupStorageNames, buildBackupStorage, buildS3Secret } from '../../kubedb/kubestash';
import type { SecretRef } from '../../vault';
import { isoNow, type ServiceContext } from '../context';
import type { ProviderService } from '../providers';
import { parseInput } from '../validation';
import type { BackupActOptions, BackupStorageService, MaterializedStorage, S3Keys } from './index';
import { checkStorage } from './s3-check';

const PatchStorageSchema = CreateBackupStorageRequestSchema.partial().strict();

function keysRef(id: string): SecretRef {
  return { kind: 's3-credentials', id };
}

/** Every live database (not DELETED), read in pages. */
export async function liveDatabases(context: ServiceContext): Promise<Database[]> {
  const all: Database[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await context.store.databases.list(
      {},
      { limit: 200, cursor: cursor ?? undefined },
    );
    all.push(...page.items.filter((db) => db.status !== 'DELETED'));
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

function toResponse(
  storage: BackupStorage,
  usedBy: BackupStorageResponse['usedBy'],
): BackupStorageResponse {
  return {
    id: storage.id,
    name: storage.name,
    type: storage.type,
    bucket: storage.bucket,
    endpoint: storage.endpoint,
    region: storage.region,
    prefix: storage.prefix,
    forcePathStyle: storage.forcePathStyle,
    retentionDays: storage.retentionDays,
    accessKeyIdHint: storage.accessKeyIdHint,
    providerIds: storage.providerIds,
    usedBy,
    createdAt: storage.createdAt,
    updatedAt: storage.updatedAt,
  };
}

/** S3 storages: records without keys, keys in the vault, copies on the clusters that use them. */
export class BackupStorages implements BackupStorageService {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
  ) {}

  async create(input: unknown, options: BackupActOptions = {}): Promise<BackupStorageResponse> {
    const request: CreateBackupStorageRequest = parseInput(CreateBackupStorageRequestSchema, input);
    const { store, vault } = this.context;
    if (await store.backupStorages.findByName(request.name))
      throw new ConflictError(`a backup storage named ${request.name} already exists`);
    const id = this.context.newId();
    const now = isoNow(this.context);
    const { accessKeyId, secretAccessKey, ...fields } = request;
    const record: BackupStorage = {
      ...fields,
      id,
      accessKeyIdHint: accessKeyId.slice(-4),
      providerIds: [],
      vaultRef: `s3-credentials/${id}`,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    // A preview is marked as one (`id: "dry-run"`, as a drill's preview): nothing is kept.
    if (options.dryRun) return toResponse({ ...record, id: 'dry-run' }, []);
    await vault.put(keysRef(id), JSON.stringify({ accessKeyId, secretAccessKey }));
    try {
      return toResponse(await store.backupStorages.create(record), []);
    } catch (error) {
      await vault.delete(keysRef(id)).catch(() => false);
      throw error;
    }
  }

  async get(id: string): Promise<BackupStorageResponse> {
    const storage = await this.context.store.backupStorages.get(id);
    return toResponse(storage, await this.usersOf(id));
  }

  async list(): Promise<{ items: BackupStorageResponse[] }> {
    const items: BackupStorage[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await this.context.store.backupStorages.list(undefined, {
        limit: 200,
        cursor: cursor ?? undefined,
      });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const databases = await liveDatabases(this.context);
    return {
      items: items.map((storage) => toResponse(storage, usersAmong(databases, storage.id))),
    };
  }

  async update(
    id: string,
    input: unknown,
    options: BackupActOptions = {},
  ): Promise<BackupStorageResponse> {
    const parsed = parseInput(PatchStorageSchema, input);
    // Only what the caller gave: the create schema's defaults must not overwrite stored values.
    const given = new Set(Object.keys(input ?? {}));
    const patch = Object.fromEntries(
      Object.entries(parsed).filter(([key]) => given.has(key)),
    ) as typeof parsed;
    const { store, vault } = this.context;
    const current = await store.backupStorages.get(id);
    if (patch.name && patch.name !== current.name)
      throw new ConflictError(
        'a backup storage cannot be renamed: its KubeStash objects on the clusters carry the name',
      );
    const { accessKeyId, secretAccessKey, ...fields } = patch;
    const next: BackupStorage = {
      ...current,
      ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
      ...(accessKeyId ? { accessKeyIdHint: accessKeyId.slice(-4) } : {}),
      updatedAt: isoNow(this.context),
    };
    if (options.dryRun) return toResponse(next, await this.usersOf(id));
    if (accessKeyId || secretAccessKey) {
      const keys = await this.keys(id);
      await vault.put(
        keysRef(id),
        JSON.stringify({
          accessKeyId: accessKeyId ?? keys.accessKeyId,
          secretAccessKey: secretAccessKey ?? keys.secretAccessKey,
        }),
      );
    }
    const saved = await store.backupStorages.update(next);
    // The copies on the clusters follow: new keys or a new endpoint reach every namespace using it.
    const databases = await liveDatabases(this.context);
    for (const db of databases.filter((d) => d.backup?.storageId === id))
      await this.materialize(id, db.providerId, db.namespace).catch((error: unknown) =>
        this.context.logger.warn(
          { storageId: id, databaseId: db.id, err: error },
          'the backup storage could not be re-applied on a cluster',
        ),
      );
    return toResponse(saved, usersAmong(databases, id));
  }

  async delete(id: string, options: BackupActOptions = {}): Promise<void> {
    const storage = await this.context.store.backupStorages.get(id);
    const users = await this.usersOf(id);
    if (users.length > 0)
      throw new ConflictError(
        `backup storage ${storage.name} is used by the backup policies of ${users
          .map((u) => u.name)
          .join(', ')}: remove or change those policies first`,
        { details: users.map((u) => ({ path: 'usedBy', rule: 'in-use', message: u.name })) },
      );
    if (options.dryRun) return;
    await this.context.store.backupStorages.delete(id);
    await this.context.vault.delete(keysRef(id)).catch(() => false);
  }

  async test(id: string): Promise<StorageTestResponse> {
    const storage = await this.context.store.backupStorages.get(id);
    return checkStorage(storage, await this.keys(id));
  }

  async materialize(
    storageId: string,
    providerId: string,
    namespace: string,
  ): Promise<MaterializedStorage> {
    const { store } = this.context;
    const storage = await store.backupStorages.get(storageId);
    const client = await this.providers.clientFor(await store.providers.get(providerId));
    const names = backupStorageNames(storage);
    const apply = { fieldManager: FIELD_MANAGER, force: true };
    await client.apply(buildS3Secret(storage, namespace, await this.keys(storageId)), apply);
    await client.apply(buildBackupStorage(storage, namespace), apply);
    if (!storage.providerIds.includes(providerId)) {
      const fresh = await store.backupStorages.get(storageId);
      if (!fresh.providerIds.includes(providerId))
        await store.backupStorages.update({
          ...fresh,
          providerIds: [...fresh.providerIds, providerId],
          updatedAt: isoNow(this.context),
        });
    }
    return { providerId, namespace, backupStorage: names.backupStorage, secret: names.secret };
  }

  record(id: string): Promise<BackupStorage> {
    return this.context.store.backupStorages.get(id);
  }

  async keys(id: string): Promise<S3Keys> {
    const parsed = JSON.parse(await this.context.vault.get(keysRef(id))) as S3Keys;
    return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey };
  }

  private async usersOf(id: string): Promise<BackupStorageResponse['usedBy']> {
    return usersAmong(await liveDatabases(this.context), id);
  }
}

function usersAmong(databases: Database[], storageId: string): BackupStorageResponse['usedBy'] {
  return databases
    .filter((db) => db.backup?.storageId === storageId)
    .map((db) => ({ databaseId: db.id, name: db.name }));
}
