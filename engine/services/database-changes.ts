import { ConflictError, EngineError } from '../base/errors';
import {
  DatabaseActionSchema,
  DEFAULT_LIMITS,
  PatchDatabaseRequestSchema,
  checkDatabaseLimits,
  checkPatchAgainst,
  checkStorageGrowth,
  modeAfterScaling,
  resolveTopology,
  quantitiesEqual,
  type Database,
  type DatabaseAction,
  type Operation,
  type OperationType,
  type PatchDatabaseRequest,
} from '../domain';
import type { ClusterClient } from '../kube';
import { catalogKind, toCatalogVersions } from '../kubedb/catalog';
import { buildDatabaseManifest, canHalt } from '../kubedb/manifests';
import { buildOpsRequestForOperation } from '../kubedb/ops';
import { statusDuring } from '../kubedb/status';
import { CATALOG_API_VERSION, type KubeObject } from '../kubedb/types';
import type { Grant } from './auth/access';
import { isoNow, type ServiceContext } from './context';
import { specOf } from './databases';
import type { OperationService } from './operations';
import type { ProviderService } from './providers';
import { parseInput } from './validation';

/** `PATCH` and action answers: the database as now desired and the operations queued for it. */
export interface ChangeResult {
  database: Database;
  operation: Operation;
  operations: Operation[];
}

/** Who acts, in which scope, and whether only to preview. */
interface ActOptions {
  dryRun?: boolean;
  actor?: string;
  grant?: Grant;
}

interface PlannedChange {
  type: OperationType;
  params: Record<string, unknown>;
}

function refuse(
  code: 'UNPROCESSABLE' | 'UNSUPPORTED' | 'LIMIT_EXCEEDED',
  path: string,
  rule: string,
  message: string,
): EngineError {
  return new EngineError(code, message, { details: [{ path, rule, message }] });
}

/** Two label sets with the same keys and values. */
function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** The settings an `update-settings` change sets. */
function settingsOf(
  params: Record<string, unknown>,
): Partial<Pick<Database, 'deletionPolicy' | 'labels'>> {
  return {
    ...(params.deletionPolicy
      ? { deletionPolicy: params.deletionPolicy as Database['deletionPolicy'] }
      : {}),
    ...(params.labels ? { labels: params.labels as Record<string, string> } : {}),
  };
}

/**
 * KubeDB runs no OpsRequest on a halted database: it would stay Pending and every later operation,
 * the resume included, would queue behind it. So a paused (or pausing) database refuses such
 * changes with 409 naming its state, until it is resumed.
 */
function refuseWhileHalted(database: Database, what: string): void {
  if (!database.halted && database.status !== 'PAUSED') return;
  const state = database.halted && database.status !== 'PAUSED' ? 'being paused' : 'paused';
  const message = `database ${database.name} is ${state} (KubeDB phase ${database.phase || 'Halted'}) and cannot be ${what}: KubeDB runs no OpsRequest on a halted database; resume it first`;
  throw new EngineError('CONFLICT', message, {
    details: [{ path: 'status', rule: 'paused', message }],
  });
}

/**
 * Day-2 changes: a PATCH changes the desired state and queues the OpsRequests that carry it out
 * (with each engine's own field names, built in engine/kubedb/ops); actions queue restart, pause,
 * resume and credential rotation. Everything is checked before anything is stored.
 */
