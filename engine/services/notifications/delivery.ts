/**
 * Delivery of alert notices to the channels whose filter matches: a webhook (JSON, signed
 * `X-DBaaS-Signature: sha256=<HMAC-SHA256 of the body under the channel secret>`) or a
 * Slack-compatible incoming webhook (`{text, blocks}`). Each delivery is tried up to `maxAttempts`
 * times with exponential backoff and jitter (a refusal other than 408/429 is final at once); then it
 * becomes a dead letter counted on its channel. Deliveries run in the background, at most
 * {@link MAX_IN_FLIGHT} at a time (beyond that a notice is dead-lettered at once), and `dispose()`
 * aborts them. Nothing secret (the secret, a Slack URL) is logged or kept in an error.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { backoffDelay, type BackoffPolicy } from '../../base/backoff';
import { delay, type Clock } from '../../base/clock';
import type { Disposable } from '../../base/disposable';
import type { Alert, AlertNotice, AlertNotifier } from '../../domain/alerts';
import type { ChannelService, ChannelTarget } from './channels';

export const MAX_IN_FLIGHT = 200;
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface DeliveryOptions {
  maxAttempts: number;
  backoff: BackoffPolicy;
  random?: () => number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  maxAttempts: 5,
  backoff: { initialMs: 1_000, maxMs: 60_000, factor: 2, jitter: 0.5 },
};

/** The default policy with the engine's configured attempts and first delay. */
export function deliveryOptions(maxAttempts: number, initialMs: number): DeliveryOptions {
  return { maxAttempts, backoff: { ...DEFAULT_DELIVERY.backoff, initialMs } };
}

/** One try: `ok`, or why not and whether trying again may help. */
export interface AttemptResult {
  ok: boolean;
  status?: number;
  retryable: boolean;
  message: string;
}

export function matches(channel: ChannelTarget, alert: Alert): boolean {
  const filter = channel.filter;
  if (!filter) return true;
  if (filter.severity && filter.severity.length > 0 && !filter.severity.includes(alert.severity))
    return false;
  if (filter.domain && alert.domain !== filter.domain) return false;
  if (filter.project && alert.project !== filter.project) return false;
  return true;
}

const PAGERDUTY_ACTIONS: Record<AlertNotice['kind'], 'trigger' | 'acknowledge' | 'resolve'> = {
  firing: 'trigger',
  renotify: 'trigger',
  test: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
};

/** A PagerDuty Events API v2 event: trigger / acknowledge / resolve under the alert's dedup key. */
export function pagerDutyEvent(routingKey: string, notice: AlertNotice, sentAt: string): unknown {
  const action = PAGERDUTY_ACTIONS[notice.kind];
  const { alert } = notice;
  return {
    routing_key: routingKey,
    event_action: action,
    dedup_key: notice.dedupKey,
    ...(action === 'trigger'
      ? {
          payload: {
            summary: alert.summary.slice(0, 1024),
            source: alert.databaseId ?? alert.providerId ?? 'kubedb-dbaas',
            severity: alert.severity,
            timestamp: alert.startsAt,
            component: alert.rule,
            ...(alert.domain ? { group: `${alert.domain}/${alert.project ?? ''}` } : {}),
            class: alert.rule,
            custom_details: { ...alert, sentAt },
          },
        }
      : {}),
    ...(notice.link ? { links: [{ href: notice.link, text: 'console' }] } : {}),
  };
}

/** The request for a channel: body and headers, signed when the channel has a secret. */
export function buildRequest(
  channel: ChannelTarget,
  notice: AlertNotice,
  sentAt: string,
): { body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let body: string;
  if (channel.type === 'pagerduty') {
    body = JSON.stringify(pagerDutyEvent(channel.routingKey ?? '', notice, sentAt));
  } else if (channel.type === 'slack') {
    const { alert } = notice;
    const text = `[${notice.kind.toUpperCase()}] ${alert.severity} ${alert.rule}: ${alert.summary}`;
    body = JSON.stringify({
      text,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `*${notice.kind.toUpperCase()}* · ${alert.severity} · \`${alert.rule}\`\n${alert.summary}`,
          },
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: `dedup key ${notice.dedupKey} · since ${alert.startsAt}` },
          ],
        },
      ],
    });
  } else {
    body = JSON.stringify({
      version: 1,
      kind: notice.kind,
      dedupKey: notice.dedupKey,
      sentAt,
      alert: notice.alert,
      ...(notice.link ? { link: notice.link } : {}),
    });
    headers['x-dbaas-event'] = notice.kind;
    headers['x-dbaas-delivery'] = randomUUID();
  }
  if (channel.secret)
    headers['x-dbaas-signature'] =
      `sha256=${createHmac('sha256', channel.secret).update(body).digest('hex')}`;
  return { body, headers };
}

