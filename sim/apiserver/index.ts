/**
 * The simulated Kubernetes API server: an HTTP server (Node `http`) over `ClusterState`, serving
 * discovery, built-in kinds, CRD-defined kinds, watches and the `/_sim/` admin endpoints.
 */
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ClusterState, KubeObject } from '../core/contract';
import type { DataPlane } from '../core/data-plane';
import { builtinResourceTypes } from './builtin-kinds';
import { SimClusterState } from './cluster-state';
import type { OpenWatch, ServerDeps } from './context';
import { minimalCrds, readCrdDir, typeFromCrd } from './crds';
import { FaultController, type ApiFaults } from './faults';
import { PortForwards } from './portforward';
import { ResourceRegistry, resourceKey } from './resource-types';
import { createRouter, type AdminHandler } from './router';
import { WatchHub } from './watch-hub';

export type { ApiFaults, ErrorRule, FaultSnapshot } from './faults';

/** Options of `createKubeApiServer`. */
export interface KubeApiServerOptions {
  /** Install every CRD found in the YAML files of this folder; without it, minimal permissive ones. */
  crdsDir?: string;
  name?: string;
  /** Events kept per resource for watch resume; older -> 410 Gone. Default 1000. */
  watchHistory?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 10 s. */
  bookmarkIntervalMs?: number;
  /** Seed of generated names, metrics and fault dice. */
  seed?: number;
  /** Real database processes behind some pods (port-forward, service proxy, metrics reach them). */
  dataPlane?: DataPlane;
}

/** A running (or ready to listen) simulated API server. */
export interface KubeApiServer {
  state: ClusterState;
  faults: ApiFaults;
  /** Composition adds routes under /_sim/ (operator faults); return undefined when not handled. */
  setAdminHandler(h: AdminHandler): void;
  /** Listens and resolves to the URL, e.g. http://127.0.0.1:PORT. */
  listen(port: number, host?: string): Promise<string>;
  /** Ends watches, closes sockets, resolves when closed. */
  close(): Promise<void>;
  /** How many watch streams are open now (for tests that must wait until a client watches). */
  openWatchCount(): number;
  /** Open port-forward connections and their TCP sockets to database processes (for tests). */
  portForwardCount(): { connections: number; sockets: number };
}

const crdCache = new Map<string, KubeObject[]>();

/** Parsed CRDs of a folder, parsed once per process (the KubeDB set is ~10 MB of YAML). */
function crdsOf(dir: string): KubeObject[] {
  let crds = crdCache.get(dir);
  if (!crds) {
    crds = readCrdDir(dir);
    crdCache.set(dir, crds);
  }
  return crds;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Creates the server with its state; nothing listens until `listen`. */
export function createKubeApiServer(options: KubeApiServerOptions = {}): KubeApiServer {
  const seed = options.seed ?? 1;
  const registry = new ResourceRegistry();
  for (const t of builtinResourceTypes()) registry.add(t);
  const hub = new WatchHub(options.watchHistory ?? 1000);
  const watches = new Set<OpenWatch>();
  const sockets = new Set<Socket>();
  const endWatches = () => {
    for (const w of [...watches]) w.end();
  };

  const state: SimClusterState = new SimClusterState(registry, hub, seed, (crd, removed) => {
    if (removed) {
      const t = typeFromCrd(crd);
      registry.remove(t.group, t.plural);
      state.store.dropResource(resourceKey(t));
      hub.drop(resourceKey(t));
    } else {
      registry.add(typeFromCrd(crd));
    }
  });
  for (const name of SYSTEM_NAMESPACES) {
    state.create(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { skipAdmission: true },
    );
  }
  for (const crd of options.crdsDir ? crdsOf(options.crdsDir) : minimalCrds())
    state.create(crd, { skipAdmission: true });

  const adminSockets = new WeakSet<Socket>();
  const faults = new FaultController(
    {
      dropWatches: endWatches,
      unreachable: (on) => {
        if (!on) return;
        endWatches();
        // The socket that carries the admin call itself stays, so that its answer arrives.
        for (const s of sockets) if (!adminSockets.has(s)) s.destroy();
      },
    },
    seed,
  );
  let admin: AdminHandler | undefined;
  const deps: ServerDeps = {
    state,
    registry,
    hub,
    faults,
    watches,
    seed,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
    ...(options.dataPlane ? { dataPlane: options.dataPlane } : {}),
  };
  const forwards = new PortForwards(deps);
  const route = createRouter(deps, () => admin, forwards);
  let server: Server | undefined;

  return {
    state,
    faults,
    openWatchCount: () => watches.size,
    portForwardCount: () => ({
      connections: forwards.openConnections,
      sockets: forwards.sockets.size,
    }),
    setAdminHandler(h) {
      admin = h;
    },
    listen(port, host = '127.0.0.1') {
      const srv = createServer((req, res) => {
        // The `/_sim/` admin endpoints stay reachable, so that the fault can be switched off again.
        const isAdmin = (req.url ?? '').startsWith('/_sim/');
        if (faults.unreachable && !isAdmin) {
          req.socket.destroy();
          return;
        }
        if (isAdmin) {
          adminSockets.add(req.socket);
          res.once('finish', () => adminSockets.delete(req.socket));
        }
        void route(req, res);
      });
      // Protocol upgrades (pods/portforward; exec and attach get their Status) go through the
      // router with a response bound to the raw socket, so faults and errors apply as to any call.
      srv.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
        if (faults.unreachable) {
          socket.destroy();
          return;
        }
        socket.on('error', () => socket.destroy());
        const res = new ServerResponse(req);
        res.shouldKeepAlive = false;
        res.assignSocket(socket);
        res.once('finish', () => socket.end());
        void route(req, res, { socket, head });
      });
      srv.keepAliveTimeout = 30_000;
      srv.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      server = srv;
      return new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, host, () => {
          const addr = srv.address();
          const p = typeof addr === 'object' && addr ? addr.port : port;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${p}`);
        });
      });
    },
    close() {
      faults.dispose();
      endWatches();
      forwards.closeAll();
      const srv = server;
      server = undefined;
      if (!srv) return Promise.resolve();
      return new Promise<void>((resolve) => {
        srv.close(() => resolve());
        for (const s of sockets) s.destroy();
        srv.closeAllConnections();
      });
    },
  };
}
