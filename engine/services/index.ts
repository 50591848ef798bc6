/** The use cases the API calls. Built once by the composition root from the service context. */
import type { DataVerifiers } from '../dataplane';
import { systemClock, type Clock } from '../base/clock';
import type { OperationQueue } from '../queue';
import { AlertService } from './alerts';
import { NotificationService, type DeliveryOptions } from './notifications';
import { Backups } from './backups/backups';
import type { BackupServices } from './backups';
import { BackupPolicies } from './backups/policies';
import { BackupStorages } from './backups/storages';
import type { ServiceContext } from './context';
import { DatabaseChanges } from './database-changes';
import { DatabaseObservations } from './database-observations';
import { DatabaseReads } from './database-reads';
import { DatabaseService } from './databases';
import type { EventBus } from './events';
import { OperationAbort } from './operation-abort';
import { OperationService } from './operations';
import { ProviderService } from './providers';
import { RestoreService } from './restore';
import { DrillService } from './drills';
import { EstateService } from './estate';
import { TenancyService } from './tenancy';
import { VersionService } from './versions';

export type { ServiceContext } from './context';
export type * from './backups';
export type { BackupObjectsSource } from './backups/backups';
export type { ChangeResult } from './database-changes';
export type { CreateResult, DryRunResult } from './databases';
export type { Credentials, ManifestView } from './database-reads';
export { EventBus, type EngineEvent } from './events';
export { createMemoryEventJournal, type EventJournal, type JournaledEvent } from './event-journal';
export type { PublicProvider } from './providers';
export type { FleetVersion } from './versions';
export type { DatabaseEventEntry, MetricRange, MetricSeries } from './database-observations';
export {
  DatabaseChanges,
  DatabaseObservations,
  DatabaseReads,
  DatabaseService,
  OperationAbort,
  OperationService,
  ProviderService,
  VersionService,
};

export interface Services {
  providers: ProviderService;
  databases: DatabaseService;
  databaseChanges: DatabaseChanges;
  databaseReads: DatabaseReads;
  observations: DatabaseObservations;
  operations: OperationService;
  operationAbort: OperationAbort;
  versions: VersionService;
  events: EventBus;
  tenancy: TenancyService;
  restore: RestoreService;
  drills: DrillService;
  estate: EstateService;
  /** Backup storages, policies and backups (engine/services/backups). */
  backups: BackupServices & { backups: Backups };
  /** Alerts as the API sees them; the evaluator runs in the loops (engine/services/alerts). */
  alerts: AlertService;
  /** Notification channels and the delivery of alert notices (engine/services/notifications). */
  notifications: NotificationService;
}

export function createServices(
  context: ServiceContext,
  infrastructure: {
    queue: OperationQueue;
    events: EventBus;
    /** The data path's clients by engine, for restore drills' verification (none: phase-only). */
    dataVerifiers?: DataVerifiers;
    /** Times the retries of notification deliveries. */
    clock?: Clock;
    delivery?: DeliveryOptions;
  },
): Services {
  const notifications = new NotificationService(
    context,
    infrastructure.clock ?? systemClock,
    infrastructure.delivery,
  );
  const providers = new ProviderService(context);
  const operations = new OperationService(context, infrastructure.queue, infrastructure.events);
  const tenancy = new TenancyService(context);
  const restore = new RestoreService(context, providers, operations, tenancy);
  const storages = new BackupStorages(context, providers);
  const backups = new Backups(context, providers, operations);
  const policies = new BackupPolicies(context, providers, storages, () => backups);
  const databases = new DatabaseService(context, providers, operations, tenancy);
  databases.backupPolicies = policies;
  return {
    restore,
    drills: new DrillService(context, databases, restore, providers, infrastructure.dataVerifiers),
    estate: new EstateService(context, providers),
    providers,
    operations,
    databases,
    backups: { storages, policies, backups },
    tenancy,
    databaseChanges: new DatabaseChanges(context, providers, operations),
    operationAbort: new OperationAbort(context, providers, operations),
    databaseReads: new DatabaseReads(context, providers),
    observations: new DatabaseObservations(context, providers),
    versions: new VersionService(context, providers),
    events: infrastructure.events,
    alerts: new AlertService(context, notifications.delivery),
    notifications,
  };
}
