/**
 * Notification channels: records in the store's meta map (`notification-channels`, at most
 * {@link MAX_CHANNELS}), their secrets (a webhook's signing secret, a Slack URL, which is itself
 * the credential) in the vault under `notification-channel/<id>`, never in the store, an answer,
 * a log line or the audit trail.
 */
import { z } from 'zod';
import { ConflictError, EngineError, NotFoundError } from '../../base/errors';
import type { NotificationChannelType, NotificationChannelView } from '../../domain/alerts';
import { checkServerUrl } from '../../kube';
import type { SecretRef } from '../../vault';
import { isoNow, type ServiceContext } from '../context';
import { parseInput } from '../validation';

const KEY = 'notification-channels';
export const MAX_CHANNELS = 50;
/** Dead letters kept per channel (the count goes on beyond it). */
export const MAX_DEAD_LETTERS = 20;

const HttpUrl = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .max(2048, { error: `${field} must be at most 2048 characters` })
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return (
            (url.protocol === 'https:' || url.protocol === 'http:') &&
            !url.username &&
            !url.password
          );
        } catch {
          return false;
        }
      },
      { error: `${field} must be an http(s) URL without user or password` },
    );

const FilterSchema = z
  .object({
    severity: z
      .array(
        z.enum(['critical', 'warning', 'info'], {
          error: 'filter.severity holds critical, warning or info',
        }),
      )
      .max(3)
      .optional(),
    domain: z.string().max(63).optional(),
    project: z.string().max(63).optional(),
  })
  .strict();

export const ChannelBodySchema = z
  .object({
    name: z
      .string({ error: 'name must be a string' })
      .min(1, { error: 'name must not be empty' })
      .max(100, { error: 'name must be at most 100 characters' }),
    type: z.enum(['webhook', 'slack', 'pagerduty', 'email'], {
      error: 'type must be webhook, slack, pagerduty or email',
    }),
    url: HttpUrl('url').optional(),
    secret: z
      .string({ error: 'secret must be a string' })
      .min(16, { error: 'secret must be at least 16 characters' })
      .max(512, { error: 'secret must be at most 512 characters' })
      .optional(),
    routingKey: z
      .string({ error: 'routingKey must be a string' })
      .min(1, { error: 'routingKey must not be empty' })
      .max(128, { error: 'routingKey must be at most 128 characters' })
      .optional(),
    smtp: z.unknown().optional(),
    filter: FilterSchema.optional(),
  })
  .strict();

const PatchSchema = ChannelBodySchema.omit({ type: true }).partial().strict();

interface ChannelSecrets {
  url?: string;
  secret?: string;
  routingKey?: string;
}

/** PagerDuty's Events API v2 endpoint, used when a pagerduty channel names no url. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface DeadLetter {
  at: string;
  alertId: string;
  kind: string;
  attempts: number;
  error: string;
}

/** A channel as stored: no secret in it. */
export interface ChannelRecord {
  id: string;
  name: string;
  type: NotificationChannelType;
  /** A webhook's URL; a Slack URL's origin only (the rest is its credential, in the vault). */
  url?: string;
  hasSecret: boolean;
  hasRoutingKey?: boolean;
  filter?: NotificationChannelView['filter'];
  createdAt: string;
  updatedAt: string;
  deadLetters: number;
  deadLetterLog: DeadLetter[];
}

/** A channel with its secrets, for delivery only. */
export interface ChannelTarget extends ChannelRecord {
  targetUrl: string;
  secret?: string;
  routingKey?: string;
}

function ref(id: string): SecretRef {
  return { kind: 'notification-channel', id };
}

export function toChannelView(
  record: ChannelRecord,
): NotificationChannelView & { lastDeadLetter?: DeadLetter } {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    ...(record.url ? { url: record.url } : {}),
    hasSecret: record.hasSecret,
    hasRoutingKey: record.hasRoutingKey === true,
    ...(record.filter ? { filter: record.filter } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    deadLetters: record.deadLetters,
    ...(record.deadLetterLog[0] ? { lastDeadLetter: record.deadLetterLog[0] } : {}),
  };
}

