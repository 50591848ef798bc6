/**
 * The alerts as stored: one value in the store's meta map (`alerts`), changed by compare-and-set,
 * so that the leader's evaluator and an acknowledgement on any replica never overwrite each other.
 * Bounded: at most {@link MAX_ACTIVE} pending or firing alerts (more are refused with a warning
 * log, never dropped silently) and the newest {@link MAX_RESOLVED} resolved ones as history.
 */
import { ConflictError } from '../../base/errors';
import type { Alert } from '../../domain/alerts';
import type { Store } from '../../store';

const KEY = 'alerts';
export const MAX_ACTIVE = 2_000;
export const MAX_RESOLVED = 500;

/** An alert with the evaluator's bookkeeping (never shown as such: see `toAlertView`). */
export interface AlertRecord extends Alert {
  /** What the alert is about: `database:<id>`, `provider:<id>` or `database:<id>/op:<type>`. */
  subject: string;
  dedupKey: string;
  /** When a pending alert becomes firing if its condition still holds. */
  firesAt?: string;
  /** Which state change went out to the channels last: firing, or nothing yet. */
  notified?: 'firing';
}

export interface AlertBookValue {
  alerts: AlertRecord[];
}

/** The alert as the API shows it: the contract's fields and its dedup key. */
export function toAlertView(record: AlertRecord): Alert & { dedupKey: string } {
  const { subject: _subject, firesAt: _firesAt, notified: _notified, ...view } = record;
  return view;
}

export function isActive(alert: Alert): boolean {
  return alert.state !== 'resolved';
}

/** Keeps every active alert and the newest resolved ones. */
function bounded(alerts: AlertRecord[]): AlertRecord[] {
  const resolved = alerts.filter((a) => a.state === 'resolved');
  if (resolved.length <= MAX_RESOLVED) return alerts;
  const keep = new Set(
    resolved
      .sort((a, b) => (b.endsAt ?? '').localeCompare(a.endsAt ?? ''))
      .slice(0, MAX_RESOLVED)
      .map((a) => a.id),
  );
  return alerts.filter((a) => a.state !== 'resolved' || keep.has(a.id));
}

export class AlertBook {
  constructor(private readonly store: Pick<Store, 'meta'>) {}

  async read(): Promise<{ alerts: AlertRecord[]; revision: number | null }> {
    const entry = await this.store.meta.get(KEY);
    return {
      alerts: (entry?.value as AlertBookValue | undefined)?.alerts ?? [],
      revision: entry?.revision ?? null,
    };
  }

  /** The tenant of an alert about a database, or null (a cluster's alert, or none). */
  async tenantOf(id: string): Promise<{ domain: string; project: string } | null> {
    const alert = (await this.read()).alerts.find((a) => a.id === id);
    return alert?.domain && alert.project ? { domain: alert.domain, project: alert.project } : null;
  }

  /**
   * Read-modify-write with compare-and-set, retried when another writer came first. `change`
   * answers the new list and a result, or null to write nothing; it may run more than once.
   */
  async change<T>(
    change: (alerts: AlertRecord[]) => { alerts: AlertRecord[]; result: T } | null,
    before?: () => Promise<void>,
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      const { alerts, revision } = await this.read();
      const next = change(alerts.map((a) => ({ ...a })));
      if (!next) return undefined;
      try {
        await before?.();
        await this.store.meta.put(KEY, { alerts: bounded(next.alerts) }, revision);
        return next.result;
      } catch (error) {
        if (attempt >= 20 || !(error instanceof ConflictError)) throw error;
      }
    }
  }
}
