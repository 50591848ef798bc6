/**
 * Routes one HTTP request: the `/_sim/` admin endpoints (never subject to faults), then latency and
 * error faults, then discovery and resource verbs. Every error answer is a `Status`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimApiError } from '../core/contract';
import type { ResourceRequest, ServerDeps } from './context';
import { coreVersions, groupInfo, groupList, resourceList, versionInfo } from './discovery';
import { handleGet, handleList } from './handlers-read';
import {
  handleCreate,
  handleDelete,
  handleDeleteCollection,
  handlePatch,
  handleUpdate,
} from './handlers-write';
import { parseBody, readBody, sendError, sendJson, statusBody } from './http-util';
import { openApiCoreV1, openApiRoot } from './openapi';
import { crdOpenApi } from './openapi-crds';
import { refreshRealUsage } from './metrics';
import { handlePodStream, isPodStreamSubresource } from './pod-subresources';
import type { PortForwards, UpgradeContext } from './portforward';
import { parseResourcePath } from './request-info';
import { handleServiceProxy, isServiceProxyPath } from './service-proxy';
import { handleWatch } from './watch-stream';

/** Handler for `/_sim/*` routes other than `/_sim/faults`. */
export type AdminHandler = (
  method: string,
  path: string,
  body: unknown,
) => Promise<{ status: number; body: unknown } | undefined>;

const REASONS: Record<number, string> = {
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};
const MESSAGES: Record<number, string> = {
  429: 'the server has received too many requests and has asked us to try again later',
  500: 'Internal error occurred: injected fault',
  503: 'the server is currently unable to handle the request',
};

function verbOf(
  method: string,
  info: ReturnType<typeof parseResourcePath>,
  watch: boolean,
): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : info?.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return info?.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function notFoundPath(): SimApiError {
  return new SimApiError(404, 'NotFound', 'the server could not find the requested resource');
}

/**
 * Creates the request handler. `upgrade` is set for requests that arrived through the server's
 * 'upgrade' event (their `res` writes to the raw socket until a handler takes it over).
 */
export function createRouter(
  deps: ServerDeps,
  admin: () => AdminHandler | undefined,
  forwards?: PortForwards,
) {
  return async function route(
    req: IncomingMessage,
    res: ServerResponse,
    upgrade?: UpgradeContext,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    try {
      if (path.startsWith('/_sim/')) return await routeAdmin(req, res, method, path, deps, admin());
      const info = parseResourcePath(path);
      const watch =
        info?.watchPath === true || ['1', 'true'].includes(url.searchParams.get('watch') ?? '');
      const verb = verbOf(method, info, watch);
      const delay = deps.faults.delayMs();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const injected = deps.faults.injectedError(verb, path);
      if (injected) {
        const body = statusBody(
          injected.status,
          REASONS[injected.status] ?? 'InternalError',
          MESSAGES[injected.status] ?? 'injected',
          {
            ...(injected.status !== 500 ? { retryAfterSeconds: injected.retryAfterSeconds } : {}),
          },
        );
        return sendJson(
          res,
          injected.status,
          body,
          injected.status !== 500 ? { 'Retry-After': String(injected.retryAfterSeconds) } : {},
        );
      }
      if (isServiceProxyPath(path)) return await handleServiceProxy(req, res, path, deps);
      if (!info) return routeDiscovery(res, method, path, deps);
      const type = deps.registry.byPlural(info.group, info.plural);
      if (!type || !type.versions.includes(info.version)) throw notFoundPath();
      if (type.group === '' && type.plural === 'pods' && info.subresource === 'portforward') {
        if (!info.name || (method !== 'GET' && method !== 'POST'))
          throw new SimApiError(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          );
        if (!forwards) throw new SimApiError(501, 'NotImplemented', 'portforward is not served');
        return forwards.handle(req, type, info.namespace, info.name, url.searchParams, upgrade);
      }
      if (isPodStreamSubresource(type, info.subresource) && info.name)
        return handlePodStream(
          res,
          deps.state,
          type,
          info.namespace,
          info.name,
          info.subresource ?? '',
          url.searchParams,
          /upgrade/i.test(String(req.headers.connection ?? '')) && !!req.headers.upgrade,
        );
      if (info.subresource && !(info.subresource === 'status' && type.statusSubresource))
        throw notFoundPath();
      if (type.namespaced === false && info.namespace !== undefined && info.plural !== 'namespaces')
        throw notFoundPath();
      const r: ResourceRequest = {
        req,
        res,
        info,
        type,
        query: url.searchParams,
        accept: String(req.headers.accept ?? 'application/json'),
        deps,
      };
      if (
        !type.verbs.includes(verb) &&
        !(verb === 'watch' && type.verbs.includes('list') && !type.virtual)
      ) {
        throw new SimApiError(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
        );
      }
      if (info.subresource === 'status' && !['get', 'update', 'patch'].includes(verb)) {
        throw new SimApiError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
      }
      if (type.virtual) await refreshRealUsage(deps, info.namespace);
      switch (verb) {
        case 'get':
          return handleGet(r);
        case 'list':
          return handleList(r);
        case 'watch':
          return handleWatch(r);
        case 'create':
          if (info.name)
            throw new SimApiError(
              405,
              'MethodNotAllowed',
              'the server does not allow this method on the requested resource',
            );
          return await handleCreate(r);
        case 'update':
          return await handleUpdate(r);
        case 'patch':
          return await handlePatch(r);
        case 'delete':
          return await handleDelete(r);
        case 'deletecollection':
          return await handleDeleteCollection(r);
        default:
          throw new SimApiError(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          );
      }
    } catch (err) {
      sendError(res, err);
    }
  };
}

