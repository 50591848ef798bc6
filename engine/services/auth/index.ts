/** Identity: users and sessions, API keys, grants, rate limiting. */

export {
  DESKTOP_PRINCIPAL,
  Grant,
  forbidden,
  roleAtLeast,
  unauthenticated,
  type Principal,
} from './access';
export {
  ApiKeyService,
  type ApiKeyOptions,
  type CreatedApiKey,
  type PublicApiKey,
} from './api-keys';
export { RateLimitedError } from './errors';
export { signJwt, verifyJwt, type JwtClaims } from './jwt';
export {
  failureDelay,
  LoginThrottle,
  type LoginAttempts,
  type LoginThrottleOptions,
} from './login-throttle';
export { hashPassword, verifyPassword } from './passwords';
export { MemoryRateLimiter, type RateDecision, type RateLimiter } from './rate-limiter';
export {
  SessionService,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  sha256Hex,
  type SessionOptions,
  type TokenResponse,
} from './sessions';
export { UserService, toPublicUser, type BootstrapResult } from './users';
export { createIdentityServices, type IdentityServices } from './identity';
