import { z } from 'zod';
import type { Services } from '../../services';
import { AcknowledgeBodySchema, AlertQuerySchema, SilenceBodySchema } from '../../services/alerts';
import { ChannelBodySchema } from '../../services/notifications';
import { defineRoute, DryRunQuerySchema, IdParamsSchema, type RouteSpec } from '../route-table';

const RuleParamsSchema = z.object({ rule: z.string().min(1).max(63) });

/** `/api/v1/alerts` (viewers see the alerts of what they can see) and `/api/v1/alert-rules` (global admins). */
export function alertRoutes(services: Services): RouteSpec[] {
  const { alerts } = services;
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/alerts',
      permission: 'alerts:read',
      summary: 'Alerts, firing first by severity (pending, firing and the resolved history)',
      query: AlertQuerySchema,
      handler: ({ query, grant }) => alerts.list(query, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/alerts/:id',
      permission: 'alerts:read',
      summary: 'One alert',
      params: IdParamsSchema,
      handler: ({ params, grant }) => alerts.get(params.id, grant),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/alerts/:id/acknowledge',
      permission: 'alerts:write',
      summary: 'Acknowledge an alert with an optional comment (no more re-notifications)',
      params: IdParamsSchema,
      body: z.unknown(),
      docs: { body: AcknowledgeBodySchema },
      handler: ({ params, body, grant }) => alerts.acknowledge(params.id, body, grant),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/alerts/:id/silence',
      permission: 'alerts:write',
      summary: 'Silence an alert until a time or until it resolves',
      params: IdParamsSchema,
      body: z.unknown(),
      docs: { body: SilenceBodySchema },
      handler: ({ params, body, grant }) => alerts.silence(params.id, body, grant),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/alert-rules',
      permission: 'alerts:configure',
      summary:
        'The alert rules with their thresholds, for-duration, severity, enabled and overrides',
      handler: () => alerts.rules.list(),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/alert-rules/:rule',
      permission: 'alerts:configure',
      summary: 'One alert rule',
      params: RuleParamsSchema,
      handler: ({ params }) => alerts.rules.get(params.rule),
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/v1/alert-rules/:rule',
      permission: 'alerts:configure',
      summary:
        'Tune a rule (enabled, severity, forSeconds, renotifySeconds, overrides per domain or domain/project); what is left out returns to the default',
      params: RuleParamsSchema,
      body: z.unknown(),
      handler: ({ params, body }) => alerts.rules.put(params.rule, body),
    }),
  ];
}

/** `/api/v1/notification-channels` (global admins; secrets to the vault, never echoed). */
export function notificationChannelRoutes(services: Services): RouteSpec[] {
  const { notifications } = services;
  const { channels } = notifications;
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/notification-channels',
      permission: 'alerts:configure',
      summary: 'Add a notification channel (webhook or slack; its secret goes to the vault)',
      body: z.unknown(),
      docs: { body: ChannelBodySchema },
      query: DryRunQuerySchema,
      status: 201,
      dryRun: true,
      handler: ({ body, query }) => channels.create(body, { dryRun: query.dryRun }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/notification-channels',
      permission: 'alerts:configure',
      summary: 'Notification channels with their dead-letter counts (never their secrets)',
      handler: () => channels.list(),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/notification-channels/:id',
      permission: 'alerts:configure',
      summary: 'One notification channel',
      params: IdParamsSchema,
      handler: ({ params }) => channels.get(params.id),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/notification-channels/:id',
      permission: 'alerts:configure',
      summary: 'Change a channel (a new url or secret replaces the vault entry)',
      params: IdParamsSchema,
      body: z.unknown(),
      query: DryRunQuerySchema,
      dryRun: true,
      handler: ({ params, body, query }) =>
        channels.update(params.id, body, { dryRun: query.dryRun }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/notification-channels/:id',
      permission: 'alerts:configure',
      summary: 'Remove a notification channel and its secret',
      params: IdParamsSchema,
      query: DryRunQuerySchema,
      status: 204,
      dryRun: true,
      handler: async ({ params, query, reply }) => {
        await channels.delete(params.id, { dryRun: query.dryRun });
        return query.dryRun ? { dryRun: true } : reply.status(204).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/notification-channels/:id/test',
      permission: 'alerts:configure',
      summary: 'Send a test notification now (one attempt) and answer what the receiver said',
      params: IdParamsSchema,
      handler: ({ params }) => notifications.test(params.id),
    }),
  ];
}
