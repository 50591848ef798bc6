/**
 * One simulated KubeDB-equipped Kubernetes cluster: the API server, the KubeDB/KubeStash operators,
 * the catalog, optional sample databases, and `/_sim/operator/*` admin routes for operator faults.
 */
import { createKubeApiServer } from './apiserver/index';
import type { ApiFaults } from './apiserver/index';
import type { ClusterState, OperatorFaults } from './core/contract';
import type { DataPlane } from './core/data-plane';
import { createDataPlane, type DataPlaneOptions } from './dataplane/index';
import { installCatalog, startOperator } from './operator/index';
import { createSampleDatabases } from './operator/samples';

export type { ApiFaults } from './apiserver/index';
export type { ClusterState, OperatorFaults } from './core/contract';
export type { DataPlane, InstanceInfo } from './core/data-plane';

/** Options of `startSimCluster`. */
export interface SimClusterOptions {
  /** Cluster (and kubeconfig context) name. Default "sim". */
  name?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Install the CRDs of this folder (e.g. shared/kubedb/crds); default: built-in permissive ones. */
  crdsDir?: string;
  /** Lifecycle speed-up: 1 is realistic seconds, 100 is a hundred times faster. Default 1. */
  speed?: number;
  seed?: number;
  /** How many sample databases to create in the `demo` namespace (mixed engines). Default 0. */
  databases?: number;
  /**
   * `real`: the primary pod of each Postgres, MySQL, MariaDB and Redis runs a real server process
   * (PostgreSQL 15, MariaDB 10.11, Redis 7 from this machine); other engines stay simulated.
   * Default `simulated` (scale runs).
   */
  dataPlane?: 'real' | 'simulated';
  /** Where real instances keep their data; default a temp folder removed by `stop()`. */
  dataPlaneDir?: string;
  /** More options of the real data plane (e.g. `postgres.extraSettings`, timeouts). */
  dataPlaneOptions?: Omit<DataPlaneOptions, 'workDir'>;
}

/** A running simulated cluster. */
export interface SimCluster {
  name: string;
  url: string;
  /** Kubeconfig YAML with one context named after the cluster (plain HTTP, insecure-skip-tls-verify). */
  kubeconfig: string;
  faults: ApiFaults & OperatorFaults;
  state: ClusterState;
  /** The real data plane, when started with `dataPlane: 'real'`. */
  dataPlane?: DataPlane;
  stop(): Promise<void>;
}

/** Kubeconfig YAML for several clusters; the first is the current context. */
export function buildKubeconfig(clusters: { name: string; url: string }[]): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of clusters)
    lines.push(
      `- name: ${c.name}`,
      '  cluster:',
      `    server: ${c.url}`,
      '    insecure-skip-tls-verify: true',
    );
  lines.push('users:');
  for (const c of clusters)
    lines.push(`- name: ${c.name}-admin`, '  user:', `    token: ${c.name}-token`);
  lines.push('contexts:');
  for (const c of clusters)
    lines.push(
      `- name: ${c.name}`,
      '  context:',
      `    cluster: ${c.name}`,
      `    user: ${c.name}-admin`,
      '    namespace: default',
    );
  lines.push(`current-context: ${clusters[0]?.name ?? ''}`, 'preferences: {}', '');
  return lines.join('\n');
}

function combineFaults(api: ApiFaults, operator: OperatorFaults): ApiFaults & OperatorFaults {
  const out: Record<string, unknown> = {};
  // ApiFaults is a class instance: bind its prototype methods rather than spreading own fields.
  for (
    let proto: object | null = api;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const value = (api as unknown as Record<string, unknown>)[key];
      if (key !== 'constructor' && typeof value === 'function' && !(key in out))
        out[key] = (value as (...a: unknown[]) => unknown).bind(api);
    }
  }
  return Object.assign(out, operator) as unknown as ApiFaults & OperatorFaults;
}

