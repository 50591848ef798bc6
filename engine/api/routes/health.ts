import type { FastifyInstance } from 'fastify';
import type { HealthResponse, ReadinessCheck, ReadinessResponse } from '../contracts';

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
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDependencies): void {
  app.get('/api/v1/health', async (): Promise<HealthResponse> => ({
    status: 'ok',
    version: deps.version,
    mode: deps.mode,
    uptimeSeconds: Math.floor((deps.now() - deps.startedAt) / 1000),
  }));

  app.get('/api/v1/health/ready', async (_request, reply): Promise<ReadinessResponse> => {
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
    void reply.status(ready ? 200 : 503);
    return { ready, role: deps.role(), checks };
  });
}
