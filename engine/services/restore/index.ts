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
  KUBESTASH_CORE_API,
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
import {
  archivedPoints,
  fullRepositoryName,
  fullSnapshotSelector,
  supportsPitr,
  type ArchivedPoint,
} from '../../kubedb/archiver';
import {
  archivedPointFor,
  assertInWindow,
  assertPitrSupported,
  pointAtOrBefore,
  recoveryView,
  windowOf,
  type RecoveryView,
} from './recovery';
import { isInPlace, RestoreBodySchema, type RestoreBody } from './request';
import { placementPreview, storageIdOf } from '../backups/placement';

export { RestoreBodySchema } from './request';
export { OBJECTIVES, type RecoveryView } from './recovery';
export { pitrManifests } from './pitr';

/**
 * The snapshot chosen, and with an archiver the PITR target time and the `<db>-full` repository of
 * the full backup KubeStash replays the WAL from.
 */
interface Chosen {
  point: RestorePoint;
  targetTime?: string;
  repository?: string;
}

/**
 * A dry run's answer: the objects applied on the target cluster; for a restore on another cluster
 * also per cluster (none on the source's: it is only read).
 */
export interface RestorePreview {
  manifests: KubeObject[];
  clusters?: { providerId: string; role: 'source' | 'target'; manifests: KubeObject[] }[];
}

/** The answer of a restore: its operation, and the new database when restoring into one. */
export interface RestoreStarted {
  operation: Operation;
  database?: Database;
}

interface RestoreOptions {
  dryRun?: boolean;
  actor?: string;
  grant?: Grant;
  /** Settings of a new target that differ from the source's (a drill's scratch database). */
  targetOverrides?: Partial<Pick<DatabaseSpec, 'deletionPolicy' | 'labels'>>;
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

  /** The full backups of the database's archiver (`<db>-full`) with their WAL spans, oldest first. */
  async archived(database: Database, client?: ClusterClient): Promise<ArchivedPoint[]> {
    if (!supportsPitr(database.engine)) return [];
    const cluster = client ?? (await this.clientOf(database.providerId));
    const page = await cluster.listAll(KUBESTASH_STORAGE_API, 'Snapshot', {
      namespace: database.namespace,
      labelSelector: fullSnapshotSelector(database),
    });
    return archivedPoints(database, page.items);
  }

  /** RPO, RTO, objectives, points and the recoverable window (`GET /databases/:id/recovery`). */
  async recovery(id: string, grant?: Grant): Promise<RecoveryView> {
    const database = await this.context.store.databases.get(id);
    grant?.assertAllowed('database', id, database.domain, database.project);
    const client = await this.clientOf(database.providerId);
    const [points, archived] = await Promise.all([
      this.points(database, client),
      this.archived(database, client),
    ]);
    return recoveryView(this.context.store, database, points, archived, this.context.now());
  }

