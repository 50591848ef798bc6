import type { Store } from '../../store';

/**
 * Names audit targets by kind and id from the store, so that the trail says "orders", not a uuid.
 * An operation is named after what it does to which database ("scale of orders").
 */
export function createAuditTargetNamer(
  store: Pick<Store, 'databases' | 'providers' | 'operations' | 'users' | 'apiKeys'> &
    Partial<Pick<Store, 'backupStorages'>>,
): (kind: string, id: string) => Promise<string | null> {
  return async (kind, id) => {
    switch (kind) {
      case 'database':
        return (await store.databases.find(id))?.name ?? null;
      case 'provider':
        return (await store.providers.find(id))?.name ?? null;
      case 'user':
        return (await store.users.find(id))?.username ?? null;
      case 'backup-storage':
        return (await store.backupStorages?.find(id))?.name ?? null;
      case 'api-key':
        return (await store.apiKeys.find(id))?.name ?? null;
      case 'operation': {
        const operation = await store.operations.find(id);
        if (!operation) return null;
        const database = await store.databases.find(operation.databaseId);
        return `${operation.type} of ${database?.name ?? operation.databaseId}`;
      }
      default:
        return null;
    }
  };
}
