/** Colour family of a status word. */
export function toneOf(status: string): 'ok' | 'warn' | 'error' | 'muted' | 'busy' {
  switch (status) {
    case 'RUNNING':
    case 'SUCCEEDED':
    case 'Ready':
    case 'reachable':
      return 'ok';
    case 'unreachable':
    case 'FAILED':
    case 'CANCELLED':
    case 'Critical':
      return 'error';
    case 'PAUSED':
    case 'DELETED':
    case 'UNKNOWN':
    case 'unknown':
      return 'muted';
    case 'PENDING':
    case 'QUEUED':
    case 'unconfirmed':
      return 'warn';
    default:
      return 'busy';
  }
}

/** A status word in a coloured pill. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`badge badge-${toneOf(status)}`} data-testid={testId} data-status={status}>
      {status}
    </span>
  );
}
