import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from './api/app';
import { DisposableStack } from './base/disposable';
import type { EngineConfig } from './config';
import { createLogger } from './logging';
import { ENGINE_VERSION } from './version';

/** A running control engine: the API (not listening) and its lifecycle. */
export interface Engine {
  readonly api: FastifyInstance;
  readonly config: EngineConfig;
  readonly logger: Logger;
  /** Starts the loops (none yet) and makes the API ready. */
  start(): Promise<void>;
  /** Stops everything in reverse order of start; safe to call twice. */
  stop(): Promise<void>;
}

export interface EngineOptions {
  logger?: Logger;
  now?: () => number;
}

/**
 * The composition root: builds every adapter and hands collaborators to the pieces that need them.
 * This is the only place that names concrete adapters.
 */
export async function createEngine(
  config: EngineConfig,
  options: EngineOptions = {},
): Promise<Engine> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const resources = new DisposableStack();
  const api = await buildApi({
    logger,
    rendererDir: config.rendererDir,
    health: {
      version: ENGINE_VERSION,
      mode: config.mode,
      startedAt: now(),
      now,
      probes: [],
      role: () => 'leader',
    },
  });
  resources.defer(() => api.close());

  let stopped = false;
  return {
    api,
    config,
    logger,
    async start() {
      await api.ready();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await resources.dispose();
    },
  };
}
