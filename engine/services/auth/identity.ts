import { AuditLog } from '../audit';
import type { ServiceContext } from '../context';
import type { TenancyService } from '../tenancy';
import { ApiKeyService, type ApiKeyOptions } from './api-keys';
import { SessionService, type SessionOptions } from './sessions';
import { UserService } from './users';

/** The identity and tenancy use cases, built by the composition root next to `Services`. */
export interface IdentityServices {
  sessions: SessionService;
  users: UserService;
  apiKeys: ApiKeyService;
  tenancy: TenancyService;
  audit: AuditLog;
}

/** Builds the identity services over the same context as every other service. */
export function createIdentityServices(
  context: ServiceContext,
  tenancy: TenancyService,
  options: SessionOptions = {},
  apiKeyOptions: ApiKeyOptions = {},
): IdentityServices {
  return {
    sessions: new SessionService(context, options),
    users: new UserService(context),
    apiKeys: new ApiKeyService(context, apiKeyOptions),
    tenancy,
    audit: new AuditLog({
      events: context.store.auditEvents,
      now: context.now,
      newId: context.newId,
    }),
  };
}
