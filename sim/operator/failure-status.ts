/**
 * What a controller does when reconciling one object throws: the error is logged once and written
 * to that object's status (as the real operators report an object they cannot act on), and the
 * process, the other objects and the other controllers carry on.
 */
import type { ClusterState, KubeObject } from '../core/contract';
import { StoppedError } from './runtime';
import { asRecord, getConditions, sameJson, setCondition } from './util';

/** Phase a failed reconcile leaves, per kind (only kinds whose phase the controller owns). */
function failedPhase(kind: string): string | undefined {
  if (kind === 'BackupConfiguration') return 'Invalid';
  if (kind === 'BackupSession' || kind === 'RestoreSession') return 'Failed';
  if (kind.endsWith('OpsRequest')) return 'Failed';
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True for errors that are part of normal operation (stop, conflicts, objects gone). */
export function isBenign(error: unknown): boolean {
  if (error instanceof StoppedError) return true;
  const code = (error as { code?: number } | null)?.code;
  return code === 404 || code === 409;
}

export type FailureReporter = (obj: KubeObject | undefined, error: unknown, what?: string) => void;

/** A reporter that writes the failure to the object's status and logs each distinct one once. */
export function createFailureReporter(
  state: ClusterState,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): FailureReporter {
  const logged = new Set<string>();
  return (obj, error, what) => {
    if (isBenign(error)) return;
    const message = messageOf(error);
    const id = obj
      ? `${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`
      : (what ?? 'operator');
    const key = `${id}: ${message}`;
    if (!logged.has(key)) {
      if (logged.size > 1000) logged.clear();
      logged.add(key);
      log(`sim operator: ${key}`);
    }
    if (!obj) return;
    try {
      const current = state.get(
        obj.apiVersion,
        obj.kind,
        obj.metadata.namespace,
        obj.metadata.name ?? '',
      );
      if (!current || current.metadata.deletionTimestamp) return;
      const phase = failedPhase(current.kind);
      let conditions = getConditions(current);
      if (current.kind === 'BackupConfiguration')
        conditions = setCondition(conditions, {
          type: 'ValidationPassed',
          status: 'False',
          reason: 'ResourceValidationFailed',
          message,
        });
      conditions = setCondition(conditions, {
        type: 'ReconcileFailed',
        status: 'True',
        reason: 'ReconcileError',
        message,
      });
      const status = { ...asRecord(current.status), ...(phase ? { phase } : {}), conditions };
      if (!sameJson(status, current.status))
        state.updateStatus({ ...current, status }, { skipAdmission: true });
    } catch (writeError) {
      if (!isBenign(writeError))
        log(`sim operator: ${id}: cannot report: ${messageOf(writeError)}`);
    }
  };
}
