/*
 * Alerts and notifications: the wire shapes of `/api/v1/alerts`, `/api/v1/alert-rules` and
 * `/api/v1/notification-channels` (../shared/API.md), and the seam between the alert evaluator
 * (engine/services/alerts) and the notification delivery (engine/services/notifications). Types
 * only, so the renderer may use them too.
 */

export type AlertSeverity = 'critical' | 'warning' | 'info';
export type AlertState = 'pending' | 'firing' | 'resolved';

/** The built-in rules (ids are stable: they are stored, routed on and shown). */
export type AlertRuleId =
  | 'database-down'
  | 'cluster-unreachable'
  | 'operator-unhealthy'
  | 'backup-failed'
  | 'backup-overdue'
  | 'restore-drill-failed'
  | 'storage-usage'
  | 'operation-failed'
  | 'drift-unrepaired'
  | 'certificate-expiring';

/** One alert: a rule firing for one subject (a database, a cluster), with its lifecycle. */
export interface Alert {
  id: string;
  rule: AlertRuleId;
  severity: AlertSeverity;
  state: AlertState;
  databaseId?: string;
  providerId?: string;
  domain?: string;
  project?: string;
  summary: string;
  startsAt: string;
  endsAt?: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  acknowledgeComment?: string;
  silencedUntil?: string;
  /** Silenced until the alert resolves. */
  silencedUntilResolved?: boolean;
  /** Last time a notification went out for this alert (for the re-notify interval). */
  notifiedAt?: string;
}

/** A rule as configured: the default, or a global admin's tuning for a domain or project. */
export interface AlertRule {
  id: AlertRuleId;
  description: string;
  enabled: boolean;
  severity: AlertSeverity;
  /** How long the condition must hold before pending becomes firing. */
  forSeconds: number;
  /** Rule-specific thresholds, e.g. `{warningPercent: 80, criticalPercent: 90}`. */
  thresholds: Record<string, number>;
  /** Re-notify a still-firing alert after this long (0: never). */
  renotifySeconds: number;
  /** Overrides per scope, most specific wins (`domain` or `domain/project`). */
  overrides?: {
    scope: string;
    enabled?: boolean;
    severity?: AlertSeverity;
    forSeconds?: number;
    thresholds?: Record<string, number>;
  }[];
}

export type NotificationChannelType = 'webhook' | 'slack' | 'pagerduty' | 'email';

/** A channel as the API shows it: secrets never, only whether they are set. */
export interface NotificationChannelView {
  id: string;
  name: string;
  type: NotificationChannelType;
  url?: string;
  hasSecret: boolean;
  hasRoutingKey: boolean;
  smtp?: {
    host: string;
    port: number;
    secure: boolean;
    username?: string;
    hasPassword: boolean;
    from: string;
    to: string[];
  };
  filter?: { severity?: AlertSeverity[]; domain?: string; project?: string };
  createdAt: string;
  updatedAt: string;
  /** Deliveries that gave up after the last attempt (the dead-letter), newest first. */
  deadLetters?: number;
}

/**
 * What the evaluator hands to delivery: one state change of one alert. `dedupKey` is stable for
 * the alert's life (PagerDuty's dedup_key), `kind` says which change this is.
 */
export interface AlertNotice {
  kind: 'firing' | 'resolved' | 'acknowledged' | 'renotify' | 'test';
  alert: Alert;
  dedupKey: string;
  /** The console link of the subject, when the engine knows its public URL. */
  link?: string;
}

/** Delivery as the evaluator sees it: queue a notice for every channel whose filter matches. */
export interface AlertNotifier {
  notify(notice: AlertNotice): Promise<void>;
}
