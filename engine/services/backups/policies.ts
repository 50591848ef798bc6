import { placeRepository } from './placement';
import { randomBytes } from 'node:crypto';
import { EngineError, NotFoundError } from '../../base/errors';
import type { BackupPolicyResponse } from '../../domain/backup-views';
import { BackupPolicySchema, type BackupPolicy, type Database, type Engine } from '../../domain';
import { FIELD_MANAGER } from '../../kube';
import {
  backupNames,
  buildBackupConfiguration,
  buildEncryptionSecret,
  buildRetentionPolicy,
} from '../../kubedb/kubestash';
import {
  archivedPoints,
  archivedWindow,
  fullSnapshotSelector,
  supportsPitr,
} from '../../kubedb/archiver';
import type { Grant } from '../auth/access';
import { isoNow, type ServiceContext } from '../context';
import { specOf } from '../databases';
import type { ProviderService } from '../providers';
import { assertPitrSupported } from '../restore/recovery';
import { applyPitr, pitrManifests, removePitr } from '../restore/pitr';
import { parseInput } from '../validation';
import { nextCronRun, parseCron } from './cron';
import type {
  BackupActOptions,
  BackupDryRun,
  BackupPolicyService,
  BackupService,
  BackupStorageService,
} from './index';

/** The seed's objectives: RPO under an hour, RTO under four. */
const OBJECTIVES = { rpoSeconds: 3600, rtoSeconds: 4 * 3600 };

function refuse(path: string, rule: string, message: string): EngineError {
  return new EngineError('UNPROCESSABLE', message, { details: [{ path, rule, message }] });
}

/**
 * The KubeStash objects of a policy, Secrets excluded (they are built only when applied), and with
 * `pitr` the archiver and the database's reference to it.
 */
export function policyManifests(database: Database, policy: BackupPolicy, storageName: string) {
  const spec = specOf(database);
  return [
    buildRetentionPolicy(policy.retentionDays, spec.namespace, policy.retention),
    buildBackupConfiguration(spec, {
      schedule: policy.schedule,
      retentionDays: policy.retentionDays,
      retention: policy.retention,
      storage: { name: storageName },
      paused: policy.paused,
    }),
    ...pitrManifests(spec, policy, storageName),
  ];
}