export class DatabaseChanges {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
    private readonly operations: OperationService,
  ) {}

  async patch(
    id: string,
    input: unknown,
    options: { dryRun?: boolean; actor?: string; grant?: Grant } = {},
  ): Promise<ChangeResult | { manifests: KubeObject[] }> {
    const database = await this.changeable(id, options.grant);
    const patch = parseInput(PatchDatabaseRequestSchema, input);
    refuseWhileHalted(database, 'changed');
    const problems = checkPatchAgainst(database, patch);
    if (problems.length > 0)
      throw new EngineError('UNPROCESSABLE', problems[0]!.message, { details: problems });
    const violations = checkDatabaseLimits(patch, this.context.limits ?? DEFAULT_LIMITS);
    if (violations.length > 0)
      throw new EngineError('LIMIT_EXCEEDED', violations[0]!.message, { details: violations });

    const client = await this.providers.clientFor(
      await this.context.store.providers.get(database.providerId),
    );
    const changes = await this.plan(client, database, patch);
    if (changes.length === 0) {
      throw new EngineError(
        'UNPROCESSABLE',
        'the patch changes nothing: every field already has that value',
        {
          details: [{ path: '(body)', rule: 'no-change', message: 'nothing to change' }],
        },
      );
    }
    if (options.dryRun) {
      return {
        manifests: changes.map((change, index) =>
          change.type === 'update-settings'
            ? buildDatabaseManifest({ ...specOf(database), ...settingsOf(change.params) })
            : buildOpsRequestForOperation(
                { database: specOf(database), operationId: `dry-run-${index}` },
                change.type,
                change.params,
              ),
        ),
      };
    }
    const replicas = patch.replicas ?? database.replicas;
    const mode = modeAfterScaling(database.engine, database.mode, replicas);
    const desired: Database = {
      ...database,
      replicas,
      mode,
      topology: resolveTopology(database.engine, mode, database.topology),
      version: patch.version ?? database.version,
      resources: { ...database.resources, ...patch.resources },
      storage: patch.storage ? { ...database.storage, size: patch.storage.size } : database.storage,
      deletionPolicy: patch.deletionPolicy ?? database.deletionPolicy,
      labels: patch.labels ?? database.labels,
      updatedAt: isoNow(this.context),
    };
    const stored = await this.context.store.databases.update(desired);
    const queued: Operation[] = [];
    for (const change of changes) {
      queued.push(await this.operations.submit(stored, change.type, change.params, options.actor));
    }
    // The answer shows the status the change puts the database in (SCALING, UPDATING), not the one
    // before it; the runner records it when the operation starts.
    return {
      database: { ...stored, status: statusDuring(queued[0]!.type) },
      operation: queued[0]!,
      operations: queued,
    };
  }

  /** Queues an action; with `dryRun` only answers what it would apply. */
  act(
    id: string,
    rawAction: unknown,
    options?: ActOptions & { dryRun?: false },
  ): Promise<ChangeResult>;
  act(
    id: string,
    rawAction: unknown,
    options: ActOptions,
  ): Promise<ChangeResult | { manifests: KubeObject[] }>;
  async act(
    id: string,
    rawAction: unknown,
    options: ActOptions = {},
  ): Promise<ChangeResult | { manifests: KubeObject[] }> {
    const action = parseInput(DatabaseActionSchema, rawAction);
    const database = await this.changeable(id, options.grant);
    const { type, halted } = this.planAction(database, action);
    const params: Record<string, unknown> =
      halted === undefined ? {} : { previous: { halted: !halted } };
    if (options.dryRun) {
      return {
        manifests: [
          halted === undefined
            ? buildOpsRequestForOperation(
                { database: specOf(database), operationId: 'dry-run-0' },
                type,
                params,
              )
            : buildDatabaseManifest({ ...specOf(database), halted }),
        ],
      };
    }
    const stored =
      halted === undefined
        ? database
        : await this.context.store.databases.update({
            ...database,
            halted,
            updatedAt: isoNow(this.context),
          });
    const operation = await this.operations.submit(stored, type, params, options.actor);
    return {
      database: { ...stored, status: statusDuring(type) },
      operation,
      operations: [operation],
    };
  }

  /** The operation an action queues and, for pause and resume, the halted state it asks for. */
  private planAction(
    database: Database,
    action: DatabaseAction,
  ): { type: OperationType; halted?: boolean } {
    switch (action) {
      case 'restart':
      case 'rotate-credentials':
        refuseWhileHalted(database, action === 'restart' ? 'restarted' : 'given new credentials');
        return { type: action };
      case 'pause':
        if (!canHalt(database))
          throw refuse(
            'UNPROCESSABLE',
            'deletionPolicy',
            'DoNotTerminate',
            'KubeDB cannot halt a database whose deletionPolicy is DoNotTerminate',
          );
        if (database.halted) throw new ConflictError(`database ${database.name} is already paused`);
        return { type: 'pause', halted: true };
      case 'resume':
        if (!database.halted) throw new ConflictError(`database ${database.name} is not paused`);
        return { type: 'resume', halted: false };
    }
  }

  /** With a grant: 404 outside the caller's bindings, 403 without the operator role there. */
  private async changeable(id: string, grant?: Grant): Promise<Database> {
    const database = await this.context.store.databases.get(id);
    if (database.status === 'DELETED')
      throw new EngineError('NOT_FOUND', `database ${id} was not found`);
    grant?.assertAllowed('database', id, database.domain, database.project);
    if (database.status === 'DELETING')
      throw new ConflictError(`database ${database.name} is being deleted`);
    return database;
  }

  /** The operations a patch needs, in a safe order, each remembering what it changes back on failure. */
  private async plan(
    client: ClusterClient,
    database: Database,
    patch: PatchDatabaseRequest,
  ): Promise<PlannedChange[]> {
    const changes: PlannedChange[] = [];
    if (patch.version !== undefined && patch.version !== database.version) {
      const catalog = toCatalogVersions(
        (await client.listAll(CATALOG_API_VERSION, catalogKind(database.engine))).items,
      );
      const current = catalog.find((entry) => entry.version === database.version);
      if (!current?.upgradeTargets.includes(patch.version)) {
        const allowed = current?.upgradeTargets.join(', ') || 'none';
        throw refuse(
          'UNSUPPORTED',
          'version',
          'upgrade-target',
          `version ${database.version} cannot be updated to ${patch.version}; allowed targets: ${allowed}`,
        );
      }
      changes.push({
        type: 'update-version',
        params: { targetVersion: patch.version, previous: { version: database.version } },
      });
    }
    if (patch.replicas !== undefined && patch.replicas !== database.replicas) {
      changes.push({
        type: 'scale-horizontal',
        params: {
          replicas: patch.replicas,
          previous: {
            replicas: database.replicas,
            mode: database.mode,
            topology: database.topology,
          },
        },
      });
    }
    if (patch.resources) {
      const cpu = patch.resources.cpu ?? database.resources.cpu;
      const memory = patch.resources.memory ?? database.resources.memory;
      if (
        !quantitiesEqual(cpu, database.resources.cpu) ||
        !quantitiesEqual(memory, database.resources.memory)
      ) {
        changes.push({
          type: 'scale-vertical',
          params: { cpu, memory, previous: { resources: database.resources } },
        });
      }
    }
    if (patch.storage && patch.storage.size !== database.storage.size) {
      const growth = checkStorageGrowth(database.storage.size, patch.storage.size);
      if (growth) throw new EngineError('UNPROCESSABLE', growth.message, { details: [growth] });
      await this.checkExpandable(client, database);
      changes.push({
        type: 'expand-volume',
        params: {
          size: patch.storage.size,
          mode: 'Online',
          previous: { storage: database.storage },
        },
      });
    }
    const settings = {
      ...(patch.deletionPolicy !== undefined && patch.deletionPolicy !== database.deletionPolicy
        ? { deletionPolicy: patch.deletionPolicy }
        : {}),
      ...(patch.labels !== undefined && !sameLabels(patch.labels, database.labels)
        ? { labels: patch.labels }
        : {}),
    };
    if (Object.keys(settings).length > 0) {
      // No OpsRequest: KubeDB takes these on the object itself.
      changes.push({
        type: 'update-settings',
        params: {
          ...settings,
          previous: { deletionPolicy: database.deletionPolicy, labels: database.labels },
        },
      });
    }
    return changes;
  }

  /** Volume expansion needs a StorageClass with `allowVolumeExpansion: true`, where the cluster says so. */
  private async checkExpandable(client: ClusterClient, database: Database): Promise<void> {
    const className = database.storage.storageClass;
    if (!className) return;
    const storageClass = await client
      .get('storage.k8s.io/v1', 'StorageClass', undefined, className)
      .catch(() => null);
    if (
      storageClass &&
      (storageClass as { allowVolumeExpansion?: boolean }).allowVolumeExpansion !== true
    ) {
      throw refuse(
        'UNPROCESSABLE',
        'storage.size',
        'storage-class',
        `storage class ${className} does not allow volume expansion`,
      );
    }
  }
}
