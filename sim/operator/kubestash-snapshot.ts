/**
 * The status a Snapshot ends with: a real restic snapshot (id, size, integrity read back), a
 * simulated one (marked: no data), or a failure whose message names the cause.
 */
import type { InstanceBackup } from '../dataplane/backup/run';
import { SIMULATED_CONDITION } from './kubestash-real';
import { formatBytes, formatGoDuration } from './util';

export type SnapshotOutcome =
  | { kind: 'simulated'; bytes: number; durationMs: number }
  | { kind: 'real'; backup: InstanceBackup }
  | { kind: 'failed'; reason: string; message: string };

export function snapshotStatus(
  outcome: SnapshotOutcome,
  time: string,
  session: string,
): Record<string, unknown> {
  if (outcome.kind === 'failed')
    return {
      phase: 'Failed',
      snapshotTime: time,
      totalComponents: 1,
      components: { dump: { driver: 'Restic', phase: 'Failed', error: outcome.message } },
      conditions: [
        {
          type: 'SnapshotMetadataUploaded',
          status: 'False',
          reason: outcome.reason,
          message: outcome.message,
          lastTransitionTime: time,
        },
      ],
    };
  const real = outcome.kind === 'real' ? outcome.backup : undefined;
  const size = formatBytes(real ? real.size : outcome.kind === 'simulated' ? outcome.bytes : 0);
  const integrity = real ? real.integrity : true;
  const component = {
    driver: 'Restic',
    phase: 'Succeeded',
    path: real ? `/${real.filename}` : `repository/v1/${session}/dump`,
    size,
    duration: formatGoDuration(
      real ? real.durationMs : outcome.kind === 'simulated' ? outcome.durationMs : 0,
    ),
    integrity,
    ...(real
      ? {
          resticStats: [
            {
              id: real.snapshotId,
              uploaded: formatBytes(real.dataAdded),
              hostPath: `/${real.filename}`,
              size,
            },
          ],
        }
      : {}),
  };
  const conditions: Record<string, unknown>[] = [
    {
      type: 'SnapshotMetadataUploaded',
      status: 'True',
      reason: 'SnapshotMetadataUploadSucceeded',
      message: 'Snapshot metadata uploaded',
      lastTransitionTime: time,
    },
  ];
  if (real)
    conditions.push({
      type: 'IntegrityVerified',
      status: integrity ? 'True' : 'False',
      reason: integrity ? 'SnapshotReadBackMatches' : 'SnapshotReadBackDiffers',
      message: integrity
        ? `restic snapshot ${real.snapshotId.slice(0, 8)} read back with sha256 ${real.sha256.slice(0, 12)}…`
        : `restic snapshot ${real.snapshotId.slice(0, 8)} does not read back as written`,
      lastTransitionTime: time,
    });
  else conditions.push({ ...SIMULATED_CONDITION, lastTransitionTime: time });
  return {
    phase: integrity ? 'Succeeded' : 'Failed',
    snapshotTime: time,
    size,
    integrity,
    totalComponents: 1,
    components: { dump: component },
    conditions,
  };
}
