/**
 * Restores: `POST /databases/:id/restore` checks everything before anything is stored (the
 * snapshot exists and succeeded, an in-place restore is confirmed, a new name is free), then queues
 * one `restore` operation, on the database itself or on a new database recorded for it. The
 * operation (engine/loops/restore-executors.ts) applies the RestoreSession.
 */
import { ConflictError, EngineError } from '../../base/errors';
import { namespaceFor, type Database, type DatabaseSpec, type Operation } from '../../domain';
import type { ClusterClient } from '../../kube';
import { buildDesiredManifests } from '../../kubedb/manifests';
import {
  KUBESTASH_STORAGE_API,
  buildOperationRestoreSession,
  restorePoints,
  snapshotSelector,
  type RestoreParams,
  type RestorePoint,
} from '../../kubedb/restore';
import type { KubeObject } from '../../kubedb/types';
import { forbidden, type Grant } from '../auth/access';
import { isoNow, type ServiceContext } from '../context';
import { specOf } from '../databases';
import type { OperationService } from '../operations';
import type { ProviderService } from '../providers';
import type { TenancyService } from '../tenancy';
import { parseInput } from '../validation';
import { isInPlace, RestoreBodySchema, type RestoreBody } from './request';

export { RestoreBodySchema } from './request';

/** The answer of a restore: its operation, and the new database when restoring into one. */
export interface RestoreStarted {
  operation: Operation;
  database?: Database;
}

interface RestoreOptions {
  dryRun?: boolean;
  actor?: string;
  grant?: Grant;
}

function unprocessable(path: string, rule: string, message: string): EngineError {
  return new EngineError('UNPROCESSABLE', message, { details: [{ path, rule, message }] });
}

