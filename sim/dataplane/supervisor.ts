/**
 * The supervisor: one real server process per pod, started through its engine's starter, with a
 * readiness wait bounded by a deadline, bounded restarts with backoff when a process dies on its
 * own (state `failed` after `maxRestarts`), and a graceful stop with a bounded wait, then SIGKILL of
 * the process group. Operations on one instance run one after another.
 */
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type {
  DataPlane,
  InstanceInfo,
  InstanceMetrics,
  InstanceSpec,
  RealEngine,
} from '../core/data-plane';
import type { EngineStarter, InstanceContext } from './engine';
import {
  freePort,
  isRoot,
  lookupUser,
  signalGroup,
  spawnServer,
  waitExit,
  waitUntil,
} from './process';
import { processTreeMetrics } from './proc-metrics';

export interface SupervisorOptions {
  /** Folder of the instance folders (`<namespace>/<pod>`). */
  workDir: string;
  starters: Record<RealEngine, EngineStarter>;
  /** Deadline for a server to answer after it was spawned. Default 60 s. */
  startTimeoutMs?: number;
  /** Bounded wait for a graceful stop before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
  /** Unexpected exits restarted before the instance is `failed`. Default 3. */
  maxRestarts?: number;
  /** First restart delay, doubled per restart. Default 500 ms. */
  restartBackoffMs?: number;
  /** Called once by `close()` after every process stopped (e.g. to remove a temp work dir). */
  onClosed?: () => void;
}

interface Instance {
  key: string;
  spec: InstanceSpec;
  info: InstanceInfo;
  ctx?: InstanceContext;
  child?: ChildProcess;
  /** Whether a stop was asked for (an exit then is not a crash). */
  stopping: boolean;
  restarts: number;
  lastStart: number;
  restartTimer?: ReturnType<typeof setTimeout>;
  chain: Promise<void>;
  shortSocketDir?: string;
  /** A start is in progress (it handles an exit of the process itself). */
  starting: boolean;
}

/** At most `size` holders at once (data directory initialisations are CPU-heavy). */
class Slots {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const SOCKET_MAX = 100;

export class Supervisor implements DataPlane {
  private readonly instances = new Map<string, Instance>();
  private readonly listeners = new Set<(info: InstanceInfo) => void>();
  private closed = false;
  private closing?: Promise<void>;
  private readonly initSlots = new Slots(2);

  constructor(private readonly options: SupervisorOptions) {
    mkdirSync(options.workDir, { recursive: true, mode: 0o755 });
    // The `postgres` user must be able to reach its data directory below the work dir: the work
    // dir and those of its parents that the simulator's user owns get the traverse bit (o+x).
    if (isRoot()) {
      chmodSync(options.workDir, statSync(options.workDir).mode | 0o711);
      for (let dir = dirname(resolve(options.workDir)); dir !== dirname(dir); dir = dirname(dir)) {
        const stat = statSync(dir);
        if (stat.uid === 0 && (stat.mode & 0o001) === 0) chmodSync(dir, stat.mode | 0o011);
      }
    }
  }

  available(engine: RealEngine): boolean {
    const starter = this.options.starters[engine];
    if (!existsSync(starter.binary)) return false;
    return !(starter.needsUser && isRoot() && !lookupUser(starter.needsUser));
  }