function routeDiscovery(res: ServerResponse, method: string, path: string, deps: ServerDeps): void {
  if (method !== 'GET')
    throw new SimApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  if (path === '/version') return sendJson(res, 200, versionInfo());
  if (path === '/healthz' || path === '/readyz' || path === '/livez') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    return void res.end('ok');
  }
  if (path === '/api') return sendJson(res, 200, coreVersions());
  const openapi = crdOpenApi(deps.registry);
  if (path === '/openapi/v3') return sendJson(res, 200, openApiRoot(openapi.v3Paths()));
  if (path === '/openapi/v3/api/v1') return sendJson(res, 200, openApiCoreV1());
  if (path === '/openapi/v2') return sendJson(res, 200, openapi.v2());
  const gv = /^\/openapi\/v3\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (gv) {
    const entry = openapi.v3(gv[1] ?? '', gv[2] ?? '');
    if (!entry) throw notFoundPath();
    return sendJson(res, 200, entry.doc);
  }
  if (path === '/apis') return sendJson(res, 200, groupList(deps.registry));
  const parts = path.split('/').filter(Boolean);
  let doc: unknown;
  if (parts[0] === 'api' && parts.length === 2)
    doc = resourceList(deps.registry, '', parts[1] as string);
  else if (parts[0] === 'apis' && parts.length === 2)
    doc = groupInfo(deps.registry, parts[1] as string);
  else if (parts[0] === 'apis' && parts.length === 3)
    doc = resourceList(deps.registry, parts[1] as string, parts[2] as string);
  if (doc === undefined) throw notFoundPath();
  sendJson(res, 200, doc);
}

async function routeAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  deps: ServerDeps,
  admin: AdminHandler | undefined,
): Promise<void> {
  const body = parseBody(await readBody(req), false);
  if (path === '/_sim/faults') {
    if (method === 'GET') return sendJson(res, 200, deps.faults.snapshot());
    if (method === 'POST') {
      if (
        typeof body !== 'object' ||
        body === null ||
        !deps.faults.applyJson(body as Record<string, unknown>)
      ) {
        throw new SimApiError(400, 'BadRequest', 'no known fault named in the body');
      }
      return sendJson(res, 200, deps.faults.snapshot());
    }
    throw new SimApiError(405, 'MethodNotAllowed', 'GET or POST');
  }
  const answer = admin ? await admin(method, path, body) : undefined;
  if (!answer) throw notFoundPath();
  sendJson(res, answer.status, answer.body ?? {});
}