function unsupported(type: string): EngineError {
  return new EngineError(
    'UNSUPPORTED',
    `channel type ${type} is not supported by this version yet (webhook, slack, pagerduty are)`,
    {
      details: [{ path: 'type', rule: 'supported', message: 'webhook, slack or pagerduty' }],
    },
  );
}

/** Checks what each type needs; answers the record's shown URL and the secrets for the vault. */
function split(
  type: NotificationChannelType,
  body: { url?: string; secret?: string; routingKey?: string },
): { shownUrl?: string; secrets: ChannelSecrets } {
  if (type === 'email') throw unsupported(type);
  if (type === 'pagerduty') {
    if (!body.routingKey)
      throw new EngineError('VALIDATION_FAILED', 'routingKey is required for a pagerduty channel', {
        details: [
          { path: 'routingKey', rule: 'required', message: 'a pagerduty channel needs routingKey' },
        ],
      });
    return { shownUrl: body.url ?? PAGERDUTY_EVENTS_URL, secrets: { routingKey: body.routingKey } };
  }
  if (!body.url)
    throw new EngineError('VALIDATION_FAILED', `url is required for a ${type} channel`, {
      details: [{ path: 'url', rule: 'required', message: `a ${type} channel needs url` }],
    });
  if (type === 'webhook') {
    if (!body.secret)
      throw new EngineError(
        'VALIDATION_FAILED',
        'secret is required for a webhook channel (it signs each body)',
        {
          details: [
            { path: 'secret', rule: 'required', message: 'a webhook channel needs secret' },
          ],
        },
      );
    return { shownUrl: body.url, secrets: { secret: body.secret } };
  }
  return { shownUrl: `${new URL(body.url).origin}/…`, secrets: { url: body.url } };
}

export class ChannelService {
  constructor(private readonly context: ServiceContext) {}

  async list(): Promise<{ items: NotificationChannelView[] }> {
    return { items: (await this.read()).channels.map(toChannelView) };
  }

  async get(id: string): Promise<NotificationChannelView> {
    return toChannelView(await this.record(id));
  }

  async record(id: string): Promise<ChannelRecord> {
    const found = (await this.read()).channels.find((c) => c.id === id);
    if (!found) throw new NotFoundError('notification channel', id);
    return found;
  }

  /** Every channel with its secrets (for delivery). */
  async targets(): Promise<ChannelTarget[]> {
    const { channels } = await this.read();
    return Promise.all(channels.map((c) => this.target(c)));
  }

  async target(channel: ChannelRecord): Promise<ChannelTarget> {
    const secrets = JSON.parse(await this.context.vault.get(ref(channel.id))) as ChannelSecrets;
    return {
      ...channel,
      targetUrl: secrets.url ?? channel.url ?? '',
      ...(secrets.secret ? { secret: secrets.secret } : {}),
      ...(secrets.routingKey ? { routingKey: secrets.routingKey } : {}),
    };
  }

  /**
   * The daemon's SSRF rule for cluster servers holds for receivers too: not the engine's own host,
   * link-local or metadata addresses, unless an admin allowed private addresses. Checked when the
   * URL is set (a name that later resolves elsewhere is not re-checked per delivery).
   */
  private async guard(url: string | undefined): Promise<void> {
    const policy = this.context.kubeconfigPolicy;
    if (!url || policy.allowPrivateAddresses) return;
    const verdict = await checkServerUrl(url, policy.ownHosts ?? [], policy.resolve);
    if (!verdict.allowed)
      throw new EngineError('UNPROCESSABLE', `url is refused: ${verdict.reason ?? 'not allowed'}`, {
        details: [{ path: 'url', rule: 'address', message: verdict.reason ?? 'not allowed' }],
      });
  }

