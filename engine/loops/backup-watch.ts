/**
 * Watch caches of one cluster's KubeStash BackupSessions and Snapshots (every namespace: sessions
 * the KubeStash scheduler creates and Snapshots carry none of our labels). Backups are listed from
 * here, never by polling; each change is published as a `backup.status` event.
 */
import type { Disposable } from '../base/disposable';
import type { Provider } from '../domain';
import type { ClusterClient } from '../kube';
import { WatchCache } from '../kube/watch-cache';
import type { KubeObject } from '../kubedb/types';
import { CORE_API, STORAGE_API, backupItems } from '../services/backups/items';
import type { LoopContext } from './context';

export interface BackupObjects {
  sessions(): KubeObject[];
  snapshots(): KubeObject[];
  readonly synced: boolean;
}

export class BackupWatch implements Disposable, BackupObjects {
  private readonly sessionCache: WatchCache;
  private readonly snapshotCache: WatchCache;
  private readonly subscriptions: Disposable[] = [];

  constructor(
    private readonly context: LoopContext,
    readonly provider: Provider,
    client: ClusterClient,
    databaseIdFor: (namespace: string, name: string) => string | undefined,
    watch: { silenceTimeoutMs?: number } = {},
  ) {
    const common = { client, clock: context.clock, logger: context.logger, ...watch };
    this.sessionCache = new WatchCache({ ...common, apiVersion: CORE_API, kind: 'BackupSession' });
    this.snapshotCache = new WatchCache({ ...common, apiVersion: STORAGE_API, kind: 'Snapshot' });
    const publish = (object: KubeObject) => {
      const namespace = object.metadata.namespace ?? '';
      const spec = (object.spec ?? {}) as {
        invoker?: { name?: string };
        appRef?: { name?: string };
        backupSession?: string;
      };
      const target =
        object.kind === 'Snapshot'
          ? spec.appRef?.name
          : spec.invoker?.name?.replace(/-backup$/, '');
      const databaseId = target ? databaseIdFor(namespace, target) : undefined;
      if (!databaseId || !target) return;
      const id = object.kind === 'Snapshot' ? spec.backupSession : object.metadata.name;
      const item = backupItems({ name: target, namespace }, this.sessions(), this.snapshots()).find(
        (i) => i.id === id,
      );
      if (!item) return;
      context.events.publish({
        type: 'backup.status',
        data: {
          databaseId,
          id: item.id,
          phase: item.phase,
          snapshot: item.snapshot,
          size: item.size,
          ...(item.error ? { error: item.error } : {}),
          updatedAt: new Date(context.clock.now()).toISOString(),
        },
      });
    };
    for (const cache of [this.sessionCache, this.snapshotCache])
      this.subscriptions.push(
        cache.on((event) => {
          if (event.type === 'ADDED' || event.type === 'MODIFIED') publish(event.object);
        }),
      );
  }

  start(): void {
    this.sessionCache.start();
    this.snapshotCache.start();
  }

  get synced(): boolean {
    return this.sessionCache.synced && this.snapshotCache.synced;
  }

  sessions(): KubeObject[] {
    return this.sessionCache.list();
  }

  snapshots(): KubeObject[] {
    return this.snapshotCache.list();
  }

  async dispose(): Promise<void> {
    for (const subscription of this.subscriptions) void subscription.dispose();
    await Promise.all([this.sessionCache.dispose(), this.snapshotCache.dispose()]);
  }
}
