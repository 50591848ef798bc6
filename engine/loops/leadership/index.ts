import type { Disposable } from '../../base/disposable';
import { EngineError } from '../../base/errors';

/** Which role this engine instance plays. Only the leader runs the loops; every instance serves the API. */
export type Role = 'leader' | 'follower';

/**
 * Leader election. Embedded engines always lead; shared engines hold a lease in Redis. `fence()`
 * is called before every loop write: it throws once this instance has lost the lease or another
 * instance has taken it since, so a paused old leader writes nothing.
 */
export interface Leadership extends Disposable {
  readonly role: Role;
  /** The fencing token of the current term (monotonic across instances); null while following. */
  readonly token: number | null;
  start(): Promise<void>;
  /** Throws `NotLeaderError` unless this instance still leads with its token. */
  fence(): Promise<void>;
  /** Called with the new role whenever it changes. */
  onChange(listener: (role: Role) => void): Disposable;
}

/** A loop write refused because this instance no longer leads. */
export class NotLeaderError extends EngineError {
  constructor(message = 'this engine instance is not the leader') {
    super('UNAVAILABLE', message, { terminal: false });
    this.name = 'NotLeaderError';
  }
}

/** The embedded engine (desktop, single daemon): the one instance always leads. */
export function createEmbeddedLeadership(): Leadership {
  return {
    role: 'leader',
    token: 1,
    start: async () => undefined,
    fence: async () => undefined,
    onChange: () => ({ dispose: () => undefined }),
    dispose: () => undefined,
  };
}
