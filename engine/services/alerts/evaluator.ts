/**
 * The alert evaluator: runs on the leader only (the loops start and stop it with leadership),
 * reacts to engine events — never polls a database — and keeps one timer, set to the next
 * for-duration, silence end or re-notification and never longer than {@link MAX_TIMER_MS} (so
 * that silences and acknowledgements made on another replica are seen within it).
 *
 * At start it reads the store's current state (every database's status, every cluster's health,
 * the operations behind open operation alerts), so that what changed while no evaluator ran is
 * caught up, and alerts already notified as firing are not notified again.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../base/clock';
import type { Disposable } from '../../base/disposable';
import type { AlertNotifier, AlertNotice } from '../../domain/alerts';
import type { Database, EngineEvent } from '../../domain';
import type { Store } from '../../store';
import type { EventBus } from '../events';
import { AlertBook, isActive, MAX_ACTIVE, type AlertRecord } from './book';
import {
  backupSettled,
  clusterUnreachable,
  databaseDown,
  databaseIdOf,
  operationSettled,
  type Observation,
} from './conditions';
import { applyDue, applyObservations, nextDue, resolve, type RuleTable } from './lifecycle';
import { AlertRuleService, EVALUATED_RULES, type EvaluatedRuleId } from './rules';

export const MAX_TIMER_MS = 30_000;
const PAGE = 500;

export interface EvaluatorDependencies {
  store: Store;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  notifier: AlertNotifier;
  newId: () => string;
  /** Called before every write: throws once this instance no longer leads. */
  fence: () => Promise<void>;
  /**
   * The newest finished backup of a database (from the watch caches), so that backup-failed
   * follows the latest backup, whatever order a re-list replays old sessions in. Without it, the
   * event's own session is taken.
   */
  newestBackup?: (
    databaseId: string,
  ) => Promise<{ id: string; phase: string; error?: string } | null>;
}

export class AlertEvaluator implements Disposable {
  private readonly book: AlertBook;
  private readonly rules: AlertRuleService;
  private subscription: Disposable | undefined;
  private timer: Disposable | undefined;
  private chain: Promise<void> = Promise.resolve();
  private active = false;

  constructor(private readonly deps: EvaluatorDependencies) {
    this.book = new AlertBook(deps.store);
    this.rules = new AlertRuleService(deps);
  }

  /** True between `start()` and `dispose()`: while this instance leads. */
  get running(): boolean {
    return this.active;
  }

