/**
 * The `services/proxy` subresource: `/api/v1/namespaces/NS/services/[scheme:]NAME[:PORT]/proxy/...`.
 * The simulator has one HTTP endpoint behind a Service: the monitoring sidecar of a KubeDB database
 * (`<db>-stats`, port 56790 named `metrics`, path `/metrics`), present when `spec.monitor` is set.
 *
 * - A database that runs for real (the data plane has a running instance for it): Prometheus text
 *   read from the server (`sim/dataplane/exporter.ts`), `sim_simulated 0`.
 * - A simulated database: made-up values that grow over time, with `sim_simulated 1`.
 * - No Ready pod behind the Service: 503 `no endpoints available for service`, as the real API
 *   server answers; any other port (5432, 6379, …): 503 `error trying to reach service`, since those
 *   speak no HTTP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimApiError, type KubeObject } from '../core/contract';
import type { RealEngine } from '../core/data-plane';
import { InstanceExporter } from '../dataplane/exporter';
import {
  PROMETHEUS_CONTENT_TYPE,
  simulatedExporterText,
  unreachableExporterText,
} from '../dataplane/exporter-text';
import type { ServerDeps } from './context';
import { notFound } from './write-rules';

/** The exporter port of KubeDB's monitoring sidecar. */
export const EXPORTER_PORT = 56790;

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/;

const ENGINE_OF_KIND: Record<string, RealEngine> = {
  Postgres: 'postgres',
  MySQL: 'mariadb',
  MariaDB: 'mariadb',
  Redis: 'redis',
};

const exporters = new WeakMap<ServerDeps, InstanceExporter>();

/** The exporter (with its query cache) of one server. */
function exporterOf(deps: ServerDeps): InstanceExporter {
  let e = exporters.get(deps);
  if (!e) {
    e = new InstanceExporter();
    exporters.set(deps, e);
  }
  return e;
}

/** Whether the path is a service proxy path (handled by `handleServiceProxy`). */
export function isServiceProxyPath(path: string): boolean {
  return PROXY_PATH.test(path);
}

interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
}

/** Splits `[scheme:]name[:port]` the way the API server does. */
function splitServiceRef(ref: string): { name: string; port?: string } {
  const parts = ref.split(':');
  if (parts.length === 1) return { name: ref };
  if (parts.length === 2) return { name: parts[0] as string, port: parts[1] };
  return { name: parts[1] as string, port: parts[2] };
}

function unavailable(message: string): SimApiError {
  return new SimApiError(503, 'ServiceUnavailable', message);
}

function isReady(pod: KubeObject): boolean {
  const status = (pod.status ?? {}) as { phase?: string; conditions?: Record<string, unknown>[] };
  return (
    status.phase === 'Running' &&
    (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** Answers a service proxy request. */
export async function handleServiceProxy(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  deps: ServerDeps,
): Promise<void> {
  const m = PROXY_PATH.exec(path);
  const namespace = decodeURIComponent(m?.[1] ?? '');
  const ref = splitServiceRef(decodeURIComponent(m?.[2] ?? ''));
  const rest = m?.[3] ?? '/';
  const service = deps.state.get('v1', 'Service', namespace, ref.name);
  if (!service) throw notFound({ group: '', plural: 'services' }, ref.name);
  const spec = (service.spec ?? {}) as { ports?: ServicePort[]; selector?: Record<string, string> };
  const ports = spec.ports ?? [];
  const port =
    ref.port === undefined || ref.port === ''
      ? ports[0]
      : ports.find((p) => p.name === ref.port || String(p.port) === ref.port);
  if (!port) throw unavailable(`no endpoints available for service "${m?.[2] ?? ref.name}"`);
  const selector = spec.selector ?? {};
  const endpoints = Object.keys(selector).length
    ? deps.state.list('v1', 'Pod', { namespace, labels: selector }).filter(isReady)
    : [];
  if (endpoints.length === 0)
    throw unavailable(`no endpoints available for service "${m?.[2] ?? ref.name}"`);
  if (Number(port.targetPort ?? port.port) !== EXPORTER_PORT)
    throw unavailable(
      `error trying to reach service: port ${String(port.port)} of ${ref.name} does not speak HTTP in the simulator (only the exporter, port ${EXPORTER_PORT}, is served)`,
    );
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' });
    return void res.end('405 method not allowed\n');
  }
  if (rest !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    return void res.end('404 page not found\n');
  }
  const text = await exporterText(service, namespace, deps);
  res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
  res.end(method === 'HEAD' ? undefined : text);
}

/** The exporter text of the database that owns the Service. */
async function exporterText(service: KubeObject, namespace: string, deps: ServerDeps) {
  const owner = service.metadata.ownerReferences?.find((o) => o.controller) ??
    service.metadata.ownerReferences?.[0] ?? { kind: '', name: '' };
  const instance = deps.dataPlane?.instanceOfDatabase(namespace, owner.kind, owner.name);
  if (instance && instance.state === 'running') return exporterOf(deps).scrape(instance);
  const engine = instance?.engine ?? ENGINE_OF_KIND[owner.kind];
  // A real instance that is starting, stopped or failed: the sidecar cannot reach its server.
  if (instance) return unreachableExporterText(instance.engine);
  const db = deps.state.get(
    service.metadata.ownerReferences?.[0]?.apiVersion ?? '',
    owner.kind,
    namespace,
    owner.name,
  );
  const created = db?.metadata.creationTimestamp ?? service.metadata.creationTimestamp;
  const started = Date.parse(String(created ?? ''));
  const now = Date.now();
  const key = `${deps.seed}/${namespace}/${owner.kind}/${owner.name}`;
  return simulatedExporterText(engine, key, Number.isFinite(started) ? started : now, now);
}
