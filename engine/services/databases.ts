import { ConflictError, EngineError } from '../base/errors';
import {
  CreateDatabaseRequestSchema,
  DEFAULT_LIMITS,
  checkDatabaseLimits,
  namespaceFor,
  type BackupPolicy,
  type CreateDatabaseRequest,
  type Database,
  type DatabaseSpec,
  type Engine,
  type Operation,
} from '../domain';
import type { ClusterClient } from '../kube';
import { toCatalogVersions, checkVersionForCreate, catalogKind } from '../kubedb/catalog';
import { buildDesiredManifests } from '../kubedb/manifests';
import { CATALOG_API_VERSION, type KubeObject } from '../kubedb/types';
import type { OperationService } from './operations';
import { forbidden, type Grant } from './auth/access';
import type { TenancyService } from './tenancy';
import type { DatabaseFilter, Page, PageRequest } from '../store';
import { isoNow, type ServiceContext } from './context';
import { DatabaseViews } from './database-view';
import { chooseProvider } from './placement';
import type { ProviderService } from './providers';
import { parseInput } from './validation';

/** `POST /databases` answers with the new database and the operation that provisions it. */
export interface CreateResult {
  database: Database;
  operation: Operation;
}

/** `?dryRun=true` answers with what would be applied. */
export interface DryRunResult {
  manifests: KubeObject[];
}

/** The fields of a database that make its desired state (what the manifest builders take). */
const SPEC_FIELDS = [
  'id',
  'name',
  'engine',
  'version',
  'domain',
  'project',
  'namespace',
  'replicas',
  'mode',
  'topology',
  'resources',
  'storage',
  'deletionPolicy',
  'halted',
  'labels',
] as const satisfies readonly (keyof DatabaseSpec)[];

/** The desired-state part of a stored database, as the manifest builders take it. */
export function specOf(database: Database): DatabaseSpec {
  return Object.fromEntries(SPEC_FIELDS.map((field) => [field, database[field]])) as DatabaseSpec;
}

/**
 * The database lifecycle: validate, place, record, queue; list and read; delete. Every refusal
 * happens before anything is stored or applied; the provisioning operation applies the objects, and
 * a failure there leaves the database FAILED with a reason and removes what was applied.
 */
