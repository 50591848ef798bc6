/**
 * When the repository sync of kubestash-sync.ts runs: as soon as a BackupStorage is Ready, on
 * every change of it (an apply is the way to ask for a sync now), and on a resync interval; one
 * sync at a time per storage, and at most one every `MIN_GAP_MS` real milliseconds.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { STORAGE_API } from './kubestash-common';
import type { Runtime } from './runtime';
import { syncStorage, type SyncedRepository } from './kubestash-sync';
import { keyOf } from './util';

/** Simulated interval of the resync (KubeStash re-reads its backends periodically). */
const RESYNC_MS = 5 * 60_000;
/** At least this many real milliseconds between the resyncs, and between two syncs of one storage. */
const RESYNC_REAL_MS = 5_000;
const MIN_GAP_MS = 1_000;

export class RepositorySyncer {
  private readonly running = new Set<string>();
  private readonly last = new Map<string, number>();
  private readonly results = new Map<string, SyncedRepository[]>();
  private readonly again = new Set<string>();

  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    private readonly reconcile: (storage: KubeObject) => void,
  ) {}

  start(): void {
    this.runtime.every(
      RESYNC_MS,
      () => {
        for (const storage of this.state.list(STORAGE_API, 'BackupStorage'))
          if ((storage.status as { phase?: unknown } | undefined)?.phase === 'Ready')
            this.request(storage);
      },
      RESYNC_REAL_MS,
    );
  }

  /** The repositories the last sync of `storage` could not create (with their error). */
  failures(storage: KubeObject): SyncedRepository[] {
    return (this.results.get(keyOf(storage)) ?? []).filter((r) => !r.synced && r.name !== '');
  }

  /** Asks for a sync of `storage`; one already running runs once more after it ends. */
  request(storage: KubeObject): void {
    const key = keyOf(storage);
    if (this.runtime.stopped) return;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    if (Date.now() - (this.last.get(key) ?? 0) < MIN_GAP_MS) return;
    this.running.add(key);
    void this.run(storage, key);
  }

  private async run(storage: KubeObject, key: string): Promise<void> {
    try {
      const results = await syncStorage(this.state, storage, this.runtime.signal);
      this.results.set(key, results);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.results.set(key, [{ name: '', namespace: '', path: '', synced: false, error: message }]);
    } finally {
      this.running.delete(key);
      this.last.set(key, Date.now());
    }
    if (this.runtime.stopped) return;
    const fresh = this.state.get(
      STORAGE_API,
      'BackupStorage',
      storage.metadata.namespace,
      storage.metadata.name ?? '',
    );
    if (!fresh) return;
    this.reconcile(fresh);
    if (this.again.delete(key)) {
      this.last.delete(key);
      this.request(fresh);
    }
  }
}
