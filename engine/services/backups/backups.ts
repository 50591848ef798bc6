import { EngineError, NotFoundError } from '../../base/errors';
import type { BackupItem, BackupListResponse } from '../../domain/backup-views';
import type { Database, Operation } from '../../domain';
import { buildBackupSession } from '../../kubedb/kubestash';
import type { KubeObject } from '../../kubedb/types';
import type { Grant } from '../auth/access';
import type { ServiceContext } from '../context';
import { specOf } from '../databases';
import type { OperationService } from '../operations';
import type { ProviderService } from '../providers';
import type { BackupActOptions, BackupDryRun, BackupService } from './index';
import { CORE_API, STORAGE_API, backupItems } from './items';

/** The watch caches of one cluster's backup objects (engine/loops/backup-watch.ts). */
export interface BackupObjectsSource {
  sessions(): KubeObject[];
  snapshots(): KubeObject[];
  readonly synced: boolean;
}

/** On-demand backups (operations) and the list of a database's backups. */
export class Backups implements BackupService {
  /** Set by the composition root once the loops exist; absent while this instance does not lead. */
  objectsOf: (providerId: string) => BackupObjectsSource | undefined = () => undefined;

  constructor(
    private readonly context: ServiceContext,
    private readonly providers: ProviderService,
    private readonly operations: OperationService,
  ) {}

  async start(
    databaseId: string,
    options: BackupActOptions = {},
  ): Promise<Operation | BackupDryRun> {
    const database = await this.database(databaseId, options.grant);
    if (!database.backup) {
      const message = `database ${database.name} has no backup policy: PUT /api/v1/databases/${database.id}/backup-policy first`;
      throw new EngineError('UNPROCESSABLE', message, {
        details: [{ path: 'backup-policy', rule: 'required', message }],
      });
    }
    if (options.dryRun)
      return {
        dryRun: true,
        manifests: [
          buildBackupSession(specOf(database), {
            operationId: 'dry-run',
            unixSeconds: this.context.now().getTime() / 1000,
          }),
        ],
      };
    return this.operations.submit(database, 'backup', {}, options.actor);
  }

  async list(databaseId: string, grant?: Grant): Promise<BackupListResponse> {
    const database = await this.database(databaseId, grant);
    const { sessions, snapshots } = await this.objects(database);
    return { items: backupItems(database, sessions, snapshots) };
  }

  async get(databaseId: string, backupId: string, grant?: Grant): Promise<BackupItem> {
    const item = (await this.list(databaseId, grant)).items.find((i) => i.id === backupId);
    if (!item) throw new NotFoundError('backup', backupId);
    return item;
  }

  /** From the watch caches; one list per kind only when this instance runs no watch (a follower). */
  private async objects(
    database: Database,
  ): Promise<{ sessions: KubeObject[]; snapshots: KubeObject[] }> {
    const cached = this.objectsOf(database.providerId);
    if (cached?.synced) return { sessions: cached.sessions(), snapshots: cached.snapshots() };
    const client = await this.providers.clientFor(
      await this.context.store.providers.get(database.providerId),
    );
    const [sessions, snapshots] = await Promise.all([
      client.listAll(CORE_API, 'BackupSession', { namespace: database.namespace }),
      client.listAll(STORAGE_API, 'Snapshot', { namespace: database.namespace }),
    ]);
    return { sessions: sessions.items, snapshots: snapshots.items };
  }

  private async database(id: string, grant?: Grant): Promise<Database> {
    const database = await this.context.store.databases.get(id);
    grant?.assertAllowed('database', id, database.domain, database.project);
    if (database.status === 'DELETED') throw new NotFoundError('database', id);
    return database;
  }
}