  ensure(spec: InstanceSpec): Promise<InstanceInfo> {
    if (this.closed) return Promise.reject(new Error('the data plane is closed'));
    if (spec.standbyOf !== undefined && spec.engine !== 'postgres')
      return Promise.reject(
        new Error(`standbyOf: only PostgreSQL runs standbys, not ${spec.engine}`),
      );
    if (spec.standbyOf === spec.pod)
      return Promise.reject(new Error(`standbyOf: ${spec.pod} cannot be a standby of itself`));
    const key = `${spec.namespace}/${spec.pod}`;
    let inst = this.instances.get(key);
    if (!inst) {
      const starter = this.options.starters[spec.engine];
      inst = {
        key,
        spec,
        info: {
          namespace: spec.namespace,
          database: spec.database,
          kind: spec.kind,
          pod: spec.pod,
          engine: spec.engine,
          state: 'stopped',
          machineVersion: starter.machineVersion(spec, join(this.home(spec), 'data')),
          host: '127.0.0.1',
          port: 0,
          containerPort: starter.containerPort,
          dataDir: join(this.home(spec), 'data'),
          user: spec.user,
          password: spec.password,
          restarts: 0,
          ...(spec.standbyOf ? { standbyOf: spec.standbyOf } : {}),
        },
        stopping: false,
        restarts: 0,
        lastStart: 0,
        chain: Promise.resolve(),
        starting: false,
      };
      this.instances.set(key, inst);
    } else {
      inst.spec = spec;
      const { standbyOf: _was, ...rest } = inst.info;
      void _was;
      inst.info = { ...rest, ...(spec.standbyOf ? { standbyOf: spec.standbyOf } : {}) };
    }
    const target = inst;
    return this.enqueue(target, async () => {
      if (target.child && target.info.state !== 'failed') return;
      if (target.info.state === 'failed') target.restarts = 0;
      target.stopping = false;
      await this.start(target);
    }).then(() => ({ ...target.info }));
  }

  stop(namespace: string, pod: string): Promise<void> {
    const inst = this.instances.get(`${namespace}/${pod}`);
    if (!inst) return Promise.resolve();
    inst.stopping = true;
    if (inst.restartTimer) clearTimeout(inst.restartTimer);
    return this.enqueue(inst, () => this.stopProcess(inst));
  }

  async remove(namespace: string, pod: string): Promise<void> {
    const inst = this.instances.get(`${namespace}/${pod}`);
    if (!inst) return;
    await this.stop(namespace, pod);
    await this.enqueue(inst, () => {
      rmSync(this.home(inst.spec), { recursive: true, force: true });
      if (inst.shortSocketDir) rmSync(inst.shortSocketDir, { recursive: true, force: true });
      this.instances.delete(inst.key);
      return Promise.resolve();
    });
  }

  /** Kills the server (SIGKILL to its group) as a crash would; it is restarted like a pod. */
  crash(namespace: string, pod: string): void {
    const inst = this.instances.get(`${namespace}/${pod}`);
    if (inst?.child?.pid) signalGroup(inst.child.pid, 'SIGKILL');
  }

  instance(namespace: string, pod: string): InstanceInfo | undefined {
    const inst = this.instances.get(`${namespace}/${pod}`);
    return inst ? { ...inst.info } : undefined;
  }

  instanceOfDatabase(namespace: string, kind: string, database: string): InstanceInfo | undefined {
    const all = [...this.instances.values()].filter(
      (i) => i.spec.namespace === namespace && i.spec.kind === kind && i.spec.database === database,
    );
    // Backups, PITR and the exporter talk to the primary; a standby only when no primary is known.
    const primaries = all.filter((i) => !i.spec.standbyOf);
    const matching = primaries.length > 0 ? primaries : all;
    const best = matching.find((i) => i.info.state === 'running') ?? matching[0];
    return best ? { ...best.info } : undefined;
  }

  list(): InstanceInfo[] {
    return [...this.instances.values()].map((i) => ({ ...i.info }));
  }

  metrics(namespace: string, pod: string): Promise<InstanceMetrics | undefined> {
    const pid = this.instances.get(`${namespace}/${pod}`)?.child?.pid;
    // The server and its children (PostgreSQL backends), shared pages counted once (proc-metrics.ts).
    return pid ? processTreeMetrics(pid) : Promise.resolve(undefined);
  }