/** One POST; never follows a redirect (a receiver must answer where it was configured). */
export async function attempt(
  channel: ChannelTarget,
  request: { body: string; headers: Record<string, string> },
  signal: AbortSignal,
): Promise<AttemptResult> {
  try {
    const response = await fetch(channel.targetUrl, {
      method: 'POST',
      body: request.body,
      headers: request.headers,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
    });
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    if (status >= 200 && status < 300)
      return { ok: true, status, retryable: false, message: `answered ${status}` };
    return {
      ok: false,
      status,
      retryable: status >= 500 || status === 408 || status === 429,
      message: `answered ${status}`,
    };
  } catch (error) {
    // The cause's code only (ECONNREFUSED, a timeout): a message could quote the URL.
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name;
    return {
      ok: false,
      retryable: true,
      message: cause
        ? `not reached (${cause})`
        : name === 'TimeoutError'
          ? 'timed out'
          : 'not reached',
    };
  }
}

export class NotificationDelivery implements AlertNotifier, Disposable {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: {
      channels: ChannelService;
      clock: Clock;
      logger: Logger;
      now: () => Date;
    },
    private readonly options: DeliveryOptions = DEFAULT_DELIVERY,
  ) {}

  /** Queues the notice for every matching channel and returns at once. */
  async notify(notice: AlertNotice): Promise<void> {
    if (this.abort.signal.aborted) return;
    const targets = (await this.deps.channels.targets()).filter((c) => matches(c, notice.alert));
    for (const channel of targets) {
      if (this.inFlight.size >= MAX_IN_FLIGHT) {
        await this.deadLetter(channel, notice, 0, 'delivery queue full');
        continue;
      }
      const run: Promise<void> = this.deliver(channel, notice)
        .catch((error: unknown) =>
          this.deps.logger.warn(
            { err: error, channelId: channel.id },
            'notification delivery failed',
          ),
        )
        .finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    }
  }

  /** One attempt now, no retry and no dead letter: the "send test notification" button. */
  async test(channel: ChannelTarget, alert: Alert): Promise<AttemptResult> {
    const notice: AlertNotice = { kind: 'test', alert, dedupKey: `dbaas/test/${alert.id}` };
    return attempt(
      channel,
      buildRequest(channel, notice, this.deps.now().toISOString()),
      this.abort.signal,
    );
  }

  /** Resolves when every delivery in flight has finished or given up (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  async dispose(): Promise<void> {
    this.abort.abort(new Error('the engine is stopping'));
    await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(channel: ChannelTarget, notice: AlertNotice): Promise<void> {
    const request = buildRequest(channel, notice, this.deps.now().toISOString());
    const { maxAttempts, backoff, random } = this.options;
    for (let n = 1; n <= maxAttempts; n++) {
      const last = await attempt(channel, request, this.abort.signal);
      const fields = {
        channelId: channel.id,
        alertId: notice.alert.id,
        kind: notice.kind,
        attempt: n,
      };
      if (last.ok) {
        this.deps.logger.info({ ...fields, status: last.status }, 'notification delivered');
        return;
      }
      this.deps.logger.warn(
        { ...fields, status: last.status, reason: last.message },
        'notification attempt failed',
      );
      if (!last.retryable || n === maxAttempts || this.abort.signal.aborted) {
        await this.deadLetter(channel, notice, n, last.message);
        return;
      }
      await delay(backoffDelay(n, backoff, random), this.abort.signal, this.deps.clock).catch(
        () => undefined,
      );
      if (this.abort.signal.aborted) {
        await this.deadLetter(channel, notice, n, 'the engine stopped before the next attempt');
        return;
      }
    }
  }

  private async deadLetter(
    channel: ChannelTarget,
    notice: AlertNotice,
    attempts: number,
    error: string,
  ): Promise<void> {
    this.deps.logger.warn(
      { channelId: channel.id, alertId: notice.alert.id, kind: notice.kind, attempts },
      `notification dead-lettered: ${error}`,
    );
    await this.deps.channels.deadLetter(channel.id, {
      at: this.deps.now().toISOString(),
      alertId: notice.alert.id,
      kind: notice.kind,
      attempts,
      error,
    });
  }
}
