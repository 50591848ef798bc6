import type { BackupPolicyRequest } from '../../api';

/** "45 s", "12 min", "3 h 20 min", "2 d 4 h": a duration in seconds for people. */
export function durationText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** One problem of a form, naming the field as the API would. */
export interface FieldProblem {
  path: string;
  message: string;
}

const CRON_FIELD = /^[0-9A-Za-z*?/,-]+$/;

/** The policy form's values as typed. */
export interface PolicyDraft {
  storageId: string;
  schedule: string;
  retentionDays: string;
  pitr: boolean;
  paused: boolean;
}

/** Checks a policy draft as the API does, before it is sent; the body when it is valid. */
export function policyProblems(
  draft: PolicyDraft,
  maxRetentionDays = 365,
): { problems: FieldProblem[]; body: BackupPolicyRequest | null } {
  const problems: FieldProblem[] = [];
  if (!draft.storageId) problems.push({ path: 'storageId', message: 'choose a backup storage' });
  const fields = draft.schedule.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f)))
    problems.push({
      path: 'schedule',
      message: 'schedule must be a five-field cron expression such as "0 2 * * *"',
    });
  const days = Number(draft.retentionDays);
  if (draft.retentionDays.trim() !== '') {
    if (!Number.isInteger(days) || days < 1 || days > maxRetentionDays)
      problems.push({
        path: 'retentionDays',
        message: `retentionDays must be a whole number from 1 to ${maxRetentionDays}`,
      });
  }
  if (problems.length > 0) return { problems, body: null };
  return {
    problems,
    body: {
      storageId: draft.storageId,
      schedule: fields.join(' '),
      ...(draft.retentionDays.trim() !== '' ? { retentionDays: days } : {}),
      pitr: draft.pitr,
      paused: draft.paused,
    },
  };
}

/** Where `at` lies in the window, 0..1 (clamped). */
export function windowFraction(window: { from: string; to: string }, at: string): number {
  const from = Date.parse(window.from);
  const span = Date.parse(window.to) - from;
  if (!(span > 0)) return 1;
  return Math.min(1, Math.max(0, (Date.parse(at) - from) / span));
}
