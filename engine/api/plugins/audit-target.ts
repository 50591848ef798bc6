import type { FastifyRequest } from 'fastify';

/** The kind of the object an audited call is about, by the first segment of its path. */
const KINDS: Record<string, string> = {
  databases: 'database',
  providers: 'provider',
  operations: 'operation',
  users: 'user',
  'api-keys': 'api-key',
  domains: 'domain',
  backups: 'backup',
  'backup-storages': 'backup-storage',
  'restore-drills': 'restore-drill',
  'backup-estate': 'backup-estate',
  alerts: 'alert',
  'alert-rules': 'alert-rule',
  'notification-channels': 'notification-channel',
};

/** Looks up the name of an object by kind and id; null when there is none (any more). */
export type TargetNamer = (kind: string, id: string) => Promise<string | null>;

/** The target's kind and name as the audit event records them. */
export interface TargetName {
  kind: string;
  name?: string;
}

/**
 * The kind and, where the path names it, the id of what a call is about:
 * `/databases/:id/actions/restart` is database `:id`; `/domains/:domain/projects/:project` is
 * project `domain/project`, whose name is its path (no lookup needed).
 */
function targetRef(request: FastifyRequest): { kind: string; id?: string; name?: string } | null {
  const url = (request.routeOptions.url ?? '').replace(/^\/api\/v1\//, '');
  const params = (request.params ?? {}) as Record<string, unknown>;
  const [first, second] = url.split('/');
  if (first === 'auth') return { kind: 'user' };
  const kind = first ? KINDS[first] : undefined;
  if (!kind) return null;
  if (kind === 'domain') {
    const domain = typeof params.domain === 'string' ? params.domain : undefined;
    const project = typeof params.project === 'string' ? params.project : undefined;
    if (url.includes('/projects'))
      return { kind: 'project', ...(domain && project ? { name: `${domain}/${project}` } : {}) };
    return { kind, ...(domain ? { name: domain } : {}) };
  }
  const id = second?.startsWith(':') ? params[second.slice(1)] : undefined;
  return { kind, ...(typeof id === 'string' ? { id } : {}) };
}

/**
 * The target's name before the handler runs, so that the event keeps the name it had at the time
 * (a deleted or renamed object is still recognisable in the trail).
 */
export async function nameTargetBefore(
  request: FastifyRequest,
  namer: TargetNamer | undefined,
): Promise<TargetName | null> {
  const ref = targetRef(request);
  if (!ref) return null;
  if (ref.name !== undefined) return { kind: ref.kind, name: ref.name };
  if (ref.id === undefined || !namer) return { kind: ref.kind };
  const name = await namer(ref.kind, ref.id).catch(() => null);
  return name === null ? { kind: ref.kind } : { kind: ref.kind, name };
}

/** What a create answered: its id and its name, read without keeping anything else of the body. */
export function createdObject(payload: unknown): { id: string | null; name: string | null } {
  const none = { id: null, name: null };
  if (typeof payload !== 'string' || payload.length > 65_536 || !payload.startsWith('{'))
    return none;
  try {
    type Created = { id?: unknown; name?: unknown; username?: unknown };
    const body = JSON.parse(payload) as Created & { database?: Created; user?: Created };
    const object = body.database ?? body.user ?? body;
    const id = object.id ?? body.id;
    const name = object.name ?? object.username;
    return {
      id: typeof id === 'string' ? id : null,
      name: typeof name === 'string' ? name : null,
    };
  } catch {
    return none;
  }
}
