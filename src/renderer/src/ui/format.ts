import type { Database, ProviderHealth } from '../api';

/** "12 s", "3 min", "2 h", "4 d": how long ago `at` (ms since epoch) was. */
export function age(at: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** A short local date and time for an ISO string ('—' when absent). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A value for display: strings as they are, anything else as JSON. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The KubeDB column of a cluster: what an unreachable cluster runs is unknown, so it never reads
 * "missing" then.
 */
export function kubedbText(
  health: Pick<ProviderHealth, 'reachable' | 'kubedbInstalled'>,
  installed: string,
): string {
  if (!health.reachable) return 'unknown';
  return health.kubedbInstalled ? installed : 'missing';
}

/** "shard0 3/3 · configServer 3/3 · mongos 1/2": ready/desired pods per role ('' without roles). */
export function rolesText(database: Pick<Database, 'roles'>): string {
  return (database.roles ?? []).map((r) => `${r.role} ${r.ready}/${r.desired}`).join(' · ');
}