/** On a real data plane, crashing a real pod kills its process (restarted like a container). */
function withRealCrashes(faults: OperatorFaults, dataPlane: DataPlane | undefined): OperatorFaults {
  if (!dataPlane?.crash) return faults;
  const crash = dataPlane.crash.bind(dataPlane);
  return {
    ...faults,
    crashPod(namespace, pod) {
      const direct = dataPlane.instance(namespace, pod);
      const byDatabase = dataPlane
        .list()
        .find((i) => i.namespace === namespace && i.database === pod && i.state === 'running');
      const target = direct ?? byDatabase;
      if (target) crash(namespace, target.pod);
      else faults.crashPod(namespace, pod);
    },
  };
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new Error(`"${key}" is required`);
  return v;
}

/** Routes `/_sim/operator/<action>` (POST, JSON body) to the operator faults. */
function operatorAdmin(faults: OperatorFaults) {
  return async (
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: unknown } | undefined> => {
    if (!path.startsWith('/_sim/operator')) return undefined;
    const action = path.slice('/_sim/operator/'.length);
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (method !== 'POST') return { status: 405, body: { message: 'use POST with a JSON body' } };
    try {
      switch (action) {
        case 'crash-pod':
          faults.crashPod(str(b, 'namespace'), str(b, 'pod'));
          break;
        case 'recover-pod':
          faults.recoverPod(str(b, 'namespace'), str(b, 'pod'));
          break;
        case 'down-database':
          faults.downDatabase(str(b, 'kind'), str(b, 'namespace'), str(b, 'name'));
          break;
        case 'recover-database':
          faults.recoverDatabase(str(b, 'kind'), str(b, 'namespace'), str(b, 'name'));
          break;
        case 'fail-next-ops':
          faults.failNextOpsRequest(
            str(b, 'namespace'),
            str(b, 'database'),
            typeof b.reason === 'string' ? b.reason : undefined,
          );
          break;
        case 'stick-next-ops':
          faults.stickNextOpsRequest(str(b, 'namespace'), str(b, 'database'));
          break;
        default:
          return {
            status: 404,
            body: {
              message: `unknown operator fault "${action}"`,
              actions: [
                'crash-pod',
                'recover-pod',
                'down-database',
                'recover-database',
                'fail-next-ops',
                'stick-next-ops',
              ],
            },
          };
      }
    } catch (error) {
      return { status: 400, body: { message: (error as Error).message } };
    }
    return { status: 200, body: { ok: true } };
  };
}

/** Starts a simulated cluster and resolves once it listens. */
export async function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
  const name = options.name ?? 'sim';
  const seed = options.seed ?? 1;
  const dataPlane =
    options.dataPlane === 'real'
      ? createDataPlane({
          ...options.dataPlaneOptions,
          ...(options.dataPlaneDir ? { workDir: options.dataPlaneDir } : {}),
        })
      : undefined;
  const server = createKubeApiServer({
    name,
    seed,
    ...(options.crdsDir ? { crdsDir: options.crdsDir } : {}),
    ...(dataPlane ? { dataPlane } : {}),
  });
  installCatalog(server.state);
  const operator = startOperator(server.state, {
    speed: options.speed ?? 1,
    seed,
    ...(dataPlane ? { dataPlane } : {}),
  });
  const operatorFaults = withRealCrashes(operator.faults, dataPlane);
  server.setAdminHandler(operatorAdmin(operatorFaults));
  let url: string;
  try {
    url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (error) {
    operator.stop();
    await dataPlane?.close();
    await server.close();
    throw error;
  }
  if (options.databases) createSampleDatabases(server.state, options.databases);
  let stopped: Promise<void> | undefined;
  return {
    name,
    url,
    kubeconfig: buildKubeconfig([{ name, url }]),
    faults: combineFaults(server.faults, operatorFaults),
    state: server.state,
    ...(dataPlane ? { dataPlane } : {}),
    stop() {
      stopped ??= (async () => {
        operator.stop();
        await dataPlane?.close();
        await server.close();
      })();
      return stopped;
    },
  };
}
