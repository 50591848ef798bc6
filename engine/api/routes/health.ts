import type { HealthResponse, ReadinessCheck, ReadinessResponse } from '../contracts';
import { defineRoute, type RouteSpec } from '../route-table';

/** A readiness probe of one dependency (store, queue, leadership). */
export interface ReadinessProbe {
  name: string;
  check(): Promise<ReadinessCheck>;
}

export interface HealthDependencies {
  version: string;
  mode: 'daemon' | 'desktop';
  startedAt: number;
  now: () => number;
  probes: readonly ReadinessProbe[];
  role: () => 'leader' | 'follower';
}

/** Liveness and readiness; both need no authentication (API.md). */
export function healthRoutes(deps: HealthDependencies): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/health',
      permission: 'public',
      summary: 'Liveness: the process answers',
      handler: async (): Promise<HealthResponse> => ({
        status: 'ok',
        version: deps.version,
        mode: deps.mode,
        uptimeSeconds: Math.floor((deps.now() - deps.startedAt) / 1000),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/health/ready',
      permission: 'public',
      summary: 'Readiness of the store, the queue and leadership (503 when not ready)',
      handler: async ({ reply }): Promise<ReadinessResponse> => {
        const checks = await Promise.all(
          deps.probes.map(async (probe) => {
            try {
              return await probe.check();
            } catch {
              return { name: probe.name, ok: false, message: `${probe.name} check failed` };
            }
          }),
        );
        const ready = checks.every((check) => check.ok);
        const body: ReadinessResponse = { ready, role: deps.role(), checks };
        return reply.status(ready ? 200 : 503).send(body);
      },
    }),
  ];
}
