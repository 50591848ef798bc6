import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from './api/app';
import type { ReadinessProbe } from './api/routes/health';
import { metricsRoutes } from './api/routes/metrics';
import { serviceRoutes } from './api/routes/service-routes';
import { deliveryOptions } from './services/notifications';
import { EngineMetrics } from './metrics/registry';
import { systemClock, type Clock } from './base/clock';
import { DisposableStack } from './base/disposable';
import type { EngineConfig } from './config';
import { DEFAULT_LIMITS } from './domain';
import {
  createClusterConnector,
  createConnectionGuard,
  DAEMON_POLICY,
  DESKTOP_POLICY,
  type ClusterConnector,
} from './kube';
import { createLogger } from './logging';
import { createEmbeddedLeadership, createLoops, type Leadership, type Loops } from './loops';
import type { OperationQueue } from './queue';
import { openSqliteOperationQueue } from './queue/sqlite';
import {
  createMemoryEventJournal,
  createServices,
  EventBus,
  type ServiceContext,
  type Services,
} from './services';
import { openDataVerifiers } from './data-verifiers';
import {
  createRedisConnections,
  createRedisEventJournal,
  RedisLeadership,
  RedisLoginThrottle,
  RedisRateLimiter,
  RedisStatusCache,
  type RedisConnections,
} from './redis';
import {
  createIdentityServices,
  MemoryRateLimiter,
  type LoginAttempts,
  type RateLimiter,
} from './services/auth';
import { createAuditTargetNamer } from './services/audit';
import { identityRoutes } from './api/routes/auth';
import type { Store } from './store';
import { openSqliteStore } from './store/sqlite';
import type { Vault } from './vault';
import { openFileVault } from './vault/file';
import { openKeytarVault } from './vault/keytar';
import { openStoreVault } from './vault/store';
import { ENGINE_VERSION } from './version';

/** A running control engine: the API (not listening), its services and loops, and its lifecycle. */
export interface Engine {
  readonly api: FastifyInstance;
  readonly config: EngineConfig;
  readonly logger: Logger;
  readonly services: Services;
  readonly loops: Loops;
  readonly leadership: Leadership;
  /** Starts the loops (when leading) and the health timer. */
  start(): Promise<void>;
  /** Stops everything in reverse order of start; safe to call twice. */
  stop(): Promise<void>;
}

/** Seams for tests and embedders; production uses the defaults. */
export interface EngineOptions {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
  vault?: Vault;
  queue?: OperationQueue;
  clusters?: ClusterConnector;
  /** The rate limiter; by default Redis with REDIS_URL, in memory otherwise. */
  rateLimiter?: RateLimiter;
  /** Receives the first start's generated admin password, to show it once (never logged). */
  onGeneratedAdminPassword?: (password: string) => void;
}

/** The shared rate limiter on Redis: fails fast (one retry, 2 s) so that a slow Redis cannot stall every request. */
async function openRedisRateLimiter(redis: RedisConnections, clock: Clock): Promise<RateLimiter> {
  const client = redis.open('rate-limit', { maxRetriesPerRequest: 1, commandTimeoutMs: 2_000 });
  await client.connect().catch(() => undefined);
  return new RedisRateLimiter(client, redis.key('ratelimit') + ':', () => clock.now());
}

/** Failed sign-ins counted in Redis, so that a lockout holds on every replica. */
function openRedisLoginThrottle(
  redis: RedisConnections,
  clock: Clock,
  logger: Logger,
): LoginAttempts {
  const client = redis.open('login-throttle', { maxRetriesPerRequest: 1, commandTimeoutMs: 2_000 });
  return new RedisLoginThrottle({
    client,
    prefix: redis.key('login') + ':',
    now: () => clock.now(),
    onError: (error) =>
      logger.warn({ err: error }, 'login throttle: Redis did not answer; counting on this replica'),
  });
}

async function openStore(config: EngineConfig): Promise<Store> {
  if (config.store === 'mongodb' && config.mongodbUrl) {
    const { mongoDatabaseName, openMongoStore } = await import('./store/mongo');
    return openMongoStore({ url: config.mongodbUrl, dbName: mongoDatabaseName(config.mongodbUrl) });
  }
  return openSqliteStore({ file: join(config.dataDir, 'engine.sqlite') });
}

/**
 * Opens the vault `config` names (the OS keychain, or the encrypted file vault in `dataDir`) for an
 * embedder's own secrets: the desktop keeps the connection URLs of its settings there.
 */
export function openSecretVault(config: EngineConfig, store?: Store): Promise<Vault> {
  return openVault(config, store);
}

