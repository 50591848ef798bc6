import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isEngineError } from '../../base/errors';
import type { AuditResult } from '../../domain';
import type { AuditEntry } from '../../services/audit';
import { createdObject, nameTargetBefore, type TargetName, type TargetNamer } from './audit-target';
import { isDryRunRequest } from '../route-table';
import { routePermission } from './auth';

/** Where audit events go (the services' AuditLog). */
export interface AuditSink {
  record(entry: AuditEntry): Promise<unknown>;
  /** The current name of an object (`database`, id) so the trail shows names, not only ids. */
  nameOf?: TargetNamer;
}

/** What a handler may tell the audit plugin that the request alone does not show (a login's username). */
export interface AuditNote {
  actor?: string;
  target?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auditNote: AuditNote | null;
    auditErrorCode: string | null;
    auditTargetName: TargetName | null;
  }
}

const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const VERBS: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
  GET: 'read',
};
/** Routes whose derived action name would read oddly. */
const ACTION_NAMES: Record<string, string> = {
  'POST /api/v1/auth/login': 'auth.login',
  'POST /api/v1/auth/refresh': 'auth.refresh',
  'POST /api/v1/providers/contexts': 'providers.contexts.list',
  'POST /api/v1/domains/:domain/projects': 'projects.create',
  'DELETE /api/v1/domains/:domain/projects/:project': 'projects.delete',
};

/**
 * A stable action name from the route: `databases.create`, `databases.delete`, `providers.test`,
 * `databases.actions.restart`, `databases.credentials.read`.
 */
export function auditAction(method: string, url: string, params: Record<string, unknown>): string {
  const named = ACTION_NAMES[`${method} ${url}`];
  if (named) return named;
  const segments = url
    .replace(/^\/api\/v1\//, '')
    .split('/')
    .filter(Boolean);
  const literals = segments.filter((segment) => !segment.startsWith(':'));
  const last = segments[segments.length - 1] ?? '';
  const verb = VERBS[method] ?? method.toLowerCase();
  if (last.startsWith(':')) {
    // POST /databases/:id/actions/:action names the action; other routes end in an id.
    const value = params[last.slice(1)];
    if (method === 'POST' && last !== ':id' && typeof value === 'string')
      return [...literals, value].join('.');
    return [...literals, verb].join('.');
  }
  // POST /providers/:id/test, /operations/:id/cancel: the last segment is the verb.
  if (method === 'POST' && (segments[segments.length - 2] ?? '').startsWith(':'))
    return literals.join('.');
  return [...literals, verb].join('.');
}

/** The object the call is about: the path without `/api/v1/`, ids filled in. */
function auditTarget(request: FastifyRequest, payload: unknown): string {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const url = (request.routeOptions.url ?? '').replace(/^\/api\/v1\//, '');
  let target = url.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params[name];
    return typeof value === 'string' ? value : '';
  });
  if (
    request.method === 'POST' &&
    !url.includes(':') &&
    (request.routeOptions.url ?? '').split('/').length <= 4
  ) {
    const created = createdObject(payload).id;
    if (created) target = `${target}/${created}`;
  }
  return target;
}

/** The kind and name of the target: looked up before the call, or what a create answered. */
function targetNameOf(request: FastifyRequest, payload: unknown): TargetName | null {
  const before = request.auditTargetName;
  if (request.auditNote?.target?.startsWith('users/'))
    return { kind: 'user', name: request.auditNote.target.slice('users/'.length) };
  if (!before || before.name !== undefined) return before;
  const name = request.method === 'POST' ? createdObject(payload).name : null;
  return name ? { kind: before.kind, name } : before;
}

function resultOf(status: number, action: string): AuditResult {
  if (status < 400) return 'success';
  if (action === 'auth.login' && status === 401) return 'failure';
  return status === 401 || status === 403 || status === 429 ? 'denied' : 'failure';
}

function shouldAudit(request: FastifyRequest): boolean {
  const permission = routePermission(request);
  if (permission === undefined) return false;
  return CHANGING.has(request.method) || permission === 'databases:credentials';
}

/**
 * Records every changing call, every login (success and failure) and every credential read, with
 * the outcome, before the answer leaves: a client never sees success for a call the trail lacks.
 * Bodies are never recorded (they may hold passwords and kubeconfigs).
 */
export function registerAudit(app: FastifyInstance, sink: AuditSink): void {
  app.decorateRequest('auditNote', null);
  app.decorateRequest('auditErrorCode', null);
  app.decorateRequest('auditTargetName', null);
  app.addHook('preHandler', async (request) => {
    if (shouldAudit(request))
      request.auditTargetName = await nameTargetBefore(request, sink.nameOf);
  });
  app.addHook('onError', async (request, _reply, error) => {
    request.auditErrorCode = isEngineError(error) ? error.code : 'INTERNAL';
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!shouldAudit(request)) return payload;
    const params = (request.params ?? {}) as Record<string, unknown>;
    // A dry run changes nothing: it is recorded as a preview of the action, never as the action.
    const dryRun = isDryRunRequest(request);
    const actionName = auditAction(request.method, request.routeOptions.url ?? '', params);
    const action = dryRun ? `${actionName}.preview` : actionName;
    const status = reply.statusCode;
    // A call the rate limiter turned away changed nothing; recording each would let a flood grow
    // the trail without bound. Locked sign-ins stay recorded (they are bounded by the limiter too).
    if (status === 429 && action !== 'auth.login') return payload;
    // A call refused before its handler (401, 403) changed nothing: its target is named now.
    request.auditTargetName ??= await nameTargetBefore(request, sink.nameOf);
    const named = targetNameOf(request, payload);
    try {
      await sink.record({
        actor: request.principal?.actor ?? request.auditNote?.actor ?? 'anonymous',
        action,
        target: request.auditNote?.target ?? auditTarget(request, payload),
        ...(named?.kind ? { targetKind: named.kind } : {}),
        ...(named?.name ? { targetName: named.name } : {}),
        result: resultOf(status, action),
        requestId: request.id,
        sourceIp: request.ip ?? null,
        details: {
          method: request.method,
          status,
          ...(dryRun ? { dryRun: true } : {}),
          ...(request.auditErrorCode ? { code: request.auditErrorCode } : {}),
        },
      });
    } catch (error) {
      request.log.error({ err: error, action }, 'an audit event could not be written');
    }
    return payload;
  });
}
