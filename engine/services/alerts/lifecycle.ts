/**
 * The alert lifecycle as pure functions over the stored list: pending → firing → resolved, one
 * alert per (rule, subject) at a time, and one notice per state change.
 *
 * - A condition that starts holding opens a pending alert (firing at once when forSeconds is 0);
 *   one that stops while pending removes it without a trace (no notice: flapping makes no noise).
 * - Firing notifies once, unless silenced; a silence that ends while the alert still fires
 *   notifies then. Acknowledged or silenced alerts are not re-notified; others are, every
 *   renotifySeconds (0: never).
 * - Resolving notifies only when the firing was notified, so receivers close what they opened.
 */
import type { AlertNotice, AlertRule } from '../../domain/alerts';
import { isActive, MAX_ACTIVE, toAlertView, type AlertRecord } from './book';
import type { Observation } from './conditions';
import { effectiveRule, type EffectiveRule, type EvaluatedRuleId } from './rules';

export type RuleTable = Record<EvaluatedRuleId, AlertRule>;

export interface Transition {
  alerts: AlertRecord[];
  notices: AlertNotice[];
  /** Alerts not opened because {@link MAX_ACTIVE} were open already. */
  refused?: number;
}

function ruleOf(
  rules: RuleTable,
  alert: Pick<AlertRecord, 'rule' | 'domain' | 'project'>,
): EffectiveRule {
  return effectiveRule(rules[alert.rule as EvaluatedRuleId], alert.domain, alert.project);
}

export function isSilenced(alert: AlertRecord, now: number): boolean {
  return (
    alert.silencedUntilResolved === true ||
    (alert.silencedUntil !== undefined && Date.parse(alert.silencedUntil) > now)
  );
}

export function notice(kind: AlertNotice['kind'], alert: AlertRecord): AlertNotice {
  return { kind, alert: toAlertView(alert), dedupKey: alert.dedupKey };
}

/** Marks a firing alert notified (or leaves it silent) and answers the notice to send, if any. */
function fire(alert: AlertRecord, nowIso: string, now: number): AlertNotice | null {
  alert.state = 'firing';
  delete alert.firesAt;
  if (isSilenced(alert, now)) return null;
  alert.notified = 'firing';
  alert.notifiedAt = nowIso;
  return notice('firing', alert);
}

export function applyObservations(
  current: AlertRecord[],
  observations: readonly Observation[],
  rules: RuleTable,
  now: number,
  newId: () => string,
  maxActive = MAX_ACTIVE,
): Transition & { refused: number } {
  const alerts = current;
  const notices: AlertNotice[] = [];
  let open = alerts.filter(isActive).length;
  let refused = 0;
  const nowIso = new Date(now).toISOString();
  for (const observation of observations) {
    const index = alerts.findIndex(
      (a) => a.rule === observation.rule && a.subject === observation.subject && isActive(a),
    );
    const active = index >= 0 ? alerts[index] : undefined;
    const rule = effectiveRule(rules[observation.rule], observation.domain, observation.project);
    if (observation.holds && rule.enabled) {
      if (active) {
        active.summary = observation.summary;
        continue;
      }
      if (open >= maxActive) {
        refused += 1;
        continue;
      }
      open += 1;
      const id = newId();
      const alert: AlertRecord = {
        id,
        rule: observation.rule,
        severity: rule.severity,
        state: 'pending',
        subject: observation.subject,
        dedupKey: `dbaas/${observation.rule}/${observation.subject}/${id}`,
        summary: observation.summary,
        startsAt: nowIso,
        firesAt: new Date(now + rule.forSeconds * 1000).toISOString(),
        ...(observation.databaseId ? { databaseId: observation.databaseId } : {}),
        ...(observation.providerId ? { providerId: observation.providerId } : {}),
        ...(observation.domain ? { domain: observation.domain } : {}),
        ...(observation.project ? { project: observation.project } : {}),
      };
      alerts.push(alert);
      if (rule.forSeconds === 0) {
        const sent = fire(alert, nowIso, now);
        if (sent) notices.push(sent);
      }
      continue;
    }
    if (!active) continue;
    open -= 1;
    if (active.state === 'pending') {
      alerts.splice(index, 1);
      continue;
    }
    notices.push(...resolve(active, nowIso));
  }
  return { alerts, notices, refused };
}

/** Resolves a firing alert; answers the resolved notice when its firing went out. */
export function resolve(alert: AlertRecord, nowIso: string): AlertNotice[] {
  alert.state = 'resolved';
  alert.endsAt = nowIso;
  delete alert.firesAt;
  const wasNotified = alert.notified === 'firing';
  delete alert.silencedUntilResolved;
  return wasNotified ? [notice('resolved', alert)] : [];
}

/**
 * Whatever fell due by `now`: pending alerts whose for-duration elapsed (those in `lapsed`, whose
 * condition a fresh read no longer confirms, are removed instead), silences that ended on an
 * un-notified firing alert, and re-notifications.
 */
export function applyDue(
  alerts: AlertRecord[],
  rules: RuleTable,
  now: number,
  lapsed: ReadonlySet<string> = new Set(),
): Transition {
  const notices: AlertNotice[] = [];
  const nowIso = new Date(now).toISOString();
  const kept: AlertRecord[] = [];
  for (const alert of alerts) {
    if (alert.state === 'pending' && alert.firesAt && Date.parse(alert.firesAt) <= now) {
      if (lapsed.has(alert.id)) continue;
      const sent = fire(alert, nowIso, now);
      if (sent) notices.push(sent);
    } else if (alert.state === 'firing' && !isSilenced(alert, now)) {
      if (alert.silencedUntil) delete alert.silencedUntil;
      if (alert.notified !== 'firing') {
        const sent = fire(alert, nowIso, now);
        if (sent) notices.push(sent);
      } else if (renotifyAt(alert, rules) !== undefined && renotifyAt(alert, rules)! <= now) {
        alert.notifiedAt = nowIso;
        notices.push(notice('renotify', alert));
      }
    }
    kept.push(alert);
  }
  return { alerts: kept, notices };
}

function renotifyAt(alert: AlertRecord, rules: RuleTable): number | undefined {
  if (alert.acknowledgedBy || !alert.notifiedAt) return undefined;
  const every = ruleOf(rules, alert).renotifySeconds;
  return every > 0 ? Date.parse(alert.notifiedAt) + every * 1000 : undefined;
}

/** When the next thing falls due (epoch ms), or undefined when nothing waits on time. */
export function nextDue(
  alerts: readonly AlertRecord[],
  rules: RuleTable,
  now: number,
): number | undefined {
  let next: number | undefined;
  const consider = (at: number | undefined) => {
    if (at !== undefined && (next === undefined || at < next)) next = at;
  };
  for (const alert of alerts) {
    if (alert.state === 'pending' && alert.firesAt) consider(Date.parse(alert.firesAt));
    if (alert.state !== 'firing') continue;
    if (isSilenced(alert, now)) {
      if (!alert.silencedUntilResolved && alert.silencedUntil)
        consider(Date.parse(alert.silencedUntil));
    } else if (alert.notified === 'firing') consider(renotifyAt(alert, rules));
  }
  return next;
}