async function openVault(config: EngineConfig, store?: Store): Promise<Vault> {
  if (config.vault === 'keytar') return openKeytarVault({ service: 'kubedb-dbaas-console' });
  if (config.vault === 'store') {
    if (!store || !config.vaultKey) throw new Error('the store vault needs the store and vaultKey');
    return openStoreVault({ meta: store.meta, key: config.vaultKey });
  }
  const file = join(config.dataDir, 'vault.enc');
  return config.vaultKey
    ? openFileVault({ file, key: config.vaultKey })
    : openFileVault({ file, keyFile: join(config.dataDir, 'vault.key') });
}

async function openQueue(
  config: EngineConfig,
  logger: Logger,
  redis: RedisConnections | undefined,
): Promise<OperationQueue> {
  const leaseMs = config.queueLeaseMs;
  if (redis) {
    const { openBullmqOperationQueue } = await import('./queue/bullmq');
    return openBullmqOperationQueue(
      {
        connect: (purpose, options) => redis.open(purpose, options),
        prefix: redis.prefix,
        name: 'operations',
      },
      { leaseMs, onError: (error) => logger.warn({ err: error }, 'operation queue error') },
    );
  }
  return openSqliteOperationQueue({ file: join(config.dataDir, 'queue.sqlite') }, { leaseMs });
}

/**
 * The composition root: builds every adapter and hands collaborators to the pieces that need them.
 * This is the only place that names concrete adapters (SQLite, MongoDB, BullMQ, keytar, Redis).
 */
