import { createHash, timingSafeEqual } from 'node:crypto';
import { DESKTOP_PRINCIPAL, forbidden, roleAtLeast, unauthenticated } from '../../services/auth';
import type { EngineMetrics } from '../../metrics/registry';
import { defineRoute, type RouteSpec } from '../route-table';

export interface MetricsRouteDependencies {
  metrics: EngineMetrics;
  /** The scrape token (DBAAS_METRICS_TOKEN); without it only signed-in admins may scrape. */
  scrapeToken?: string;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * `GET /metrics` in Prometheus text format. The route is public in the table so that the auth
 * plugin lets a scrape token through; this handler then accepts exactly two callers: the scrape
 * token as a bearer token, or a signed-in user's bearer token with a global admin binding. API
 * keys, the desktop identity and anonymous callers are refused.
 */
export function metricsRoutes(deps: MetricsRouteDependencies): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/metrics',
      permission: 'public',
      summary: 'Prometheus metrics (admin bearer token or the scrape token)',
      handler: async ({ request, reply }) => {
        const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
        const token = match?.[1];
        const isScrape =
          token !== undefined &&
          deps.scrapeToken !== undefined &&
          deps.scrapeToken !== '' &&
          timingSafeEqual(digest(token), digest(deps.scrapeToken));
        if (!isScrape) {
          const principal =
            token === undefined || request.principal === DESKTOP_PRINCIPAL
              ? null
              : request.principal;
          if (!principal) {
            void reply.header('www-authenticate', 'Bearer');
            throw unauthenticated('a signed-in admin or the scrape token is needed');
          }
          const admin = principal.bindings.some(
            (b) => roleAtLeast(b.role, 'admin') && b.domain === undefined,
          );
          if (!admin) throw forbidden('this needs the admin role bound globally');
        }
        return reply
          .type('text/plain; version=0.0.4; charset=utf-8')
          .send(await deps.metrics.text());
      },
    }),
  ];
}
