import { EngineError, NotFoundError } from '../../base/errors';
import type { PublicUser, Role, RoleBinding } from '../../domain';
import type { TenantScope } from '../../store';

/** Who is calling: a signed-in user, an API key, or the desktop's local admin (IPC only). */
export interface Principal {
  kind: 'user' | 'api-key' | 'desktop';
  /** The user id, the API key id, or `desktop`. */
  id: string;
  /** How the audit log names the caller: the username, `apikey:<id>` or `local-admin`. */
  actor: string;
  bindings: readonly RoleBinding[];
  /** The user behind the call (the key's creator for an API key); null for the desktop identity. */
  userId: string | null;
  user?: PublicUser;
}

/** The local desktop user: a global admin, reachable only through main's IPC bridge. */
export const DESKTOP_PRINCIPAL: Principal = Object.freeze({
  kind: 'desktop',
  id: 'desktop',
  actor: 'local-admin',
  bindings: Object.freeze([{ role: 'admin' as const }]),
  userId: null,
});

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** True when `role` includes everything `needed` allows (admin > operator > viewer). */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/**
 * Whether a binding reaches a tenant object. With `project` the object is a project (or lives in
 * one); without it the object is the domain itself, which only global and domain bindings reach.
 */
function reaches(binding: RoleBinding, domain: string, project: string | undefined): boolean {
  if (binding.domain === undefined) return true;
  if (binding.domain !== domain) return false;
  return binding.project === undefined || binding.project === project;
}

/** Whether a binding shows anything of a domain (its own project bindings make the domain visible). */
function touches(binding: RoleBinding, domain: string): boolean {
  return binding.domain === undefined || binding.domain === domain;
}

function scopesOf(bindings: readonly RoleBinding[]): TenantScope[] | undefined {
  if (bindings.some((binding) => binding.domain === undefined)) return undefined;
  return bindings.map((binding) =>
    binding.project === undefined
      ? { domain: binding.domain! }
      : { domain: binding.domain!, project: binding.project },
  );
}

/**
 * What a principal may do for one permission: `role` is the least role the permission needs (the
 * API's permission table decides it). Services ask a grant two questions about an object: may the
 * caller see it at all (else 404, so that nothing outside the caller's bindings is revealed), and
 * may the caller do this to it (else 403).
 */
export class Grant {
  constructor(
    readonly principal: Principal,
    readonly role: Role,
  ) {}

  get actor(): string {
    return this.principal.actor;
  }

  /** True when any binding reaches the object, whatever its role. */
  canSee(domain: string, project?: string): boolean {
    return this.principal.bindings.some((binding) =>
      project === undefined ? touches(binding, domain) : reaches(binding, domain, project),
    );
  }

  /** True when a binding with at least the needed role reaches the object. */
  canAct(domain: string, project?: string): boolean {
    return this.has(this.role, domain, project);
  }

  /** True when a binding with at least `role` reaches the object (or, without a domain, is global). */
  has(role: Role, domain?: string, project?: string): boolean {
    return this.principal.bindings.some(
      (binding) =>
        roleAtLeast(binding.role, role) &&
        (domain === undefined ? binding.domain === undefined : reaches(binding, domain, project)),
    );
  }

  /** Scopes for list filters: undefined = everything (a global binding); [] = nothing. */
  visibleScopes(): TenantScope[] | undefined {
    return scopesOf(this.principal.bindings);
  }

  /** Tenant objects the caller can see: 404 for everything else, exactly as for a missing id. */
  assertVisible(what: string, id: string, domain: string, project?: string): void {
    if (!this.canSee(domain, project)) throw new NotFoundError(what, id);
  }

  /** Visible, then allowed: 404 outside the caller's bindings, 403 inside them without the role. */
  assertAllowed(what: string, id: string, domain: string, project?: string): void {
    this.assertVisible(what, id, domain, project);
    if (!this.canAct(domain, project))
      throw forbidden(`your role does not allow this on ${what} ${id}`);
  }

  /** For actions outside any tenant (providers, users, audit): a global binding with the role. */
  assertGlobal(): void {
    if (!this.has(this.role)) throw forbidden(`this needs a global ${this.role} binding`);
  }
}

/** A 403 with API.md's shape. */
export function forbidden(message: string): EngineError {
  return new EngineError('FORBIDDEN', message);
}

/** A 401 with API.md's shape. */
export function unauthenticated(
  message = 'sign in first: send a bearer token or an API key',
): EngineError {
  return new EngineError('UNAUTHENTICATED', message);
}

function narrower(a: string | undefined, b: string | undefined): string | undefined | null {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  return null;
}

/**
 * What two bindings both allow: the lesser role over the scope both reach, or null when their
 * scopes do not meet (an API key's binding against its creator's current one).
 */
export function intersectBinding(a: RoleBinding, b: RoleBinding): RoleBinding | null {
  const role = roleAtLeast(a.role, b.role) ? b.role : a.role;
  const domain = narrower(a.domain, b.domain);
  if (domain === null) return null;
  if (domain === undefined) return { role };
  // A project of one binding applies only within its own domain, which is now `domain`.
  const project = narrower(
    a.domain === undefined ? undefined : a.project,
    b.domain === undefined ? undefined : b.project,
  );
  if (project === null) return null;
  return project === undefined ? { role, domain } : { role, domain, project };
}

/** Every binding `key` keeps under `holder`'s bindings, without repeats. */
export function narrowBindings(key: RoleBinding, holder: readonly RoleBinding[]): RoleBinding[] {
  const kept = new Map<string, RoleBinding>();
  for (const held of holder) {
    const both = intersectBinding(key, held);
    if (both) kept.set(JSON.stringify([both.role, both.domain, both.project]), both);
  }
  return [...kept.values()];
}
