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
  TenantScope,
} from '../records';
import { run, type SqliteScope } from './sqlite-context';
import { equalsAny, SqliteRepository, type SqliteTable, type Where } from './sqlite-repository';

const none = (): Where => ({ clauses: [], params: [] });

/** LIKE treats % and _ as wildcards; a user's `q` is a plain substring. */
function likeSubstring(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

const DATABASES: SqliteTable<Database, DatabaseFilter> = {
  table: 'databases',
  what: 'database',
  uniques: [
    {
      columns: ['domain', 'project', 'name'],
      fields: ['domain', 'project', 'name'],
      describe: (db) => `named "${db.name}" in ${db.domain}/${db.project}`,
    },
  ],
  where(filter) {
    const where = none();
    equalsAny(where, 'domain', filter.domain);
    equalsAny(where, 'project', filter.project);
    equalsAny(where, 'engine', filter.engine);
    equalsAny(where, 'provider_id', filter.providerId);
    equalsAny(where, 'id', filter.ids);
    if (filter.status !== undefined) equalsAny(where, 'status', filter.status);
    else if (!filter.includeDeleted) where.clauses.push("status <> 'DELETED'");
    if (filter.q) {
      // LIKE is case-insensitive for ASCII, which names are (DNS labels).
      where.clauses.push("name LIKE ? ESCAPE '\\'");
      where.params.push(likeSubstring(filter.q));
    }
    if (filter.scopes) inScopes(where, filter.scopes);
    return where;
  },
};

/** `(domain = ? [AND project = ?]) OR ...` over the databases table; `0` for no scope at all. */
function inScopes(where: Where, scopes: readonly TenantScope[]): void {
  if (scopes.length === 0) {
    where.clauses.push('0');
    return;
  }
  const parts = scopes.map((scope) => {
    where.params.push(scope.domain);
    if (scope.project === undefined) return '(domain = ?)';
    where.params.push(scope.project);
    return '(domain = ? AND project = ?)';
  });
  where.clauses.push(`(${parts.join(' OR ')})`);
}

export class SqliteDatabaseRepository
  extends SqliteRepository<Database, DatabaseFilter>
  implements DatabaseRepository
{
  constructor(scope: SqliteScope) {
    super(scope, DATABASES);
  }

  findByName(domain: string, project: string, name: string): Promise<Database | null> {
    return this.findWhere(
      "domain = ? AND project = ? AND name = ? AND status <> 'DELETED'",
      domain,
      project,
      name,
    );
  }

  countByProject(domain: string, project: string): Promise<number> {
    return this.count("domain = ? AND project = ? AND status <> 'DELETED'", domain, project);
  }

  countActiveByProvider(providerId: string): Promise<number> {
    return this.count("provider_id = ? AND status <> 'DELETED'", providerId);
  }
}

/** A table whose only unique key is `column`, holding the record field `field`. */
function uniqueBy<T extends Record<string, unknown>>(
  table: string,
  what: string,
  column: string,
  field: string,
) {
  return {
    table,
    what,
    uniques: [
      {
        columns: [column],
        fields: [field],
        describe: (record: T) => `with ${field} "${String(record[field])}"`,
      },
    ],
    where: none,
  } satisfies SqliteTable<T, NoFilter>;
}

export class SqliteProviderRepository
  extends SqliteRepository<Provider, NoFilter>
  implements ProviderRepository
{
  constructor(scope: SqliteScope) {
    super(scope, uniqueBy<Provider>('providers', 'provider', 'name', 'name'));
  }

  findByName(name: string): Promise<Provider | null> {
    return this.findWhere('name = ?', name);
  }
}

export class SqliteDomainRepository
  extends SqliteRepository<Domain, NoFilter>
  implements DomainRepository
{
  constructor(scope: SqliteScope) {
    super(scope, uniqueBy<Domain>('domains', 'domain', 'name', 'name'));
  }

  findByName(name: string): Promise<Domain | null> {
    return this.findWhere('name = ?', name);
  }
}

export class SqliteBackupStorageRepository
  extends SqliteRepository<BackupStorage, NoFilter>
  implements BackupStorageRepository
{
  constructor(scope: SqliteScope) {
    super(scope, uniqueBy<BackupStorage>('backup_storages', 'backup storage', 'name', 'name'));
  }

  findByName(name: string): Promise<BackupStorage | null> {
    return this.findWhere('name = ?', name);
  }
}

export class SqliteUserRepository
  extends SqliteRepository<User, NoFilter>
  implements UserRepository
{
  constructor(scope: SqliteScope) {
    super(scope, uniqueBy<User>('users', 'user', 'username', 'username'));
  }

  findByUsername(username: string): Promise<User | null> {
    return this.findWhere('username = ?', username);
  }
}

export class SqliteProjectRepository
  extends SqliteRepository<Project, ProjectFilter>
  implements ProjectRepository
{
  constructor(scope: SqliteScope) {
    super(scope, {
      table: 'projects',
      what: 'project',
      uniques: [
        {
          columns: ['domain', 'name'],
          fields: ['domain', 'name'],
          describe: (project) => `named "${project.name}" in domain ${project.domain}`,
        },
      ],
      where(filter) {
        const where = none();
        equalsAny(where, 'domain', filter.domain);
        return where;
      },
    });
  }

  findByName(domain: string, name: string): Promise<Project | null> {
    return this.findWhere('domain = ? AND name = ?', domain, name);
  }
}

export class SqliteApiKeyRepository
  extends SqliteRepository<ApiKey, ApiKeyFilter>
  implements ApiKeyRepository
{
  constructor(scope: SqliteScope) {
    super(scope, {
      table: 'api_keys',
      what: 'API key',
      uniques: [],
      where(filter) {
        const where = none();
        equalsAny(where, 'created_by', filter.createdBy);
        return where;
      },
    });
  }

  findByPrefix(prefix: string): Promise<ApiKey[]> {
    return this.listWhere('prefix = ?', prefix);
  }

  countActiveByCreator(createdBy: string, now: string): Promise<number> {
    // ISO-8601 UTC times of one format compare as text.
    return this.count(
      "created_by = ? AND (json_extract(doc, '$.expiresAt') IS NULL OR json_extract(doc, '$.expiresAt') > ?)",
      createdBy,
      now,
    );
  }

  deleteByCreator(createdBy: string): Promise<number> {
    return run(
      this.scope,
      () => this.statement('DELETE FROM api_keys WHERE created_by = ?').run(createdBy).changes,
    );
  }
}

export function createOperationRepository(
  scope: SqliteScope,
): SqliteRepository<Operation, OperationFilter> {
  return new SqliteRepository(scope, {
    table: 'operations',
    what: 'operation',
    uniques: [],
    where(filter) {
      const where = none();
      equalsAny(where, 'database_id', filter.databaseId);
      equalsAny(where, 'status', filter.status);
      equalsAny(where, 'type', filter.type);
      if (filter.scopes) {
        // The tenant lives on the database: a subquery keeps the filter inside the paged query.
        const scoped = none();
        inScopes(scoped, filter.scopes);
        where.clauses.push(`database_id IN (SELECT id FROM databases WHERE ${scoped.clauses[0]})`);
        where.params.push(...scoped.params);
      }
      return where;
    },
  });
}

export function createBackupRepository(scope: SqliteScope): SqliteRepository<Backup, BackupFilter> {
  return new SqliteRepository(scope, {
    table: 'backups',
    what: 'backup',
    uniques: [],
    where(filter) {
      const where = none();
      equalsAny(where, 'database_id', filter.databaseId);
      return where;
    },
  });
}
