import type { Filter, IndexDescription } from 'mongodb';
import type {
  ApiKey,
  Backup,
  BackupStorage,
  Database,
  Domain,
  Operation,
  Project,
  Provider,
  User,
} from '../../domain';
import type {
  ApiKeyRepository,
  BackupStorageRepository,
  DatabaseRepository,
  DomainRepository,
  ProjectRepository,
  ProviderRepository,
  UserRepository,
} from '../index';
import type {
  ApiKeyFilter,
  BackupFilter,
  DatabaseFilter,
  NoFilter,
  OperationFilter,
  ProjectFilter,
} from '../records';
import { literalPattern, type MongoContext, type MongoDoc } from './mongo-context';
import type { Page, PageRequest } from '../paging';
import { equalsAny, MongoRepository, type MongoCollectionSpec } from './mongo-repository';

const NOT_DELETED = { status: { $ne: 'DELETED' } };
const NOTHING: Filter<MongoDoc> = { _id: { $in: [] } };

/** Every index the store needs, per collection; created (idempotently) when the store opens. */
export const RECORD_INDEXES: Record<string, IndexDescription[]> = {
  databases: [
    // Partial filters cannot say `status != DELETED`, so live databases carry `_live: true`.
    {
      key: { domain: 1, project: 1, name: 1 },
      name: 'live_name',
      unique: true,
      partialFilterExpression: { _live: true },
    },
    { key: { providerId: 1, status: 1 }, name: 'provider_status' },
    { key: { domain: 1, project: 1, status: 1 }, name: 'project_status' },
    { key: { status: 1 }, name: 'status' },
  ],
  providers: [{ key: { name: 1 }, name: 'name', unique: true }],
  operations: [
    { key: { databaseId: 1, _createdMs: 1, _id: 1 }, name: 'database_order' },
    { key: { status: 1 }, name: 'status' },
  ],
  domains: [{ key: { name: 1 }, name: 'name', unique: true }],
  projects: [{ key: { domain: 1, name: 1 }, name: 'domain_name', unique: true }],
  backupStorages: [{ key: { name: 1 }, name: 'name', unique: true }],
  backups: [{ key: { databaseId: 1, _createdMs: 1, _id: 1 }, name: 'database_order' }],
  users: [{ key: { username: 1 }, name: 'username', unique: true }],
  apiKeys: [
    { key: { prefix: 1 }, name: 'prefix' },
    { key: { createdBy: 1 }, name: 'created_by' },
  ],
};

const DATABASES: MongoCollectionSpec<Database, DatabaseFilter> = {
  collection: 'databases',
  what: 'database',
  uniques: [
    {
      fields: ['domain', 'project', 'name'],
      index: 'live_name',
      describe: (db) => `named "${db.name}" in ${db.domain}/${db.project}`,
    },
  ],
  derive: (db) => (db.status === 'DELETED' ? {} : { _live: true }),
  where(filter) {
    const clauses: Filter<MongoDoc>[] = [
      ...equalsAny('domain', filter.domain),
      ...equalsAny('project', filter.project),
      ...equalsAny('engine', filter.engine),
      ...equalsAny('providerId', filter.providerId),
      ...equalsAny('_id', filter.ids),
    ];
    if (filter.status !== undefined) clauses.push(...equalsAny('status', filter.status));
    else if (!filter.includeDeleted) clauses.push(NOT_DELETED);
    if (filter.q) clauses.push({ name: { $regex: literalPattern(filter.q), $options: 'i' } });
    if (filter.scopes) {
      clauses.push(
        filter.scopes.length === 0
          ? NOTHING
          : {
              $or: filter.scopes.map((scope) =>
                scope.project === undefined
                  ? { domain: scope.domain }
                  : { domain: scope.domain, project: scope.project },
              ),
            },
      );
    }
    return clauses;
  },
};

export class MongoDatabaseRepository
  extends MongoRepository<Database, DatabaseFilter>
  implements DatabaseRepository
{
  constructor(context: MongoContext) {
    super(context, DATABASES);
  }

  findByName(domain: string, project: string, name: string): Promise<Database | null> {
    return this.findWhere({ domain, project, name, ...NOT_DELETED });
  }

  countByProject(domain: string, project: string): Promise<number> {
    return this.count({ domain, project, ...NOT_DELETED });
  }

  countActiveByProvider(providerId: string): Promise<number> {
    return this.count({ providerId, ...NOT_DELETED });
  }
}

/** A collection whose only unique key is `field`. */
function uniqueBy<T extends Record<string, unknown>>(
  collection: string,
  what: string,
  field: string,
) {
  return {
    collection,
    what,
    uniques: [
      {
        fields: [field],
        index: field,
        describe: (record: T) => `with ${field} "${String(record[field])}"`,
      },
    ],
    where: () => [],
  } satisfies MongoCollectionSpec<T, NoFilter>;
}