export async function createEngine(
  config: EngineConfig,
  options: EngineOptions = {},
): Promise<Engine> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const resources = new DisposableStack();
  try {
    const store = options.store ?? resources.add(await openStore(config));
    const vault = options.vault ?? resources.add(await openVault(config, store));
    // Shared mode: every Redis client comes from one factory and closes with the engine.
    const redis: RedisConnections | undefined = config.redisUrl
      ? resources.add(
          createRedisConnections({
            url: config.redisUrl,
            prefix: config.redisPrefix,
            onError: (error, purpose) => logger.debug({ err: error, purpose }, 'redis error'),
          }),
        )
      : undefined;
    const queue = options.queue ?? resources.add(await openQueue(config, logger, redis));
    // Shared mode: one Redis stream for every replica's events, so that an SSE client on any
    // replica sees them all and resumes on another. Alone, event ids start from the engine's
    // start time, so that one from before a restart is foreign.
    const events = new EventBus(
      redis
        ? resources.add(
            createRedisEventJournal({
              connections: redis,
              onError: (error, what) => logger.warn({ err: error }, `event journal: ${what}`),
            }),
          )
        : createMemoryEventJournal({ epoch: clock.now() }),
    );
    const policy =
      config.mode === 'desktop'
        ? DESKTOP_POLICY
        : {
            ...DAEMON_POLICY,
            allowExecAuth: config.allowExecAuth,
            allowFileReferences: config.allowExecAuth,
            allowPrivateAddresses: config.allowPrivateClusterAddresses,
            ownHosts: [config.host],
          };
    const clusters =
      options.clusters ??
      createClusterConnector(() => new Date(clock.now()), {
        guard: policy.allowPrivateAddresses
          ? undefined
          : createConnectionGuard({ ownHosts: policy.ownHosts }),
      });
    const serviceContext: ServiceContext = {
      store,
      vault,
      clusters,
      logger,
      events,
      limits: DEFAULT_LIMITS,
      kubeconfigPolicy: policy,
      now: () => new Date(clock.now()),
      newId: () => randomUUID(),
    };
    const delivery = deliveryOptions(config.notifyMaxAttempts, config.notifyRetryInitialMs);
    const services = createServices(serviceContext, {
      queue,
      events,
      clock,
      delivery,
      dataVerifiers: openDataVerifiers(),
    });
    // Deliveries in flight stop before the store closes (their dead letters go to it).
    resources.defer(() => services.notifications.delivery.dispose());
    const identity = createIdentityServices(
      serviceContext,
      services.tenancy,
      {
        tokenKey: config.tokenKey,
        refreshGraceSeconds: config.refreshGraceSeconds,
        ...(redis ? { attempts: openRedisLoginThrottle(redis, clock, logger) } : {}),
      },
      {
        lifetimeDays: config.apiKeyLifetimeDays,
        maxLifetimeDays: config.apiKeyMaxLifetimeDays,
        perUser: config.apiKeysPerUser,
      },
    );
    const rateLimiter =
      options.rateLimiter ??
      (redis ? await openRedisRateLimiter(redis, clock) : new MemoryRateLimiter(() => clock.now()));
    if (redis)
      resources.add(
        new RedisStatusCache({
          redis: redis.open('status-cache'),
          prefix: redis.prefix,
          events,
          logger,
        }),
      );
    const leadership: Leadership = redis
      ? new RedisLeadership({
          // A hanging call fails within a quarter lease, before the lease itself can end.
          redis: redis.open('leadership', {
            offlineQueue: false,
            maxRetriesPerRequest: 1,
            commandTimeoutMs: Math.floor(config.leaderLeaseMs / 4),
          }),
          prefix: redis.prefix,
          instanceId: config.instanceId ?? randomUUID(),
          leaseMs: config.leaderLeaseMs,
          logger,
          clock,
        })
      : createEmbeddedLeadership();
    // The loops' context reads the loops' own caches: a reference filled right after they exist.
    const loopsRef: { current?: Loops } = {};
    const loops = createLoops({
      context: {
        store,
        events,
        logger,
        clock,
        clientFor: async (providerId) =>
          services.providers.clientFor(await store.providers.get(providerId)),
        fence: () => leadership.fence(),
        audit: (entry) => identity.audit.record(entry),
        applyBackupPolicy: (databaseId) => services.backups.policies.apply(databaseId),
        placeRestoreRepository: (sourceId, providerId) =>
          services.backups.policies.placeRepository(sourceId, providerId),
        cachedOpsRequest: (providerId, kind, namespace, name) =>
          loopsRef.current?.syncOf(providerId)?.cachedOpsRequest(kind, namespace, name),
      },
      services,
      queue,
      leadership,
      options: {
        workers: config.workers,
        maxAttempts: config.maxAttempts,
        reconcileIntervalMs: config.reconcileIntervalMs,
        metricsIntervalMs: config.metricsIntervalMs,
        statusSync: {
          failureThresholdMs: config.failureThresholdMs,
          watch: { silenceTimeoutMs: config.watchSilenceTimeoutMs },
          staleAfterMs: config.watchStaleAfterMs ?? config.watchSilenceTimeoutMs + 30_000,
        },
      },
    });
    loopsRef.current = loops;
    services.backups.backups.objectsOf = (providerId) => loops.backupsOf(providerId);
    const probes: ReadinessProbe[] = [
      {
        name: 'store',
        check: async () => {
          await store.ping();
          return { name: 'store', ok: true };
        },
      },
      {
        name: 'queue',
        check: async () => {
          const counts = await queue.counts();
          return {
            name: 'queue',
            ok: true,
            message: `${counts.queued} queued, ${counts.running} running`,
          };
        },
      },
    ];
    const metrics = new EngineMetrics({
      store,
      queueCounts: () => queue.counts(),
      subscribe: (listener) => events.subscribe((event) => listener(event)),
      now: () => clock.now(),
      firingAlerts: () => services.alerts.firingCounts(),
    });
    resources.defer(() => metrics.close());
    const api = await buildApi({
      logger,
      rendererDir: config.rendererDir,
      routes: [
        ...serviceRoutes(services),
        ...identityRoutes(identity),
        ...metricsRoutes({ metrics, scrapeToken: config.metricsToken }),
      ],
      auth: {
        authenticateBearer: (token) => identity.sessions.authenticate(token),
        authenticateApiKey: (key) => identity.apiKeys.authenticate(key),
        desktopIdentityToken: config.desktopIdentityToken,
        tenantOf: (resource, id) => services.tenancy.tenantOf(resource, id),
      },
      rateLimit: {
        limiter: rateLimiter,
        logger,
        limits: {
          readsPerWindow: config.rateLimitReadsPerMinute,
          writesPerWindow: config.rateLimitWritesPerMinute,
          bulkPerWindow: config.rateLimitBulkPerMinute,
        },
      },
      audit: {
        record: (entry) => identity.audit.record(entry),
        nameOf: createAuditTargetNamer(store),
      },
      trustedProxies: config.trustedProxies,
      cursorKey: () => identity.sessions.deriveKey('list-cursors'),
      health: {
        version: ENGINE_VERSION,
        mode: config.mode,
        startedAt: clock.now(),
        now: () => clock.now(),
        probes,
        role: () => leadership.role,
      },
    });
    api.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observeHttp(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    });
    resources.defer(() => api.close());

    let stopped = false;
    return {
      api,
      config,
      logger,
      services,
      loops,
      leadership,
      async start() {
        await api.ready();
        // The desktop's local admin needs no password; a daemon's first start creates `admin`.
        if (config.mode === 'daemon' || config.adminPassword) {
          const boot = await identity.users.bootstrap(config.adminPassword);
          if (boot.generatedPassword) options.onGeneratedAdminPassword?.(boot.generatedPassword);
        }
        await leadership.start();
        resources.add(leadership);
        await loops.start();
        resources.add(loops);
        const refresh = new AbortController();
        const timer = clock.setInterval(
          () => void services.providers.refreshAll(refresh.signal),
          config.providerHealthIntervalMs,
        );
        resources.defer(() => {
          refresh.abort();
          void timer.dispose();
        });
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await resources.dispose();
      },
    };
  } catch (error) {
    await resources.dispose();
    throw error;
  }
}

export type { Vault } from './vault';
