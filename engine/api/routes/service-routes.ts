/** Every route that answers from the engine's services (identity and metrics are added apart). */
import type { RouteSpec } from '../route-table';
import type { Services } from '../../services';
import { alertRoutes, notificationChannelRoutes } from './alerts';
import { backupRoutes } from './backups';
import { databaseDetailRoutes } from './database-views';
import { databaseRoutes, versionRoutes } from './databases';
import { drillRoutes } from './drills';
import { estateRoutes } from './estate';
import { databaseChangeRoutes, eventRoutes, operationRoutes } from './operations';
import { providerRoutes } from './providers';
import { restoreRoutes } from './restore';

export function serviceRoutes(services: Services): RouteSpec[] {
  return [
    ...providerRoutes(services),
    ...databaseRoutes(services),
    ...databaseDetailRoutes(services),
    ...databaseChangeRoutes(services),
    ...operationRoutes(services),
    ...restoreRoutes(services),
    ...drillRoutes(services),
    ...estateRoutes(services),
    ...backupRoutes(services),
    ...eventRoutes(services),
    ...versionRoutes(services),
    ...alertRoutes(services),
    ...notificationChannelRoutes(services),
  ];
}