  async create(
    input: unknown,
    options: { dryRun?: boolean } = {},
  ): Promise<NotificationChannelView> {
    const body = parseInput(ChannelBodySchema, input);
    const { shownUrl, secrets } = split(body.type, body);
    await this.guard(body.url);
    const now = isoNow(this.context);
    const record: ChannelRecord = {
      id: options.dryRun ? 'dry-run' : this.context.newId(),
      name: body.name,
      type: body.type,
      ...(shownUrl ? { url: shownUrl } : {}),
      hasSecret: !!secrets.secret || !!secrets.url,
      ...(secrets.routingKey ? { hasRoutingKey: true } : {}),
      ...(body.filter ? { filter: body.filter } : {}),
      createdAt: now,
      updatedAt: now,
      deadLetters: 0,
      deadLetterLog: [],
    };
    if (options.dryRun) return toChannelView(record);
    await this.context.vault.put(ref(record.id), JSON.stringify(secrets));
    try {
      await this.change((channels) => {
        if (channels.some((c) => c.name === body.name))
          throw new ConflictError(`a notification channel named ${body.name} already exists`);
        if (channels.length >= MAX_CHANNELS)
          throw new EngineError('LIMIT_EXCEEDED', `at most ${MAX_CHANNELS} notification channels`, {
            details: [{ path: '(body)', rule: 'max', message: `at most ${MAX_CHANNELS} channels` }],
          });
        return [...channels, record];
      });
    } catch (error) {
      await this.context.vault.delete(ref(record.id)).catch(() => false);
      throw error;
    }
    return toChannelView(record);
  }

  /** Changes name, URL, secret or filter; a new URL or secret replaces the vault entry. */
  async update(
    id: string,
    input: unknown,
    options: { dryRun?: boolean } = {},
  ): Promise<NotificationChannelView> {
    const patch = parseInput(PatchSchema, input);
    const current = await this.record(id);
    const old = JSON.parse(await this.context.vault.get(ref(id))) as ChannelSecrets;
    const { shownUrl, secrets } = split(current.type, {
      url: patch.url ?? old.url ?? current.url,
      secret: patch.secret ?? old.secret,
      routingKey: patch.routingKey ?? old.routingKey,
    });
    await this.guard(patch.url);
    const next: ChannelRecord = {
      ...current,
      ...(patch.name ? { name: patch.name } : {}),
      ...(shownUrl ? { url: shownUrl } : {}),
      ...(patch.filter ? { filter: patch.filter } : {}),
      updatedAt: isoNow(this.context),
    };
    if (options.dryRun) return toChannelView(next);
    if (patch.url || patch.secret || patch.routingKey)
      await this.context.vault.put(ref(id), JSON.stringify(secrets));
    await this.change((channels) => {
      if (patch.name && channels.some((c) => c.name === patch.name && c.id !== id))
        throw new ConflictError(`a notification channel named ${patch.name} already exists`);
      return channels.map((c) =>
        c.id === id ? { ...next, deadLetters: c.deadLetters, deadLetterLog: c.deadLetterLog } : c,
      );
    });
    return toChannelView(next);
  }

  async delete(id: string, options: { dryRun?: boolean } = {}): Promise<void> {
    await this.record(id);
    if (options.dryRun) return;
    await this.change((channels) => channels.filter((c) => c.id !== id));
    await this.context.vault.delete(ref(id)).catch(() => false);
  }

  /** Counts a delivery that gave up and keeps the newest few of them. */
  async deadLetter(id: string, entry: DeadLetter): Promise<void> {
    await this.change((channels) =>
      channels.map((c) =>
        c.id === id
          ? {
              ...c,
              deadLetters: c.deadLetters + 1,
              deadLetterLog: [entry, ...c.deadLetterLog].slice(0, MAX_DEAD_LETTERS),
            }
          : c,
      ),
    );
  }

  private async read(): Promise<{ channels: ChannelRecord[]; revision: number | null }> {
    const entry = await this.context.store.meta.get(KEY);
    return {
      channels: (entry?.value as ChannelRecord[] | undefined) ?? [],
      revision: entry?.revision ?? null,
    };
  }

  private async change(update: (channels: ChannelRecord[]) => ChannelRecord[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const { channels, revision } = await this.read();
      try {
        await this.context.store.meta.put(KEY, update(channels), revision);
        return;
      } catch (error) {
        if (attempt >= 10 || !(error instanceof ConflictError)) throw error;
      }
    }
  }
}