export class RestoreService {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
    private readonly operations: OperationService,
    private readonly tenancy?: TenancyService,
  ) {}

  /** The succeeded snapshots of a database's repository on its cluster, oldest first. */
  async points(database: Database, client?: ClusterClient): Promise<RestorePoint[]> {
    const cluster = client ?? (await this.clientOf(database.providerId));
    const page = await cluster.listAll(KUBESTASH_STORAGE_API, 'Snapshot', {
      namespace: database.namespace,
      labelSelector: snapshotSelector(database),
    });
    return restorePoints(database, page.items);
  }

  async restore(
    id: string,
    input: unknown,
    options: RestoreOptions = {},
  ): Promise<RestoreStarted | { manifests: KubeObject[] }> {
    const source = await this.context.store.databases.get(id);
    if (source.status === 'DELETED')
      throw new EngineError('NOT_FOUND', `database ${id} was not found`);
    options.grant?.assertAllowed('database', id, source.domain, source.project);
    if (source.status === 'DELETING')
      throw new ConflictError(`database ${source.name} is being deleted`);
    const body = parseInput(RestoreBodySchema, input);
    const client = await this.clientOf(source.providerId);
    const point = await this.choosePoint(source, body, client);
    if (isInPlace(body.target)) {
      const paused = source.halted || source.status === 'PAUSED';
      if (!paused && body.target.replace !== true) {
        const message = `database ${source.name} is running: an in-place restore replaces its data; pause it first or confirm with target.replace: true`;
        throw new EngineError('CONFLICT', message, {
          details: [{ path: 'target.replace', rule: 'confirm', message }],
        });
      }
      const params: RestoreParams = {
        mode: 'in-place',
        sourceId: source.id,
        snapshot: point.name,
        pointTime: point.time,
        ...(paused ? { wasPaused: true } : {}),
      };
      if (options.dryRun) return { manifests: [this.preview(source, source, point)] };
      const operation = await this.operations.submit(
        source,
        'restore',
        { ...params },
        options.actor,
      );
      return { operation };
    }
    return this.restoreIntoNew(source, body.target, point, options);
  }

  private async restoreIntoNew(
    source: Database,
    target: { newName: string; project?: string | undefined; providerId?: string | undefined },
    point: RestorePoint,
    options: RestoreOptions,
  ): Promise<RestoreStarted | { manifests: KubeObject[] }> {
    const { store } = this.context;
    const domain = source.domain;
    const project = target.project ?? source.project;
    if (options.grant && !options.grant.canAct(domain, project))
      throw forbidden(`your bindings do not allow creating databases in ${domain}/${project}`);
    await this.tenancy?.ensureProject(domain, project, options.grant, { dryRun: true });
    if (await store.databases.findByName(domain, project, target.newName))
      throw new ConflictError(
        `a database named ${target.newName} already exists in ${domain}/${project}`,
      );
    const providerId = target.providerId ?? source.providerId;
    const provider = await store.providers.find(providerId);
    if (!provider)
      throw unprocessable('target.providerId', 'exists', `provider ${providerId} was not found`);
    if (providerId !== source.providerId) {
      throw new EngineError(
        'UNSUPPORTED',
        `restoring into another cluster (${provider.name}) needs the repository's snapshots synced there, which this version cannot do yet; restore on ${source.providerId}`,
        {
          details: [
            { path: 'target.providerId', rule: 'same-cluster', message: 'not supported yet' },
          ],
        },
      );
    }
    const spec: DatabaseSpec = {
      ...specOf(source),
      id: options.dryRun ? 'dry-run' : this.context.newId(),
      name: target.newName,
      project,
      namespace: namespaceFor(domain, project),
      halted: false,
    };
    if (options.dryRun) {
      return {
        manifests: [
          ...buildDesiredManifests({ ...spec, waitForInitialRestore: true }),
          this.preview(source, spec, point),
        ],
      };
    }
    await this.tenancy?.ensureProject(domain, project, options.grant);
    const now = isoNow(this.context);
    const database = await store.databases.create({
      ...spec,
      providerId,
      status: 'PENDING',
      phase: '',
      readyReplicas: 0,
      endpoint: null,
      conditions: [],
      drift: [],
      activeOperationId: null,
      statusReason: null,
      backup: null,
      lastSyncedAt: null,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    });
    const params: RestoreParams = {
      mode: 'new',
      sourceId: source.id,
      snapshot: point.name,
      pointTime: point.time,
    };
    const operation = await this.operations.submit(
      database,
      'restore',
      { ...params },
      options.actor,
    );
    return { operation, database };
  }

  private preview(
    source: Pick<DatabaseSpec, 'id' | 'name' | 'engine' | 'namespace' | 'domain' | 'project'>,
    target: Pick<DatabaseSpec, 'id' | 'name' | 'engine' | 'namespace' | 'domain' | 'project'>,
    point: RestorePoint,
  ): KubeObject {
    return buildOperationRestoreSession(source, target, {
      operationId: 'dry-run',
      snapshot: point.name,
    });
  }

  /** The snapshot a request restores: the one `backupId` names, or the newest. */
  private async choosePoint(
    source: Database,
    body: RestoreBody,
    client: ClusterClient,
  ): Promise<RestorePoint> {
    const points = await this.points(source, client);
    if (body.pitr)
      throw new EngineError(
        'UNSUPPORTED',
        `point-in-time restore of ${source.engine} database ${source.name} is not available: no archiver runs for it`,
        { details: [{ path: 'pitr', rule: 'archiver', message: 'no PITR archiver' }] },
      );
    if (body.backupId) {
      const backup = await this.context.store.backups.find(body.backupId);
      const wanted = backup && backup.databaseId === source.id ? backup.snapshot : body.backupId;
      const point = points.find((p) => p.name === wanted);
      if (!point)
        throw unprocessable(
          'backupId',
          'restorable',
          `backup ${body.backupId} is not a succeeded snapshot of database ${source.name}`,
        );
      return point;
    }
    const newest = points.at(-1);
    if (!newest)
      throw unprocessable(
        'backupId',
        'restorable',
        `database ${source.name} has no succeeded snapshot to restore`,
      );
    return newest;
  }

  private async clientOf(providerId: string): Promise<ClusterClient> {
    return this.providers.clientFor(await this.context.store.providers.get(providerId));
  }
}
