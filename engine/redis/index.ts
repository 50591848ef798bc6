/** The shared mode's Redis wing: the one connection factory and the Redis adapters of engine ports. */
export {
  closeRedisClient,
  createRedisClient,
  createRedisConnections,
  REDIS_RECONNECT_BACKOFF,
  type RedisClientOptions,
  type RedisConnections,
  type RedisSettings,
} from './connection';
export { RedisLeadership, type RedisLeadershipOptions } from './redis-leadership';
export { RedisRateLimiter, type RedisEvalClient } from './redis-rate-limiter';
export { RedisStatusCache } from './redis-status-cache';
export { createRedisEventJournal, type RedisEventJournalOptions } from './redis-event-journal';
export { RedisLoginThrottle, type RedisLoginThrottleOptions } from './redis-login-throttle';
export { createRedisVerifier } from './redis-verifier';
