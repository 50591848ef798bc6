/**
 * The loops' unit-test harness: a real SQLite store in a temporary folder, a real event bus, a
 * silent logger, a `FakeClock`, and a cluster client for whatever HTTP server the test brings (the
 * simulator, or a scripted server for answers the simulator never gives).
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { FakeClock } from '../../engine/base/fake-clock';
import { DEFAULT_LIMITS, type EngineEvent } from '../../engine/domain';
import { ClusterClient, createClusterConnector, DAEMON_POLICY } from '../../engine/kube';
import { buildKubeconfig } from '../../sim/index';
import { createLogger } from '../../engine/logging';
import type { LoopContext } from '../../engine/loops/context';
import type { OperationQueue } from '../../engine/queue';
import { openSqliteOperationQueue } from '../../engine/queue/sqlite';
import { createServices, EventBus, type Services } from '../../engine/services';
import type { Store } from '../../engine/store';
import { Fixtures } from '../../engine/store/conformance/fixtures';
import { openSqliteStore } from '../../engine/store/sqlite';
import { openFileVault } from '../../engine/vault/file';

export interface LoopHarness {
  context: LoopContext;
  store: Store;
  clock: FakeClock;
  events: EventBus;
  /** Every event published, in order. */
  published: EngineEvent[];
  fixtures: Fixtures;
  /** How often a loop called `fence()`. */
  fences: number;
  dir: string;
  /** Real services (SQLite queue, file vault) over the same store, built on first use. */
  services(): Promise<Services>;
  /** The SQLite operation queue of `services()` (set once it was called). */
  queue?: OperationQueue;
  close(): Promise<void>;
}

export async function openLoopHarness(
  options: {
    clientFor?: (providerId: string) => Promise<ClusterClient>;
    fence?: () => Promise<void>;
    start?: number;
  } = {},
): Promise<LoopHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'loops-'));
  const store = await openSqliteStore({ file: join(dir, 'engine.sqlite') });
  const clock = new FakeClock(options.start ?? Date.parse('2026-06-01T00:00:00.000Z'));
  const events = new EventBus();
  const published: EngineEvent[] = [];
  const subscription = events.subscribe((event) => void published.push(event));
  const logger = createLogger('silent');
  const closing: (() => Promise<void> | void)[] = [];
  let services: Services | undefined;
  const harness: LoopHarness = {
    store,
    clock,
    events,
    published,
    fixtures: new Fixtures(),
    fences: 0,
    dir,
    context: {
      store,
      events,
      logger,
      clock,
      clientFor:
        options.clientFor ??
        (() => Promise.reject(new Error('this test gave the harness no cluster'))),
      fence: async () => {
        harness.fences += 1;
        await options.fence?.();
      },
    },
    async services() {
      if (services) return services;
      const queue = await openSqliteOperationQueue({ file: join(dir, 'queue.sqlite') });
      harness.queue = queue;
      const vault = await openFileVault({ file: join(dir, 'vault.enc'), keyFile: join(dir, 'k') });
      closing.push(
        () => queue.close(),
        () => vault.close(),
      );
      services = createServices(
        {
          store,
          vault,
          clusters: createClusterConnector(() => new Date(clock.now())),
          logger,
          events,
          limits: DEFAULT_LIMITS,
          kubeconfigPolicy: { ...DAEMON_POLICY, allowPrivateAddresses: true },
          now: () => new Date(clock.now()),
          newId: () => randomUUID(),
        },
        { queue, events },
      );
      return services;
    },
    async close() {
      void subscription.dispose();
      for (const close of closing.reverse()) await close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** An HTTP server that answers every request with `answer`, and the cluster client that reaches it. */
export interface ScriptedCluster {
  client: ClusterClient;
  /** Method and path of every request received. */
  requests: string[];
  stop(): Promise<void>;
}

export async function startScriptedCluster(
  answer: (req: http.IncomingMessage, body: string) => { status: number; body: unknown },
): Promise<ScriptedCluster> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const reply = answer(req, body);
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = buildKubeconfig([{ name: 'scripted', url: `http://127.0.0.1:${port}` }]);
  return {
    client: new ClusterClient(kubeconfig, 'scripted'),
    requests,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Kubernetes `Status` body, as the API server answers a failed request. */
export function kubeStatus(code: number, reason: string, message: string): unknown {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}

/**
 * Steps the fake clock in `stepMs` increments (letting real I/O run in between) until `promise`
 * settles or `timeoutMs` of real time pass — for loop code that waits on the clock between
 * cluster requests.
 */
export async function driveClock<T>(
  clock: FakeClock,
  promise: Promise<T>,
  stepMs = 100,
  timeoutMs = 15_000,
): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  const deadline = Date.now() + timeoutMs;
  while (!settled) {
    if (Date.now() > deadline) throw new Error('timed out driving the fake clock');
    await clock.advance(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return tracked;
}