export class DatabaseService {
  private readonly views: DatabaseViews;
  /** Checks `backup` on create (the storage exists, its default retention); set by createServices. */
  backupPolicies?: {
    parse(input: unknown, engine?: Engine, pitrPath?: string): Promise<BackupPolicy>;
  };

  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
    private readonly operations: OperationService,
    private readonly tenancy?: TenancyService,
  ) {
    this.views = new DatabaseViews(context.store);
  }

  /** `grant` (the API caller's) limits where databases may be created; absent = the system. */
  async create(
    input: unknown,
    options: { dryRun?: boolean; actor?: string; grant?: Grant } = {},
  ): Promise<CreateResult | DryRunResult> {
    const request = parseInput(CreateDatabaseRequestSchema, input);
    if (options.grant && !options.grant.canAct(request.domain, request.project)) {
      throw forbidden(
        `your bindings do not allow creating databases in ${request.domain}/${request.project}`,
      );
    }
    await this.tenancy?.ensureProject(request.domain, request.project, options.grant, {
      dryRun: true,
    });
    await this.checkLimitsAndQuota(request);
    const { store } = this.context;
    if (await store.databases.findByName(request.domain, request.project, request.name)) {
      throw new ConflictError(
        `a database named ${request.name} already exists in ${request.domain}/${request.project}`,
      );
    }
    const backup = request.backup
      ? ((await this.backupPolicies?.parse(
          (input as { backup?: unknown }).backup,
          request.engine,
          'backup.pitr',
        )) ?? request.backup)
      : null;
    const provider = await chooseProvider(store, request);
    const client = await this.providers.clientFor(provider);
    await this.checkVersion(client, request);

    const id = this.context.newId();
    const spec: DatabaseSpec = {
      id,
      name: request.name,
      engine: request.engine,
      version: request.version,
      domain: request.domain,
      project: request.project,
      namespace: namespaceFor(request.domain, request.project),
      replicas: request.replicas,
      mode: request.mode,
      topology: request.topology,
      resources: request.resources,
      storage: request.storage,
      deletionPolicy: request.deletionPolicy,
      halted: false,
      labels: request.labels,
    };
    const manifests = buildDesiredManifests(spec);
    if (options.dryRun) return { manifests };

    await this.tenancy?.ensureProject(request.domain, request.project, options.grant);
    const now = isoNow(this.context);
    const database = await store.databases.create({
      ...spec,
      providerId: provider.id,
      status: 'PENDING',
      phase: '',
      readyReplicas: 0,
      endpoint: null,
      conditions: [],
      drift: [],
      activeOperationId: null,
      statusReason: null,
      backup,
      lastSyncedAt: null,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    });
    try {
      const operation = await this.operations.submit(database, 'create', {}, options.actor);
      // The policy is applied with the database, and the first backup taken, once it is RUNNING.
      if (backup) await this.operations.submit(database, 'backup', { first: true }, options.actor);
      return { database, operation };
    } catch (error) {
      // The queue refused: the record must not stay PENDING with nothing to move it.
      const failed = await store.databases.update({
        ...database,
        status: 'FAILED',
        statusReason: 'the provisioning operation could not be queued',
        updatedAt: isoNow(this.context),
      });
      this.context.logger.error(
        { databaseId: failed.id, err: error },
        'provisioning could not be queued',
      );
      throw error;
    }
  }

  /**
   * With a grant, only what the caller's bindings reach. Statuses are the effective ones: UNKNOWN
   * on a cluster whose data is unconfirmed (and a status filter matches those).
   */
  async list(
    filter: DatabaseFilter = {},
    page?: PageRequest,
    grant?: Grant,
  ): Promise<Page<Database>> {
    return this.views.list(grant ? { ...filter, scopes: grant.visibleScopes() } : filter, page);
  }

  /**
   * With a grant, a database outside the caller's bindings is a 404, like a missing one. The
   * status is the effective one (see `list`).
   */
  async get(id: string, grant?: Grant): Promise<Database> {
    const database = await this.context.store.databases.get(id);
    grant?.assertAllowed('database', id, database.domain, database.project);
    return this.views.one(database);
  }

  /** Queues the deletion; KubeDB applies the deletion policy. DoNotTerminate is refused. */
  async remove(
    id: string,
    options: { dryRun?: boolean; actor?: string; grant?: Grant } = {},
  ): Promise<{ database: Database; operation: Operation } | DryRunResult> {
    const database = await this.context.store.databases.get(id);
    options.grant?.assertAllowed('database', id, database.domain, database.project);
    if (database.status === 'DELETED')
      throw new EngineError('NOT_FOUND', `database ${id} was not found`);
    if (database.deletionPolicy === 'DoNotTerminate') {
      throw new EngineError(
        'UNPROCESSABLE',
        `database ${database.name} has deletionPolicy DoNotTerminate; change it before deleting`,
        {
          details: [
            {
              path: 'deletionPolicy',
              rule: 'DoNotTerminate',
              message: 'a DoNotTerminate database cannot be deleted',
            },
          ],
        },
      );
    }
    if (options.dryRun) {
      // What the delete would remove (the namespace stays: other databases may share it).
      const manifests = buildDesiredManifests(specOf(database)).filter(
        (object) => object.kind !== 'Namespace',
      );
      return { manifests };
    }
    const operation = await this.operations.submit(database, 'delete', {}, options.actor);
    return { database, operation };
  }

  private async checkLimitsAndQuota(request: CreateDatabaseRequest): Promise<void> {
    const limits = this.context.limits ?? DEFAULT_LIMITS;
    const violations = checkDatabaseLimits(request, limits);
    if (violations.length > 0) {
      throw new EngineError('LIMIT_EXCEEDED', violations[0]!.message, { details: violations });
    }
    const project = await this.context.store.projects.findByName(request.domain, request.project);
    const max = project?.quota.maxDatabases ?? limits.databasesPerProject;
    const count = await this.context.store.databases.countByProject(
      request.domain,
      request.project,
    );
    if (count >= max) {
      throw new EngineError(
        'QUOTA_EXCEEDED',
        `project ${request.domain}/${request.project} already has ${count} of ${max} databases`,
        {
          details: [
            {
              path: 'project',
              rule: 'quota',
              message: `the project's quota allows ${max} databases`,
            },
          ],
        },
      );
    }
  }

  /** The version must exist and not be deprecated in the chosen cluster's catalog. */
  private async checkVersion(client: ClusterClient, request: CreateDatabaseRequest): Promise<void> {
    const catalog = await client.listAll(CATALOG_API_VERSION, catalogKind(request.engine));
    const problem = checkVersionForCreate(
      toCatalogVersions(catalog.items),
      request.engine,
      request.mode,
      request.version,
    );
    if (problem) {
      throw new EngineError('UNSUPPORTED', problem, {
        details: [{ path: 'version', rule: 'catalog', message: problem }],
      });
    }
  }
}
