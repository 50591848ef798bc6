import { rateLimiterConformance } from './conformance/rate-limiter-conformance';
import { MemoryRateLimiter } from './rate-limiter';

rateLimiterConformance('in memory', (clock) => {
  const limiter = new MemoryRateLimiter(clock.now);
  return { limiter, twin: () => limiter };
});