  onChange(listener: (info: InstanceInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await Promise.all(
        [...this.instances.values()].map((inst) => {
          inst.stopping = true;
          if (inst.restartTimer) clearTimeout(inst.restartTimer);
          return this.enqueue(inst, () => this.stopProcess(inst));
        }),
      );
      for (const inst of this.instances.values())
        if (inst.shortSocketDir) rmSync(inst.shortSocketDir, { recursive: true, force: true });
      this.listeners.clear();
      this.options.onClosed?.();
    })();
    return this.closing;
  }

  private home(spec: InstanceSpec): string {
    return join(this.options.workDir, spec.namespace, spec.pod);
  }

  private enqueue(inst: Instance, op: () => Promise<void>): Promise<void> {
    const next = inst.chain.then(op);
    inst.chain = next.catch(() => undefined);
    return next;
  }

  private emit(inst: Instance, patch: Partial<InstanceInfo>): void {
    inst.info = { ...inst.info, ...patch };
    if (patch.state !== 'failed' && !('message' in patch)) delete inst.info.message;
    const copy = { ...inst.info };
    for (const listener of this.listeners) {
      try {
        listener(copy);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private context(inst: Instance, port: number): InstanceContext {
    const starter = this.options.starters[inst.spec.engine];
    const home = this.home(inst.spec);
    const runAs = starter.needsUser && isRoot() ? lookupUser(starter.needsUser) : undefined;
    mkdirSync(home, { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    let socketDir = join(home, 'run');
    const socketName = starter.socketIsDir ? `.s.PGSQL.${port}` : 'mysqld.sock';
    if (join(socketDir, socketName).length > SOCKET_MAX) {
      inst.shortSocketDir ??= mkdtempSync(join(tmpdir(), 'ksim-'));
      socketDir = inst.shortSocketDir;
    }
    mkdirSync(socketDir, { recursive: true, mode: 0o755 });
    chmodSync(socketDir, 0o755);
    if (runAs) chownSync(socketDir, runAs.uid, runAs.gid);
    return {
      spec: inst.spec,
      home,
      dataDir: join(home, 'data'),
      socket: starter.socketIsDir ? socketDir : join(socketDir, socketName),
      port,
      logFile: join(home, 'server.log'),
      ...(runAs ? { runAs } : {}),
    };
  }

  private async start(inst: Instance): Promise<void> {
    if (this.closed || inst.stopping) return;
    const starter = this.options.starters[inst.spec.engine];
    inst.lastStart = Date.now();
    inst.starting = true;
    this.emit(inst, { state: 'starting', user: inst.spec.user, password: inst.spec.password });
    let child: ChildProcess | undefined;
    try {
      const primary = this.primaryOf(inst);
      const port = await freePort(inst.info.port || undefined);
      const ctx = { ...this.context(inst, port), ...(primary ? { primary } : {}) };
      inst.ctx = ctx;
      // A data directory counts only once its initialisation finished (a half-done one is redone).
      const initialized = join(ctx.home, 'initialized');
      if (!existsSync(initialized)) {
        await this.initSlots.run(async () => {
          rmSync(ctx.dataDir, { recursive: true, force: true });
          rmSync(join(ctx.home, 'init-scripts.done'), { force: true });
          await starter.initialize(ctx);
        });
        writeFileSync(initialized, `${new Date().toISOString()}\n`);
      }
      const command = starter.command(ctx);
      child = spawnServer({
        command: command.command,
        args: command.args,
        logFile: ctx.logFile,
        ...(command.env ? { env: command.env } : {}),
        ...(ctx.runAs ? { runAs: ctx.runAs } : {}),
      });
      const spawned = child;
      inst.child = spawned;
      spawned.on('error', () => undefined);
      spawned.once('exit', (code, signal) => this.onExit(inst, spawned, code, signal));
      this.emit(inst, {
        port,
        // What runs, after initialisation (a data directory pins the version that created it).
        machineVersion: starter.machineVersion(inst.spec, ctx.dataDir),
        dataDir: ctx.dataDir,
        socket: ctx.socket,
        ...(spawned.pid ? { pid: spawned.pid } : {}),
      });
      await waitUntil(() => starter.probe(ctx), {
        deadlineMs: this.options.startTimeoutMs ?? 60_000,
        alive: () =>
          !inst.stopping &&
          inst.child === spawned &&
          spawned.exitCode === null &&
          !spawned.signalCode,
        what: `${inst.spec.engine} ${inst.key}`,
      });
      // A standby is read-only: its role, password and init scripts arrive with the primary's WAL.
      if (!primary) await starter.configure(ctx);
      const marker = join(ctx.home, 'init-scripts.done');
      if (!primary && !existsSync(marker)) {
        await starter.runInitScripts(ctx, inst.spec.initScripts ?? []);
        writeFileSync(marker, `${new Date().toISOString()}\n`);
      }
      if (inst.child !== spawned || inst.stopping) return;
      inst.starting = false;
      this.emit(inst, { state: 'running', startedAt: new Date().toISOString() });
    } catch (error) {
      inst.starting = false;
      if (inst.stopping || this.closed) return;
      const message = (error as Error).message;
      if (child?.pid && inst.child === child) {
        inst.child = undefined;
        signalGroup(child.pid, 'SIGKILL');
      }
      this.scheduleRestart(inst, message);
    }
  }

  /** The primary's address and replication user of a standby; throws while it does not run. */
  private primaryOf(inst: Instance): InstanceContext['primary'] {
    const of = inst.spec.standbyOf;
    if (!of) return undefined;
    const primary = this.instances.get(`${inst.spec.namespace}/${of}`);
    if (!primary || primary.info.state !== 'running' || primary.spec.standbyOf)
      throw new Error(`waiting for the primary ${of} to run`);
    const { host, port, user, password } = primary.info;
    return { host, port, user, password };
  }

  private onExit(
    inst: Instance,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (child.pid) signalGroup(child.pid, 'SIGKILL'); // what it forked goes with it
    if (inst.child !== child) return;
    inst.child = undefined;
    const { pid: _pid, ...rest } = inst.info;
    void _pid;
    inst.info = rest;
    if (inst.stopping || this.closed || inst.starting) return;
    this.scheduleRestart(inst, `exited unexpectedly (${signal ?? `code ${String(code)}`})`);
  }

  private scheduleRestart(inst: Instance, reason: string): void {
    if (Date.now() - inst.lastStart > 60_000) inst.restarts = 0;
    inst.restarts += 1;
    const max = this.options.maxRestarts ?? 3;
    if (inst.restarts > max) {
      this.emit(inst, {
        state: 'failed',
        message: `${reason}; gave up after ${max} restarts`,
      });
      return;
    }
    this.emit(inst, {
      state: 'starting',
      message: `restarting: ${reason}`,
      restarts: (inst.info.restarts ?? 0) + 1,
    });
    const delay = (this.options.restartBackoffMs ?? 500) * 2 ** (inst.restarts - 1);
    inst.restartTimer = setTimeout(() => {
      inst.restartTimer = undefined;
      void this.enqueue(inst, () => this.start(inst)).catch(() => undefined);
    }, delay);
  }

  private async stopProcess(inst: Instance): Promise<void> {
    const child = inst.child;
    if (child?.pid) {
      const starter = this.options.starters[inst.spec.engine];
      signalGroup(child.pid, starter.stopSignal);
      if (!(await waitExit(child, this.options.stopTimeoutMs ?? 15_000))) {
        signalGroup(child.pid, 'SIGKILL');
        await waitExit(child, 5000);
      }
      signalGroup(child.pid, 'SIGKILL');
    }
    inst.child = undefined;
    const { pid: _pid, ...rest } = inst.info;
    void _pid;
    inst.info = rest;
    if (inst.info.state !== 'stopped') this.emit(inst, { state: 'stopped' });
  }
}

/** A fresh work dir under the system temp dir (traversable by the `postgres` user). */
export function tempWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubedb-sim-data-'));
  chmodSync(dir, 0o755);
  return dir;
}