  /** Catches up from the store, then follows events. Safe to call twice. */
  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.subscription = this.deps.events.subscribe((event) => {
      this.enqueue(() => this.onEvent(event));
    });
    this.enqueue(() => this.catchUp());
    await this.idle();
  }

  /** Resolves when every event seen so far has been evaluated (tests, shutdown). */
  async idle(): Promise<void> {
    for (let last = this.chain; ; last = this.chain) {
      await last;
      if (last === this.chain) return;
    }
  }

  async dispose(): Promise<void> {
    this.active = false;
    void this.subscription?.dispose();
    this.subscription = undefined;
    void this.timer?.dispose();
    this.timer = undefined;
    await this.chain;
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.active ? work() : undefined))
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'alert evaluation failed');
        // A store that failed once is tried again within the timer's bound, not only on the next event.
        this.arm();
      });
  }

  private async ruleTable(): Promise<RuleTable> {
    const { items } = await this.rules.list();
    return Object.fromEntries(items.map((r) => [r.id, r])) as RuleTable;
  }

  private async onEvent(event: EngineEvent): Promise<void> {
    const observation = await this.observe(event);
    if (observation === 'deleted') {
      await this.resolveDatabase(databaseIdOf(event)!);
      return;
    }
    if (observation) await this.apply([observation]);
  }

  private async observe(event: EngineEvent): Promise<Observation | 'deleted' | null> {
    switch (event.type) {
      case 'database.status':
        if (event.data.status === 'DELETED') return 'deleted';
        return databaseDown(event.data);
      case 'provider.health':
        return clusterUnreachable(event.data);
      case 'operation.progress': {
        if (event.data.status !== 'FAILED' && event.data.status !== 'SUCCEEDED') return null;
        const db = await this.deps.store.databases.find(event.data.databaseId);
        return db ? operationSettled(db, event.data) : null;
      }
      case 'backup.status': {
        const db = await this.deps.store.databases.find(event.data.databaseId);
        if (!db) return null;
        const newest = this.deps.newestBackup
          ? await this.deps.newestBackup(db.id).catch(() => event.data)
          : event.data;
        return newest ? backupSettled(db, newest) : null;
      }
    }
  }

  private async apply(observations: Observation[]): Promise<void> {
    const rules = await this.ruleTable();
    let refused = 0;
    const now = this.deps.clock.now();
    await this.write((alerts) => {
      const relevant = observations.filter(
        (o) =>
          o.holds ||
          alerts.some((a) => a.subject === o.subject && a.rule === o.rule && isActive(a)),
      );
      if (relevant.length === 0) return null;
      const result = applyObservations(alerts, relevant, rules, now, this.deps.newId);
      refused = result.refused;
      return result;
    }, rules);
    if (refused > 0)
      this.deps.logger.warn(
        { refused, limit: MAX_ACTIVE },
        'alerts not opened: the limit of open alerts is reached',
      );
  }

  /** A deleted database: every open alert about it resolves. */
  private async resolveDatabase(databaseId: string): Promise<void> {
    const rules = await this.ruleTable();
    const nowIso = new Date(this.deps.clock.now()).toISOString();
    await this.write((alerts) => {
      const open = alerts.filter((a) => a.databaseId === databaseId && isActive(a));
      if (open.length === 0) return null;
      const notices: AlertNotice[] = [];
      const kept = alerts.filter((a) => !(a.state === 'pending' && a.databaseId === databaseId));
      for (const alert of open)
        if (alert.state === 'firing') notices.push(...resolve(alert, nowIso));
      return { alerts: kept, notices };
    }, rules);
  }

  /** The store's current state as observations: every database, every cluster, open operation alerts. */
  private async catchUp(): Promise<void> {
    const { store } = this.deps;
    const observations: Observation[] = [];
    const deleted: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Database[]; nextCursor: string | null } = await store.databases.list(
        undefined,
        { limit: PAGE, cursor },
      );
      for (const db of page.items) {
        if (db.status === 'DELETED') deleted.push(db.id);
        else observations.push(databaseDown(db));
      }
      cursor = page.nextCursor;
    } while (cursor);
    cursor = null;
    do {
      const page = await store.providers.list(undefined, { limit: PAGE, cursor });
      observations.push(...page.items.map(clusterUnreachable));
      cursor = page.nextCursor;
    } while (cursor);
    const active = (await this.book.read()).alerts.filter(isActive);
    const open = active.filter((a) => a.rule === 'operation-failed' && a.databaseId);
    for (const alert of open) {
      const type = alert.subject.split('/op:')[1];
      const db = await store.databases.find(alert.databaseId!);
      if (!db) continue;
      const page = await store.operations.list(
        { databaseId: db.id, type: type as never },
        { limit: PAGE },
      );
      const settled = page.items
        .filter((o) => o.status === 'SUCCEEDED' || o.status === 'FAILED')
        .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0];
      const observed = settled ? operationSettled(db, settled) : null;
      if (observed && !observed.holds) observations.push(observed);
    }
    await this.apply(observations);
    const alerted = new Set(active.map((a) => a.databaseId));
    for (const id of deleted.filter((d) => alerted.has(d))) await this.resolveDatabase(id);
    await this.tick();
  }

  /** Whatever fell due: pending alerts are re-confirmed against the store before they fire. */
  private async tick(): Promise<void> {
    const now = this.deps.clock.now();
    const { alerts } = await this.book.read();
    const lapsed = new Set<string>();
    for (const alert of alerts) {
      if (alert.state !== 'pending' || !alert.firesAt || Date.parse(alert.firesAt) > now) continue;
      if (!(await this.stillHolds(alert))) lapsed.add(alert.id);
    }
    const rules = await this.ruleTable();
    const wrote = await this.write((current) => {
      const result = applyDue(current, rules, now, lapsed);
      const changed = JSON.stringify(result.alerts) !== JSON.stringify(alerts);
      return result.notices.length > 0 || changed ? result : null;
    }, rules);
    if (!wrote) this.arm(rules, alerts);
  }

  private async stillHolds(alert: AlertRecord): Promise<boolean> {
    const { store } = this.deps;
    if (alert.rule === 'database-down' && alert.databaseId) {
      const db = await store.databases.find(alert.databaseId);
      return !!db && databaseDown(db).holds;
    }
    if (alert.rule === 'cluster-unreachable' && alert.providerId) {
      const provider = await store.providers.find(alert.providerId);
      return !!provider && clusterUnreachable(provider).holds;
    }
    return true;
  }

  private async write(
    change: (alerts: AlertRecord[]) => { alerts: AlertRecord[]; notices: AlertNotice[] } | null,
    rules: RuleTable,
  ): Promise<boolean> {
    let latest: AlertRecord[] | undefined;
    const notices = await this.book.change(
      (alerts) => {
        const next = change(alerts);
        if (!next) return null;
        latest = next.alerts;
        return { alerts: next.alerts, result: next.notices };
      },
      () => this.deps.fence(),
    );
    // Notified after the write: a restart between the two loses a notice but never repeats one.
    for (const sent of notices ?? [])
      void this.deps.notifier
        .notify(sent)
        .catch((error: unknown) =>
          this.deps.logger.warn({ err: error, alertId: sent.alert.id }, 'alert notice not queued'),
        );
    if (!latest) return false;
    this.arm(rules, latest);
    return true;
  }

  /** One timer: the next due time, at most MAX_TIMER_MS away. */
  private arm(rules?: RuleTable, alerts?: AlertRecord[]): void {
    if (!this.active) return;
    void this.timer?.dispose();
    const now = this.deps.clock.now();
    const due = rules && alerts ? nextDue(alerts, rules, now) : undefined;
    const wait = Math.max(0, Math.min(MAX_TIMER_MS, (due ?? now + MAX_TIMER_MS) - now));
    this.timer = this.deps.clock.setTimeout(() => this.enqueue(() => this.tick()), wait);
  }
}

export type { EvaluatedRuleId };
export { EVALUATED_RULES };
