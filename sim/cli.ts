/**
 * Starts simulated KubeDB clusters from the command line:
 *
 *   npm run sim -- --clusters 2 --port 16443 --crds ../shared/kubedb/crds \
 *     --kubeconfig-out sim.kubeconfig --speed 1 --databases 6 --seed 1
 *
 * Without --crds the CRD folder is found as sim/crds.ts says (KUBEDB_CRDS_DIR, then
 * ../shared/kubedb/crds beside the checkout), else the built-in permissive kinds are used.
 * Prints `sim ready: NAME URL` per cluster, writes one kubeconfig with a context per cluster (the
 * first is current), and stops cleanly on SIGINT / SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { crdsOrBuiltIn } from './crds';
import { buildKubeconfig, startSimCluster, type SimCluster } from './index';

interface CliOptions {
  clusters: number;
  port: number;
  host: string;
  crds?: string;
  kubeconfigOut?: string;
  speed: number;
  databases: number;
  seed: number;
  latencyMs: number;
  jitterMs: number;
  errorRate: number;
  dropWatchesEverySeconds: number;
  dataPlane: 'real' | 'simulated';
  dataPlaneDir?: string;
}

function usage(): string {
  return [
    'usage: tsx sim/cli.ts [--clusters N] [--port P] [--host H] [--crds DIR] [--kubeconfig-out FILE] [--speed F] [--databases K] [--seed S]',
    '                      [--latency MS] [--jitter MS] [--error-rate R] [--drop-watches-every S]',
    '                      [--data-plane real|simulated] [--data-plane-dir DIR]',
    '       tsx sim/cli.ts fault URL JSON            (API faults of a running cluster, e.g. \'{"latencyMs":200}\')',
    '       tsx sim/cli.ts fault URL ACTION JSON     (operator faults: crash-pod, down-database, fail-next-ops, ...)',
  ].join('\n');
}

function parse(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      clusters: { type: 'string', default: '1' },
      port: { type: 'string', default: '16443' },
      host: { type: 'string', default: '127.0.0.1' },
      crds: { type: 'string' },
      'kubeconfig-out': { type: 'string' },
      speed: { type: 'string', default: '1' },
      databases: { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      latency: { type: 'string', default: '0' },
      jitter: { type: 'string', default: '0' },
      'error-rate': { type: 'string', default: '0' },
      'drop-watches-every': { type: 'string', default: '0' },
      'data-plane': { type: 'string', default: 'simulated' },
      'data-plane-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    process.exit(0);
  }
  const num = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`--${name} must be a number >= ${min}, got "${text}"`);
    return n;
  };
  const dataPlane = values['data-plane'];
  if (dataPlane !== 'real' && dataPlane !== 'simulated')
    throw new Error(`--data-plane must be "real" or "simulated", got "${dataPlane}"`);
  return {
    dataPlane,
    ...(values['data-plane-dir'] ? { dataPlaneDir: values['data-plane-dir'] } : {}),
    clusters: Math.floor(num('clusters', values.clusters, 1)),
    port: Math.floor(num('port', values.port, 0)),
    host: values.host,
    crds: values.crds,
    kubeconfigOut: values['kubeconfig-out'],
    speed: num('speed', values.speed, 0.01),
    databases: Math.floor(num('databases', values.databases, 0)),
    seed: Math.floor(num('seed', values.seed, 0)),
    latencyMs: num('latency', values.latency, 0),
    jitterMs: num('jitter', values.jitter, 0),
    errorRate: Math.min(1, num('error-rate', values['error-rate'], 0)),
    dropWatchesEverySeconds: num('drop-watches-every', values['drop-watches-every'], 0),
  };
}

/** Faults given on the command line hold from the start, for every cluster. */
function applyStartupFaults(cluster: SimCluster, options: CliOptions): void {
  if (options.latencyMs > 0) cluster.faults.setLatency(options.latencyMs, options.jitterMs);
  if (options.errorRate > 0)
    cluster.faults.setErrors({
      rate: options.errorRate,
      statuses: [500, 503, 429],
      retryAfterSeconds: 1,
    });
  if (options.dropWatchesEverySeconds > 0)
    cluster.faults.dropWatchesEvery(options.dropWatchesEverySeconds);
}

/**
 * `fault URL JSON` sets API faults of a running cluster (`/_sim/faults`, e.g. '{"latencyMs":200}');
 * `fault URL ACTION JSON` calls an operator fault (`/_sim/operator/ACTION`, e.g. crash-pod).
 */
async function fault(args: string[]): Promise<void> {
  const [url, second, third] = args;
  if (!url || !second) {
    process.stderr.write('usage: tsx sim/cli.ts fault URL JSON | fault URL ACTION JSON\n');
    process.exit(2);
  }
  const path = third === undefined ? '/_sim/faults' : `/_sim/operator/${second}`;
  const body = third ?? second;
  const response = await fetch(`${url.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  process.stdout.write(`${response.status} ${await response.text()}\n`);
  process.exit(response.ok ? 0 : 1);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'fault') return fault(process.argv.slice(3));
  let options: CliOptions;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage()}\n`);
    process.exit(2);
  }
  let crds: { crdsDir?: string; notice?: string };
  try {
    crds = crdsOrBuiltIn({ flag: options.crds, env: process.env });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  if (crds.notice) process.stderr.write(`${crds.notice}\n`);
  const clusters: SimCluster[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(clusters.map((c) => c.stop()));
  };
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`sim stopping (${signal})\n`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  try {
    for (let i = 0; i < options.clusters; i++) {
      // Spread the sample databases over the clusters, the first ones getting the remainder.
      const share =
        Math.floor(options.databases / options.clusters) +
        (i < options.databases % options.clusters ? 1 : 0);
      const cluster = await startSimCluster({
        name: `sim-${i + 1}`,
        port: options.port === 0 ? 0 : options.port + i,
        host: options.host,
        speed: options.speed,
        seed: options.seed + i,
        databases: share,
        dataPlane: options.dataPlane,
        ...(options.dataPlaneDir ? { dataPlaneDir: `${options.dataPlaneDir}/sim-${i + 1}` } : {}),
        ...(crds.crdsDir ? { crdsDir: crds.crdsDir } : {}),
      });
      clusters.push(cluster);
      applyStartupFaults(cluster, options);
      process.stdout.write(`sim ready: ${cluster.name} ${cluster.url}\n`);
    }
    if (options.kubeconfigOut) {
      writeFileSync(
        options.kubeconfigOut,
        buildKubeconfig(clusters.map((c) => ({ name: c.name, url: c.url }))),
        { mode: 0o600 },
      );
      process.stdout.write(`sim kubeconfig: ${options.kubeconfigOut}\n`);
    }
  } catch (error) {
    process.stderr.write(`sim failed to start: ${(error as Error).message}\n`);
    await stopAll();
    process.exit(1);
  }
}

void main();
