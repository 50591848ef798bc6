import type { Condition } from '../../domain';
import type { KubeObject } from '../types';

/** What an OpsRequest's status means to an operation worker. */
export type OpsOutcome = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** A worker's reading of one OpsRequest. */
export interface OpsProgress {
  /** KubeDB's phase ('' before the ops-manager saw it). */
  phase: string;
  outcome: OpsOutcome;
  /** True when the OpsRequest will not change any more. */
  done: boolean;
  /** 0-100, estimated from the step conditions that have completed. */
  progress: number;
  /** The failing (or latest) condition's reason and message; null when there is nothing to say. */
  reason: string | null;
  message: string | null;
}

/** Conditions that frame an OpsRequest rather than mark a step of it. */
const FRAME_CONDITIONS = new Set([
  'Progressing',
  'Successful',
  'Failed',
  'Skipped',
  'Approved',
  'Denied',
]);

function conditionsOf(object: KubeObject): Condition[] {
  const conditions = (object.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(conditions) ? (conditions as Condition[]) : [];
}

/**
 * Reads an OpsRequest's status (REFERENCE 6.3). Progress is an estimate: KubeDB publishes no
 * percentage, only step conditions, so each completed step adds 15 points on top of 10 for
 * "started", capped at 95 until the phase says Successful.
 */
export function readOpsRequestStatus(object: KubeObject): OpsProgress {
  const raw = (object.status as { phase?: unknown } | undefined)?.phase;
  const phase = typeof raw === 'string' ? raw : '';
  const conditions = conditionsOf(object);
  const failing = [...conditions].reverse().find((condition) => condition.status === 'False');
  const latest = conditions.at(-1);
  const explain = (condition: Condition | undefined) => ({
    reason: condition?.reason ?? null,
    message: condition?.message ?? null,
  });
  switch (phase) {
    case 'Successful':
      return {
        phase,
        outcome: 'succeeded',
        done: true,
        progress: 100,
        reason: null,
        message: null,
      };
    case 'Failed':
    case 'Denied':
      return { phase, outcome: 'failed', done: true, progress: 100, ...explain(failing ?? latest) };
    case 'Skipped':
      return { phase, outcome: 'skipped', done: true, progress: 100, ...explain(latest) };
    case 'Progressing': {
      const steps = conditions.filter(
        (condition) => condition.status === 'True' && !FRAME_CONDITIONS.has(condition.type),
      ).length;
      return {
        phase,
        outcome: 'running',
        done: false,
        progress: Math.min(95, 10 + steps * 15),
        ...explain(latest),
      };
    }
    default:
      // '', Pending, WaitingForApproval, Approved: queued behind other ops or an approval.
      return { phase, outcome: 'pending', done: false, progress: 0, ...explain(latest) };
  }
}
