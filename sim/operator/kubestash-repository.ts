/**
 * A KubeStash Repository's bookkeeping after a backup run: its status from its Snapshots, and the
 * retention policy that deletes the old ones.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { STORAGE_API, parseSize, ref } from './kubestash-common';
import { asNumber, asRecord, formatBytes, getPath, text } from './util';

/** The Snapshots of one repository, oldest first. */
export function snapshotsOf(
  state: ClusterState,
  namespace: string,
  repository: string,
): KubeObject[] {
  return state
    .list(STORAGE_API, 'Snapshot', {
      namespace,
      labels: { 'kubestash.com/repo-name': repository },
    })
    .sort(
      (a, b) =>
        text(getPath(a, ['status', 'snapshotTime'])).localeCompare(
          text(getPath(b, ['status', 'snapshotTime'])),
        ) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
}

/** Recomputes a Repository's status (count, size, last backup, recent snapshots) from its Snapshots. */
export function updateRepository(state: ClusterState, namespace: string, name: string): void {
  const repo = state.get(STORAGE_API, 'Repository', namespace, name);
  if (!repo) return;
  const snaps = snapshotsOf(state, namespace, name);
  const done = snaps.filter((s) => getPath(s, ['status', 'phase']) === 'Succeeded');
  const total = done.reduce(
    (n, s) => n + parseSize(text(getPath(s, ['status', 'size']), '0 B')),
    0,
  );
  const last = done[done.length - 1];
  const status = {
    ...asRecord(repo.status),
    phase: 'Ready',
    integrity: true,
    snapshotCount: snaps.length,
    size: formatBytes(total),
    ...(last ? { lastBackupTime: getPath(last, ['status', 'snapshotTime']) } : {}),
    recentSnapshots: snaps
      .slice(-5)
      .reverse()
      .map((s) => ({
        name: s.metadata.name,
        phase: getPath(s, ['status', 'phase']),
        session: getPath(s, ['spec', 'session']),
        size: getPath(s, ['status', 'size']),
        snapshotTime: getPath(s, ['status', 'snapshotTime']),
      })),
  };
  state.updateStatus({ ...repo, status }, { skipAdmission: true });
}

/** The RetentionPolicy of one repository of a BackupConfiguration session, if it names one. */
export function retentionPolicyOf(
  state: ClusterState,
  bc: KubeObject,
  session: Record<string, unknown>,
  namespace: string,
  repoName: string,
): KubeObject | undefined {
  const backends = (
    Array.isArray(getPath(bc, ['spec', 'backends']))
      ? (getPath(bc, ['spec', 'backends']) as unknown[])
      : []
  ).map(asRecord);
  const repo = (Array.isArray(session.repositories) ? session.repositories : [])
    .map(asRecord)
    .find((r) => r.name === repoName);
  const policyRef = ref(backends.find((b) => b.name === repo?.backend)?.retentionPolicy);
  if (!policyRef.name) return undefined;
  return state.get(
    STORAGE_API,
    'RetentionPolicy',
    policyRef.namespace ?? namespace,
    policyRef.name,
  );
}

/**
 * Applies each repository's retention policy (successful and failed snapshots to keep), deleting
 * older Snapshots; returns the session's retentionPolicy status entries.
 */
export function applyRetention(
  state: ClusterState,
  bc: KubeObject,
  session: Record<string, unknown>,
  namespace: string,
  repositories: string[],
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const backends = (
    Array.isArray(getPath(bc, ['spec', 'backends']))
      ? (getPath(bc, ['spec', 'backends']) as unknown[])
      : []
  ).map(asRecord);
  for (const repoName of repositories) {
    const repo = (Array.isArray(session.repositories) ? session.repositories : [])
      .map(asRecord)
      .find((r) => r.name === repoName);
    const policyRef = ref(backends.find((b) => b.name === repo?.backend)?.retentionPolicy);
    if (!policyRef.name) continue;
    const policy = state.get(
      STORAGE_API,
      'RetentionPolicy',
      policyRef.namespace ?? namespace,
      policyRef.name,
    );
    const keep = asNumber(getPath(policy, ['spec', 'successfulSnapshots', 'last']), Infinity);
    const keepFailed = asNumber(getPath(policy, ['spec', 'failedSnapshots', 'last']), 1);
    const snaps = snapshotsOf(state, namespace, repoName);
    const ok = snaps.filter((s) => getPath(s, ['status', 'phase']) === 'Succeeded');
    const bad = snaps.filter((s) => getPath(s, ['status', 'phase']) === 'Failed');
    for (const s of [
      ...ok.slice(0, Math.max(0, ok.length - keep)),
      ...bad.slice(0, Math.max(0, bad.length - keepFailed)),
    ]) {
      state.delete(STORAGE_API, 'Snapshot', namespace, s.metadata.name ?? '', {
        skipAdmission: true,
      });
    }
    updateRepository(state, namespace, repoName);
    out.push({
      ref: { name: policyRef.name, namespace: policyRef.namespace ?? namespace },
      repository: repoName,
      phase: policy ? 'Applied' : 'FailedToApply',
      ...(policy ? {} : { error: 'retention policy not found' }),
    });
  }
  return out;
}
