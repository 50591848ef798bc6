import type { Database, DriftEntry } from '../domain';

/**
 * The desired state with the live values of `drift` taken in (the `adopt-live` drift policy), and
 * the entries that have no field of the Database to take them into (other spec fields,
 * annotations), which stay reported.
 */
export function adoptLive(
  database: Database,
  drift: readonly DriftEntry[],
): { database: Database; adopted: DriftEntry[]; rest: DriftEntry[] } {
  const next: Database = {
    ...database,
    resources: { ...database.resources },
    storage: { ...database.storage },
    topology: { ...database.topology },
    labels: { ...database.labels },
  };
  const adopted: DriftEntry[] = [];
  const rest: DriftEntry[] = [];
  for (const entry of drift) {
    const live = entry.live;
    const take = (): void => void adopted.push(entry);
    if (entry.path === 'replicas' && typeof live === 'number') {
      next.replicas = live;
      take();
    } else if (entry.path === 'topology.shards' && typeof live === 'number') {
      next.topology.shards = live;
      take();
    } else if (entry.path === 'version' && typeof live === 'string') {
      next.version = live;
      take();
    } else if (entry.path === 'resources.cpu' && typeof live === 'string') {
      next.resources.cpu = live;
      take();
    } else if (entry.path === 'resources.memory' && typeof live === 'string') {
      next.resources.memory = live;
      take();
    } else if (entry.path === 'storage.size' && typeof live === 'string') {
      next.storage.size = live;
      take();
    } else if (entry.path === 'halted' && typeof live === 'boolean') {
      next.halted = live;
      take();
    } else if (
      entry.path === 'deletionPolicy' &&
      (live === 'Delete' || live === 'WipeOut' || live === 'DoNotTerminate')
    ) {
      next.deletionPolicy = live;
      take();
    } else if (entry.path.startsWith('labels.') && !entry.path.includes('dbaas.kubedb.dev/')) {
      const key = entry.path.slice('labels.'.length);
      if (typeof live === 'string') next.labels[key] = live;
      else delete next.labels[key];
      take();
    } else {
      rest.push(entry);
    }
  }
  return { database: next, adopted, rest };
}