export class MongoProviderRepository
  extends MongoRepository<Provider, NoFilter>
  implements ProviderRepository
{
  constructor(context: MongoContext) {
    super(context, uniqueBy<Provider>('providers', 'provider', 'name'));
  }

  findByName(name: string): Promise<Provider | null> {
    return this.findWhere({ name });
  }
}

export class MongoDomainRepository
  extends MongoRepository<Domain, NoFilter>
  implements DomainRepository
{
  constructor(context: MongoContext) {
    super(context, uniqueBy<Domain>('domains', 'domain', 'name'));
  }

  findByName(name: string): Promise<Domain | null> {
    return this.findWhere({ name });
  }
}

export class MongoBackupStorageRepository
  extends MongoRepository<BackupStorage, NoFilter>
  implements BackupStorageRepository
{
  constructor(context: MongoContext) {
    super(context, uniqueBy<BackupStorage>('backupStorages', 'backup storage', 'name'));
  }

  findByName(name: string): Promise<BackupStorage | null> {
    return this.findWhere({ name });
  }
}

export class MongoUserRepository extends MongoRepository<User, NoFilter> implements UserRepository {
  constructor(context: MongoContext) {
    super(context, uniqueBy<User>('users', 'user', 'username'));
  }

  findByUsername(username: string): Promise<User | null> {
    return this.findWhere({ username });
  }
}

export class MongoProjectRepository
  extends MongoRepository<Project, ProjectFilter>
  implements ProjectRepository
{
  constructor(context: MongoContext) {
    super(context, {
      collection: 'projects',
      what: 'project',
      uniques: [
        {
          fields: ['domain', 'name'],
          index: 'domain_name',
          describe: (project) => `named "${project.name}" in domain ${project.domain}`,
        },
      ],
      where: (filter) => equalsAny('domain', filter.domain),
    });
  }

  findByName(domain: string, name: string): Promise<Project | null> {
    return this.findWhere({ domain, name });
  }
}

export class MongoApiKeyRepository
  extends MongoRepository<ApiKey, ApiKeyFilter>
  implements ApiKeyRepository
{
  constructor(context: MongoContext) {
    super(context, {
      collection: 'apiKeys',
      what: 'API key',
      uniques: [],
      where: (filter) => equalsAny('createdBy', filter.createdBy),
    });
  }

  findByPrefix(prefix: string): Promise<ApiKey[]> {
    return this.listWhere({ prefix });
  }

  countActiveByCreator(createdBy: string, now: string): Promise<number> {
    return this.count({ createdBy, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] });
  }

  async deleteByCreator(createdBy: string): Promise<number> {
    const result = await this.context.call(() => this.collection.deleteMany({ createdBy }));
    return result.deletedCount;
  }
}

/** The operation filter after tenant scopes were resolved to the database ids they cover. */
type ResolvedOperationFilter = Omit<OperationFilter, 'scopes'> & { databaseIds?: string[] };

/** Tenant scopes as a filter on the databases collection (any status). */
function scopeFilter(scopes: OperationFilter['scopes'] & object): Filter<MongoDoc> {
  if (scopes.length === 0) return NOTHING;
  return {
    $or: scopes.map((scope) =>
      scope.project === undefined
        ? { domain: scope.domain }
        : { domain: scope.domain, project: scope.project },
    ),
  };
}

/**
 * Operations. Tenant scopes live on databases, so a scoped list first reads the ids of the
 * databases in scope and then pages the operations of those ids only: pages and cursors never
 * touch an operation outside the scopes.
 */
export class MongoOperationRepository extends MongoRepository<Operation, ResolvedOperationFilter> {
  constructor(context: MongoContext) {
    super(context, {
      collection: 'operations',
      what: 'operation',
      uniques: [],
      where: (filter) => [
        ...equalsAny('databaseId', filter.databaseId),
        ...equalsAny('databaseId', filter.databaseIds),
        ...equalsAny('status', filter.status),
        ...equalsAny('type', filter.type),
      ],
    });
  }

  override async list(filter: OperationFilter = {}, page?: PageRequest): Promise<Page<Operation>> {
    const { scopes, ...rest } = filter;
    if (!scopes) return super.list(rest, page);
    const docs = await this.context.call(() =>
      this.context
        .collection('databases')
        .find(scopeFilter(scopes), { projection: { _id: 1 } })
        .toArray(),
    );
    return super.list({ ...rest, databaseIds: docs.map((doc) => doc._id) }, page);
  }
}

export function createOperationRepository(context: MongoContext): MongoOperationRepository {
  return new MongoOperationRepository(context);
}

export function createBackupRepository(
  context: MongoContext,
): MongoRepository<Backup, BackupFilter> {
  return new MongoRepository(context, {
    collection: 'backups',
    what: 'backup',
    uniques: [],
    where: (filter) => equalsAny('databaseId', filter.databaseId),
  });
}