  async restore(
    id: string,
    input: unknown,
    options: RestoreOptions = {},
  ): Promise<RestoreStarted | RestorePreview> {
    const source = await this.context.store.databases.get(id);
    if (source.status === 'DELETED')
      throw new EngineError('NOT_FOUND', `database ${id} was not found`);
    options.grant?.assertAllowed('database', id, source.domain, source.project);
    if (source.status === 'DELETING')
      throw new ConflictError(`database ${source.name} is being deleted`);
    const body = parseInput(RestoreBodySchema, input);
    const client = await this.clientOf(source.providerId);
    const chosen = await this.choosePoint(source, body, client);
    const { point, targetTime, repository } = chosen;
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
        ...(targetTime ? { targetTime } : {}),
        ...(repository ? { repository } : {}),
        ...(paused ? { wasPaused: true } : {}),
      };
      if (options.dryRun) return { manifests: [this.preview(source, source, params)] };
      const operation = await this.operations.submit(
        source,
        'restore',
        { ...params },
        options.actor,
      );
      return { operation };
    }
    return this.restoreIntoNew(source, body.target, chosen, options);
  }

  private async restoreIntoNew(
    source: Database,
    target: { newName: string; project?: string | undefined; providerId?: string | undefined },
    chosen: Chosen,
    options: RestoreOptions,
  ): Promise<RestoreStarted | RestorePreview> {
    const { store } = this.context;
    const { point, targetTime, repository } = chosen;
    const params: RestoreParams = {
      mode: 'new',
      sourceId: source.id,
      snapshot: point.name,
      pointTime: point.time,
      ...(targetTime ? { targetTime } : {}),
      ...(repository ? { repository } : {}),
    };
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
    const crossCluster = providerId !== source.providerId;
    if (crossCluster) {
      storageIdOf(source);
      if (repository)
        throw unprocessable(
          'target.providerId',
          'pitr-same-cluster',
          `a point-in-time restore replays the archiver's WAL, which is not synced to another cluster (${provider.name}); restore on the source's cluster or restore a snapshot`,
        );
      params.sourceProviderId = source.providerId;
    }
    const spec: DatabaseSpec = {
      ...specOf(source),
      id: options.dryRun ? 'dry-run' : this.context.newId(),
      name: target.newName,
      project,
      namespace: namespaceFor(domain, project),
      halted: false,
      ...options.targetOverrides,
    };
    if (options.dryRun) {
      const onTarget = [
        ...(crossCluster
          ? (await this.placementPreview(source)).filter(
              (m) => m.kind !== 'Namespace' || m.metadata.name !== spec.namespace,
            )
          : []),
        ...buildDesiredManifests({ ...spec, waitForInitialRestore: true }),
        this.preview(source, spec, params),
      ];
      return {
        manifests: onTarget,
        ...(crossCluster
          ? {
              clusters: [
                { providerId: source.providerId, role: 'source' as const, manifests: [] },
                { providerId, role: 'target' as const, manifests: onTarget },
              ],
            }
          : {}),
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
    const operation = await this.operations.submit(
      database,
      'restore',
      { ...params },
      options.actor,
    );
    return { operation, database };
  }

  /** What a restore on another cluster applies there first (secrets' values redacted). */
  private async placementPreview(source: Database): Promise<KubeObject[]> {
    const storage = await this.context.store.backupStorages.get(storageIdOf(source));
    return placementPreview(storage, source);
  }

  private preview(
    source: Pick<DatabaseSpec, 'id' | 'name' | 'engine' | 'namespace' | 'domain' | 'project'>,
    target: Pick<DatabaseSpec, 'id' | 'name' | 'engine' | 'namespace' | 'domain' | 'project'>,
    params: RestoreParams,
  ): KubeObject {
    return buildOperationRestoreSession(source, target, {
      operationId: 'dry-run',
      snapshot: params.snapshot,
      ...(params.targetTime ? { targetTime: params.targetTime } : {}),
      ...(params.repository ? { repository: params.repository } : {}),
    });
  }

  /** The snapshot a request restores: the one `backupId` names, or the newest. */
  private async choosePoint(
    source: Database,
    body: RestoreBody,
    client: ClusterClient,
  ): Promise<Chosen> {
    const points = await this.points(source, client);
    if (body.pitr) return this.choosePitr(source, body.pitr.targetTime, points, client);
    if (body.backupId) {
      const wanted = await this.snapshotOf(source, body.backupId, client);
      const point = points.find((p) => p.name === wanted);
      if (!point)
        throw unprocessable(
          'backupId',
          'restorable',
          `backup ${body.backupId} is not a succeeded snapshot of database ${source.name}`,
        );
      return { point };
    }
    const newest = points.at(-1);
    if (!newest)
      throw unprocessable(
        'backupId',
        'restorable',
        `database ${source.name} has no succeeded snapshot to restore`,
      );
    return { point: newest };
  }

  /**
   * The restore point of a PITR request (a 422 names the window when the target is outside it).
   * With an archiver: the newest full backup of `<db>-full` whose WAL span starts by the target,
   * and KubeStash replays the WAL up to the target time. Without one the window is the snapshots'
   * span and the newest snapshot at or before the target is itself the restored point.
   */
  private async choosePitr(
    source: Database,
    targetTime: string,
    points: RestorePoint[],
    client: ClusterClient,
  ): Promise<Chosen> {
    assertPitrSupported(source.engine, 'pitr');
    const archived = await this.archived(source, client);
    const window = windowOf(points, archived);
    assertInWindow(source, targetTime, window);
    const full = window?.source === 'archiver' ? archivedPointFor(archived, targetTime) : undefined;
    if (full)
      return {
        point: {
          name: full.name,
          namespace: source.namespace,
          time: full.start,
          phase: 'Succeeded',
          simulated: false,
        },
        targetTime,
        repository: fullRepositoryName(source),
      };
    const point = pointAtOrBefore(points, targetTime) ?? points[0];
    if (!point) assertInWindow(source, targetTime, null);
    return { point: point! };
  }

  /** A backup id (stored backup, or BackupSession name) as the Snapshot name it produced. */
  private async snapshotOf(
    source: Database,
    backupId: string,
    client: ClusterClient,
  ): Promise<string> {
    const backup = await this.context.store.backups.find(backupId);
    if (backup && backup.databaseId === source.id && backup.snapshot) return backup.snapshot;
    const session = await client
      .get(KUBESTASH_CORE_API, 'BackupSession', source.namespace, backupId)
      .catch(() => null);
    const snapshots = (session?.status as { snapshots?: { name?: string }[] } | undefined)
      ?.snapshots;
    return snapshots?.[0]?.name ?? backupId;
  }

  private async clientOf(providerId: string): Promise<ClusterClient> {
    return this.providers.clientFor(await this.context.store.providers.get(providerId));
  }
}
