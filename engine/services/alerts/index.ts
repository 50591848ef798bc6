/**
 * Alerts: the evaluator (leader only, see evaluator.ts), the rules, and what the API does with
 * alerts — list them as the caller may see them, acknowledge with a comment, silence until a time
 * or until resolved.
 */
import { z } from 'zod';
import { EngineError, NotFoundError } from '../../base/errors';
import type { Alert, AlertNotifier, AlertSeverity, AlertState } from '../../domain/alerts';
import type { Grant } from '../auth/access';
import { isoNow, type ServiceContext } from '../context';
import { parseInput } from '../validation';
import { AlertBook, isActive, toAlertView, type AlertRecord } from './book';
import { AlertEvaluator, type EvaluatorDependencies } from './evaluator';
import { notice } from './lifecycle';
import { AlertRuleService } from './rules';

export { AlertEvaluator, MAX_TIMER_MS } from './evaluator';
export { AlertRuleService, DEFAULT_RULES, EVALUATED_RULES } from './rules';
export { MAX_ACTIVE, MAX_RESOLVED } from './book';

export type AlertView = Alert & { dedupKey: string };

export const AlertQuerySchema = z.object({
  state: z
    .enum(['firing', 'pending', 'resolved'], { error: 'state must be firing, pending or resolved' })
    .optional(),
  severity: z
    .enum(['critical', 'warning', 'info'], { error: 'severity must be critical, warning or info' })
    .optional(),
  databaseId: z.string().min(1).max(63).optional(),
});

export const AcknowledgeBodySchema = z
  .object({
    comment: z
      .string({ error: 'comment must be a string' })
      .max(2000, { error: 'comment must be at most 2000 characters' })
      .optional(),
  })
  .strict();

export const SilenceBodySchema = z
  .object({
    until: z.iso.datetime({ error: 'until must be an ISO-8601 UTC time' }).optional(),
    untilResolved: z.boolean({ error: 'untilResolved must be true or false' }).optional(),
    comment: z.string().max(2000, { error: 'comment must be at most 2000 characters' }).optional(),
  })
  .strict()
  .refine((b) => (b.until !== undefined) !== (b.untilResolved === true), {
    error: 'give until (a time) or untilResolved: true, exactly one',
    path: ['until'],
  });

const SEVERITY_ORDER: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };
const STATE_ORDER: Record<AlertState, number> = { firing: 0, pending: 1, resolved: 2 };

export class AlertService {
  readonly rules: AlertRuleService;
  private readonly book: AlertBook;

  constructor(
    private readonly context: ServiceContext,
    private readonly notifier: AlertNotifier,
  ) {
    this.rules = new AlertRuleService(context);
    this.book = new AlertBook(context.store);
  }

  /** The evaluator, for the loops to run while this instance leads. */
  evaluator(deps: Pick<EvaluatorDependencies, 'clock' | 'fence' | 'newestBackup'>): AlertEvaluator {
    const { store, events, logger, newId } = this.context;
    return new AlertEvaluator({ store, events, logger, newId, notifier: this.notifier, ...deps });
  }

  /** Firing first, by severity, newest first; only alerts the caller may see. */
  async list(
    query: z.infer<typeof AlertQuerySchema>,
    grant?: Grant,
  ): Promise<{ items: AlertView[]; nextCursor: null }> {
    const { alerts } = await this.book.read();
    const items = alerts
      .filter((a) => !query.state || a.state === query.state)
      .filter((a) => !query.severity || a.severity === query.severity)
      .filter((a) => !query.databaseId || a.databaseId === query.databaseId)
      .filter((a) => visible(a, grant))
      .sort(
        (a, b) =>
          STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
          SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
          b.startsAt.localeCompare(a.startsAt),
      )
      .map(toAlertView);
    return { items, nextCursor: null };
  }

  /** Firing alerts by severity (the `dbaas_alerts_firing` gauge). */
  async firingCounts(): Promise<Record<AlertSeverity, number>> {
    const counts: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
    for (const alert of (await this.book.read()).alerts)
      if (alert.state === 'firing') counts[alert.severity] += 1;
    return counts;
  }

  async get(id: string, grant?: Grant): Promise<AlertView> {
    const alert = (await this.book.read()).alerts.find((a) => a.id === id);
    if (!alert || !visible(alert, grant)) throw new NotFoundError('alert', id);
    return toAlertView(alert);
  }

  /** Someone is on it: no more re-notifications; channels that got the firing hear of it. */
  async acknowledge(id: string, input: unknown, grant?: Grant): Promise<AlertView> {
    const body = parseInput(AcknowledgeBodySchema, input ?? {});
    const actor = grant?.actor ?? 'system';
    const changed = await this.changeOne(id, grant, (alert) => {
      if (!isActive(alert))
        throw new EngineError(
          'CONFLICT',
          `alert ${id} is resolved: there is nothing to acknowledge`,
        );
      alert.acknowledgedBy = actor;
      alert.acknowledgedAt = isoNow(this.context);
      if (body.comment !== undefined) alert.acknowledgeComment = body.comment;
      else delete alert.acknowledgeComment;
    });
    if (changed.notified === 'firing')
      await this.notifier
        .notify(notice('acknowledged', changed))
        .catch((error: unknown) =>
          this.context.logger.warn(
            { err: error, alertId: id },
            'acknowledgement notice not queued',
          ),
        );
    return toAlertView(changed);
  }

  /** No notices until `until`, or until the alert resolves (then it is over). */
  async silence(id: string, input: unknown, grant?: Grant): Promise<AlertView> {
    const body = parseInput(SilenceBodySchema, input ?? {});
    if (body.until && Date.parse(body.until) <= this.context.now().getTime())
      throw new EngineError('VALIDATION_FAILED', 'until must lie in the future', {
        details: [{ path: 'until', rule: 'future', message: 'until must lie in the future' }],
      });
    const changed = await this.changeOne(id, grant, (alert) => {
      if (!isActive(alert))
        throw new EngineError('CONFLICT', `alert ${id} is resolved: there is nothing to silence`);
      if (body.untilResolved) {
        alert.silencedUntilResolved = true;
        delete alert.silencedUntil;
      } else {
        alert.silencedUntil = new Date(Date.parse(body.until!)).toISOString();
        delete alert.silencedUntilResolved;
      }
    });
    return toAlertView(changed);
  }

  private async changeOne(
    id: string,
    grant: Grant | undefined,
    change: (alert: AlertRecord) => void,
  ): Promise<AlertRecord> {
    const result = await this.book.change((alerts) => {
      const alert = alerts.find((a) => a.id === id);
      if (!alert || !visible(alert, grant)) throw new NotFoundError('alert', id);
      if (grant && !mayAct(alert, grant))
        throw new EngineError('FORBIDDEN', `your role does not allow this on alert ${id}`);
      change(alert);
      return { alerts, result: { ...alert } };
    });
    return result!;
  }
}

/** Alerts of a database: as its project; alerts of a cluster: to everyone (clusters are visible to all). */
function visible(alert: Alert, grant?: Grant): boolean {
  if (!grant) return true;
  if (alert.domain) return grant.canSee(alert.domain, alert.project);
  return true;
}

/** Acting on a cluster's alert needs the role bound globally. */
function mayAct(alert: Alert, grant: Grant): boolean {
  return alert.domain ? grant.canAct(alert.domain, alert.project) : grant.has(grant.role);
}
