/**
 * After a backup run: the metadata of its Snapshots goes to the bucket (for a BackupStorage on
 * another cluster to sync, see kubestash-sync.ts), and that of Snapshots retention removed goes.
 */
import type { ClusterState } from '../core/contract';
import { snapshotsOf } from './kubestash-repository';
import type { SnapshotOutcome } from './kubestash-snapshot';
import { deleteSnapshotMetadata, writeMetadata } from './kubestash-sync';

/** The Snapshot names of each repository of a run (to tell later which retention removed). */
export function snapshotNames(
  state: ClusterState,
  namespace: string,
  snapshots: { repository: string }[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { repository } of snapshots)
    out.set(
      repository,
      snapshotsOf(state, namespace, repository).map((o) => o.metadata.name ?? ''),
    );
  return out;
}

/**
 * Writes the metadata of the run's real Snapshots. A simulated database's Snapshot holds no data and
 * writes nothing to the bucket, so it is never synced to another cluster.
 */
export async function uploadMetadata(
  state: ClusterState,
  namespace: string,
  snapshots: { name: string; repository: string }[],
  outcomes: Map<string, SnapshotOutcome>,
  signal: AbortSignal,
  report: (error: unknown) => void,
): Promise<void> {
  for (const s of snapshots) {
    if (outcomes.get(s.name)?.kind !== 'real') continue;
    await writeMetadata(state, namespace, s.repository, s.name, signal).catch(report);
  }
}

/** Deletes the metadata of the Snapshots that are gone since `before`. */
export async function forgetMetadata(
  state: ClusterState,
  namespace: string,
  before: Map<string, string[]>,
  report: (error: unknown) => void,
): Promise<void> {
  for (const [repository, names] of before) {
    const left = new Set(snapshotsOf(state, namespace, repository).map((o) => o.metadata.name));
    const gone = names.filter((n) => !left.has(n));
    await deleteSnapshotMetadata(state, namespace, repository, gone).catch(report);
  }
}