/** A database's scheduled-backup policy, kept on its record and applied as KubeStash objects. */
export class BackupPolicies implements BackupPolicyService {
  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
    private readonly storages: BackupStorageService,
    private readonly backups: () => Pick<BackupService, 'list'>,
  ) {}

  /**
   * Parses and checks a policy (also used for `backup` on create, `pitrPath` then `backup.pitr`);
   * the storage must exist, and `pitr` needs an engine with an archiver (422 naming it).
   */
  async parse(input: unknown, engine?: Engine, pitrPath = 'pitr'): Promise<BackupPolicy> {
    const given = (input ?? {}) as { retentionDays?: unknown };
    const policy = parseInput(BackupPolicySchema, input);
    if (policy.pitr && engine) assertPitrSupported(engine, pitrPath);
    if (!parseCron(policy.schedule))
      throw refuse(
        'schedule',
        'cron',
        'schedule has a field out of range (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-7)',
      );
    const storage = await this.context.store.backupStorages.find(policy.storageId);
    if (!storage)
      throw refuse('storageId', 'exists', `storageId ${policy.storageId} is no backup storage`);
    const retentionDays =
      given.retentionDays === undefined && storage.retentionDays !== null
        ? storage.retentionDays
        : policy.retentionDays;
    const max = this.context.limits.backupRetentionDays;
    if (retentionDays > max)
      throw refuse(
        'retentionDays',
        'max',
        `retentionDays must be at most ${max} (the backup retention limit)`,
      );
    return { ...policy, retentionDays };
  }

  async put(
    databaseId: string,
    input: unknown,
    options: BackupActOptions = {},
  ): Promise<BackupPolicyResponse | BackupDryRun> {
    const database = await this.database(databaseId, options.grant);
    const policy = await this.parse(input, database.engine);
    const storage = await this.storages.record(policy.storageId);
    if (options.dryRun)
      return { dryRun: true, manifests: policyManifests(database, policy, storage.name) };
    const saved = await this.context.store.databases.update({
      ...database,
      backup: policy,
      updatedAt: isoNow(this.context),
    });
    if (isLive(saved)) await this.apply(saved.id);
    return this.respond(saved, policy);
  }

  async get(databaseId: string, grant?: Grant): Promise<BackupPolicyResponse> {
    const database = await this.database(databaseId, grant);
    if (!database.backup) throw new NotFoundError('backup policy of database', database.name);
    return this.respond(database, database.backup);
  }

  async delete(databaseId: string, options: BackupActOptions = {}): Promise<void> {
    const database = await this.database(databaseId, options.grant);
    if (!database.backup) throw new NotFoundError('backup policy of database', database.name);
    if (options.dryRun) return;
    const client = await this.providers.clientFor(
      await this.context.store.providers.get(database.providerId),
    );
    await client.delete(
      'core.kubestash.com/v1alpha1',
      'BackupConfiguration',
      database.namespace,
      backupNames(database).backupConfiguration,
    );
    await removePitr(client, specOf(database));
    await this.context.store.databases.update({
      ...(await this.context.store.databases.get(databaseId)),
      backup: null,
      updatedAt: isoNow(this.context),
    });
  }

  /** Applies of one database run one after another (see `apply`). */
  private readonly applying = new Map<string, Promise<void>>();

  /**
   * Applies the database's policy objects. Applies of one database are serialised: two at once
   * (the first backup of a create beside a scheduled one) would each find no repository password
   * in the vault and each make one, so restic would open the repository with the wrong key.
   */
  apply(databaseId: string): Promise<void> {
    const previous = this.applying.get(databaseId) ?? Promise.resolve();
    const next = previous.then(() => this.applyNow(databaseId));
    // What the next apply waits for: never rejects (the caller of this one gets its error).
    const settled: Promise<void> = next
      .catch(() => undefined)
      .finally(() => {
        if (this.applying.get(databaseId) === settled) this.applying.delete(databaseId);
      });
    this.applying.set(databaseId, settled);
    return next;
  }

  private async applyNow(databaseId: string): Promise<void> {
    const { store, vault } = this.context;
    const database = await store.databases.get(databaseId);
    const policy = database.backup;
    if (!policy) throw new NotFoundError('backup policy of database', database.name);
    const materialized = await this.storages.materialize(
      policy.storageId,
      database.providerId,
      database.namespace,
    );
    const ref = { kind: 'database-credentials' as const, id: `${database.id}.restic` };
    const password = await vault.get(ref).catch(async () => {
      const fresh = randomBytes(32).toString('base64url');
      await vault.put(ref, fresh);
      return fresh;
    });
    const client = await this.providers.clientFor(await store.providers.get(database.providerId));
    const apply = { fieldManager: FIELD_MANAGER, force: true };
    const spec = specOf(database);
    await client.apply(buildEncryptionSecret(spec, password), apply);
    const storageName = materialized.backupStorage.replace(/^dbaas-/, '');
    const [retention, configuration] = policyManifests(database, policy, storageName);
    for (const manifest of [retention!, configuration!]) await client.apply(manifest, apply);
    await applyPitr(client, spec, policy, storageName);
  }

  placeRepository(sourceId: string, providerId: string): Promise<void> {
    return placeRepository(this.context, this.providers, this.storages, sourceId, providerId);
  }

  nextRunAt(schedule: string, from: Date, paused = false): Date | null {
    return paused ? null : nextCronRun(schedule, from);
  }

  private async database(id: string, grant?: Grant): Promise<Database> {
    const database = await this.context.store.databases.get(id);
    grant?.assertAllowed('database', id, database.domain, database.project);
    if (database.status === 'DELETED') throw new NotFoundError('database', id);
    return database;
  }

  private async respond(database: Database, policy: BackupPolicy): Promise<BackupPolicyResponse> {
    const now = this.context.now();
    const items = (await this.backups().list(database.id)).items;
    const newest = items.find((item) => item.phase === 'Succeeded' && item.finishedAt);
    const rpoSeconds = newest?.finishedAt
      ? Math.max(0, Math.round((now.getTime() - Date.parse(newest.finishedAt)) / 1000))
      : null;
    const breached: ('rpo' | 'rto')[] =
      rpoSeconds === null || rpoSeconds > OBJECTIVES.rpoSeconds ? ['rpo'] : [];
    const next = this.nextRunAt(policy.schedule, now, policy.paused);
    const window = policy.pitr ? await this.archivedWindowOf(database) : null;
    return {
      databaseId: database.id,
      storageId: policy.storageId,
      schedule: policy.schedule,
      ...(policy.retention
        ? { retention: policy.retention }
        : { retentionDays: policy.retentionDays }),
      pitr: policy.pitr ?? false,
      paused: policy.paused ?? false,
      nextRunAt: next ? next.toISOString() : null,
      rpoSeconds,
      rtoSeconds: null,
      objectives: { ...OBJECTIVES, breached },
      ...(window ? { recoverableWindow: window } : {}),
    };
  }

  /**
   * The window the archiver recorded in the `<db>-full` Snapshots; none when it has recorded none
   * yet or the cluster cannot be read now (the policy is still shown).
   */
  private async archivedWindowOf(database: Database): Promise<{ from: string; to: string } | null> {
    if (!supportsPitr(database.engine) || !isLive(database)) return null;
    try {
      const client = await this.providers.clientFor(
        await this.context.store.providers.get(database.providerId),
      );
      const page = await client.listAll('storage.kubestash.com/v1alpha1', 'Snapshot', {
        namespace: database.namespace,
        labelSelector: fullSnapshotSelector(database),
      });
      return archivedWindow(archivedPoints(database, page.items));
    } catch {
      return null;
    }
  }
}

/** A database whose objects exist on the cluster (its namespace too): the policy can be applied now. */
export function isLive(database: Database): boolean {
  return (
    !['PENDING', 'FAILED', 'DELETING', 'DELETED'].includes(database.status) && database.phase !== ''
  );
}
