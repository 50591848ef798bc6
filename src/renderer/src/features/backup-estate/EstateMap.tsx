import { useMemo } from 'react';
import type { Database, EstateObject, PublicProvider } from '../../api';
import { EmptyState, href } from '../../ui';

const KIND_ORDER: EstateObject['kind'][] = [
  'BackupStorage',
  'BackupConfiguration',
  'Repository',
  'Snapshot',
];

/** One database's objects (or the objects of no known database), in the map's order. */
export interface EstateGroup {
  databaseId: string | null;
  items: EstateObject[];
}

/**
 * The estate's objects grouped by the database they protect, databases by name, the objects of no
 * database (shared storages, objects the engine cannot place) last; inside a group by kind, then name.
 */
export function groupEstate(
  items: readonly EstateObject[],
  nameOf: (id: string) => string | undefined,
): EstateGroup[] {
  const groups = new Map<string | null, EstateObject[]>();
  for (const item of items) {
    const key = item.databaseId ?? null;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const label = (id: string | null) => (id === null ? '\uffff' : (nameOf(id) ?? id));
  return [...groups.entries()]
    .map(([databaseId, list]) => ({
      databaseId,
      items: list.sort(
        (a, b) =>
          KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name),
      ),
    }))
    .sort((a, b) => label(a.databaseId).localeCompare(label(b.databaseId)));
}

/** Every BackupStorage, BackupConfiguration, Repository and Snapshot, by the database it protects. */
export function EstateMap({
  items,
  databases,
  providers,
}: {
  items: readonly EstateObject[];
  databases: ReadonlyMap<string, Database>;
  providers: readonly PublicProvider[];
}) {
  const groups = useMemo(
    () => groupEstate(items, (id) => databases.get(id)?.name),
    [items, databases],
  );
  const clusterName = (id: string) => providers.find((p) => p.id === id)?.name ?? id;
  const unmanaged = items.filter((i) => !i.managed).length;
  return (
    <section className="panel" aria-labelledby="estate-map-title" data-testid="estate-map">
      <h3 id="estate-map-title">Estate map</h3>
      {items.length === 0 ? (
        <EmptyState title="No KubeStash objects on any cluster">
          Set a backup policy on a database (its Backups tab) to create some.
        </EmptyState>
      ) : (
        <p className="muted">
          {items.length} objects on {new Set(items.map((i) => i.providerId)).size} clusters;{' '}
          {unmanaged} not created by this console.
        </p>
      )}
      {groups.map((group) => {
        const db = group.databaseId ? databases.get(group.databaseId) : undefined;
        const title = group.databaseId
          ? (db?.name ?? `${group.databaseId} (not a database this console knows)`)
          : 'Not tied to a database';
        const id = `estate-${group.databaseId ?? 'none'}`;
        return (
          <div key={id} data-testid={id}>
            <h4>
              {db ? <a href={href(`/databases/${db.id}`)}>{title}</a> : title}{' '}
              <span className="muted">
                {KIND_ORDER.map((kind) => {
                  const n = group.items.filter((i) => i.kind === kind).length;
                  return n ? `${n} ${kind}` : '';
                })
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </h4>
            <table className="simple" aria-label={`Backup objects of ${title}`}>
              <thead>
                <tr>
                  <th>Kind</th>
                  <th>Name</th>
                  <th>Cluster</th>
                  <th>Namespace</th>
                  <th>Created by</th>
                </tr>
              </thead>
              <tbody>
                {group.items.map((item) => (
                  <tr key={`${item.providerId}/${item.namespace}/${item.kind}/${item.name}`}>
                    <td>{item.kind}</td>
                    <td className="wrap">
                      {item.name}
                      {item.orphan && <span className="badge badge-warn"> orphan</span>}
                    </td>
                    <td>{clusterName(item.providerId)}</td>
                    <td>{item.namespace}</td>
                    <td>
                      {item.managed ? (
                        <span className="badge badge-ok">this console</span>
                      ) : (
                        <span className="badge badge-muted">not this console</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}
