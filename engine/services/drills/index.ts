/**
 * Restore drills: for a database (or every database of a project), restore the newest snapshot into
 * a scratch database on the same cluster, verify it, record pass/fail and the measured RTO, and
 * delete the scratch database. Drills and their runs (the last 20 per drill, at most 100 drills)
 * are kept in the store's meta map, so they survive a restart.
 *
 * Verification: the restore operation succeeded and the scratch database reached Ready (KubeDB's
 * own health check of the restored server). The engine has no data path into databases, so a
 * drill's `verify.sql`/`verify.command` is recorded and reported as not run: every run's message
 * says "phase-only".
 */
import { z } from 'zod';
import { ConflictError, EngineError } from '../../base/errors';
import { CronScheduleSchema, IdSchema, dnsLabelSchema, type Database } from '../../domain';
import { shortHash } from '../../kubedb/names';
import type { Grant } from '../auth/access';
import { isoNow, type ServiceContext } from '../context';
import type { DatabaseService } from '../databases';
import type { RestoreService } from '../restore';
import { parseInput } from '../validation';

const KEY = 'restore-drills';
const MAX_DRILLS = 100;
const MAX_RUNS = 20;
const RUN_DEADLINE_MS = 60 * 60_000;
/** The label that marks a scratch database of a drill. */
export const DRILL_LABEL = 'dbaas.kubedb.dev/restore-drill';

export const DrillBodySchema = z
  .object({
    databaseId: IdSchema.optional(),
    project: dnsLabelSchema('project', 63).optional(),
    schedule: CronScheduleSchema,
    verify: z
      .object({
        sql: z
          .string()
          .max(4000, { error: 'verify.sql must be at most 4000 characters' })
          .optional(),
        command: z
          .string()
          .max(4000, { error: 'verify.command must be at most 4000 characters' })
          .optional(),
      })
      .optional(),
  })
  .refine((b) => !!b.databaseId !== !!b.project, {
    error: 'give databaseId or project (exactly one)',
    path: ['databaseId'],
  });

export interface DrillRun {
  startedAt: string;
  finishedAt: string | null;
  passed: boolean | null;
  rtoSeconds: number | null;
  message: string;
  databaseId?: string;
  scratchDatabaseId?: string;
}

export interface Drill {
  id: string;
  databaseId?: string;
  project?: string;
  schedule: string;
  verify?: { sql?: string; command?: string };
  nextRunAt: string | null;
  runs: DrillRun[];
  createdAt: string;
  createdBy?: string;
}

export class DrillService {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly context: ServiceContext,
    private readonly databases: DatabaseService,
    private readonly restore: RestoreService,
  ) {}

  async list(grant?: Grant): Promise<{ items: Drill[] }> {
    const drills = (await this.read()).drills;
    const visible = await Promise.all(drills.map((d) => this.visibleTo(d, grant)));
    return { items: drills.filter((_, i) => visible[i]) };
  }

  /** 404 for a drill of a database (or project) the caller cannot see, as for a missing id. */
  async get(id: string, grant?: Grant): Promise<Drill> {
    const drill = (await this.read()).drills.find((d) => d.id === id);
    if (!drill || !(await this.visibleTo(drill, grant)))
      throw new EngineError('NOT_FOUND', `restore drill ${id} was not found`);
    return drill;
  }

  /**
   * Whether the caller may know of a drill: its database is visible to them; a drill of a project
   * (which names no domain) only to a caller with a global binding.
   */
  private async visibleTo(drill: Drill, grant?: Grant): Promise<boolean> {
    if (!grant || grant.visibleScopes() === undefined) return true;
    if (!drill.databaseId) return false;
    try {
      await this.databases.get(drill.databaseId, grant);
      return true;
    } catch {
      return false;
    }
  }

  /** Records the drill and starts its first run at once (the answer shows it running). */
  async create(
    input: unknown,
    options: { dryRun?: boolean; actor?: string; grant?: Grant } = {},
  ): Promise<Drill> {
    const body = parseInput(DrillBodySchema, input);
    const targets = await this.targets(body, options.grant);
    const drill: Drill = {
      id: options.dryRun ? 'dry-run' : this.context.newId(),
      ...(body.databaseId ? { databaseId: body.databaseId } : {}),
      ...(body.project ? { project: body.project } : {}),
      schedule: body.schedule,
      ...(body.verify ? { verify: body.verify } : {}),
      nextRunAt: null,
      runs: [],
      createdAt: isoNow(this.context),
      ...(options.actor ? { createdBy: options.actor } : {}),
    };
    if (options.dryRun) return drill;
    await this.change((drills) => {
      if (drills.length >= MAX_DRILLS)
        throw new EngineError('LIMIT_EXCEEDED', `at most ${MAX_DRILLS} restore drills`, {
          details: [{ path: '(body)', rule: 'max', message: `at most ${MAX_DRILLS} drills` }],
        });
      return [...drills, drill];
    });
    const run: Promise<void> = this.runAll(drill, targets, options.actor)
      .catch((error: unknown) =>
        this.context.logger.warn(
          { err: error, drillId: drill.id },
          'restore drill run not recorded',
        ),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
    return drill;
  }

  /** Waits for the runs in progress (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async targets(body: z.infer<typeof DrillBodySchema>, grant?: Grant): Promise<Database[]> {
    if (body.databaseId) return [await this.databases.get(body.databaseId, grant)];
    const page = await this.databases.list({ project: body.project }, { limit: 100 }, grant);
    const found = page.items.filter(
      (d) => d.status !== 'DELETED' && !d.labels[DRILL_LABEL] && d.status !== 'DELETING',
    );
    if (found.length === 0)
      throw new EngineError('UNPROCESSABLE', `project ${body.project} has no database to drill`, {
        details: [{ path: 'project', rule: 'has-databases', message: 'no databases' }],
      });
    return found;
  }

  private async runAll(drill: Drill, targets: Database[], actor?: string): Promise<void> {
    for (const database of targets) {
      const run = await this.runOne(drill, database, actor).catch((error: unknown): DrillRun => ({
        startedAt: isoNow(this.context),
        finishedAt: isoNow(this.context),
        passed: false,
        rtoSeconds: null,
        message: error instanceof Error ? error.message : String(error),
        databaseId: database.id,
      }));
      await this.change((drills) =>
        drills.map((d) =>
          d.id === drill.id ? { ...d, runs: [...d.runs, run].slice(-MAX_RUNS) } : d,
        ),
      );
    }
  }

  private async runOne(drill: Drill, database: Database, actor?: string): Promise<DrillRun> {
    const startedAt = isoNow(this.context);
    const name = `${database.name.slice(0, 30)}-drill-${shortHash(`${drill.id}-${startedAt}`).slice(0, 6)}`;
    const started = await this.restore.restore(
      database.id,
      { target: { newName: name } },
      {
        actor: actor ?? 'system:restore-drill',
        targetOverrides: {
          deletionPolicy: 'WipeOut',
          labels: { ...database.labels, [DRILL_LABEL]: drill.id },
        },
      },
    );
    if (!('operation' in started) || !started.database)
      throw new EngineError('INTERNAL', 'the drill restore started no scratch database');
    const scratch = started.database;
    const operation = await this.waitForOperation(started.operation.id);
    const rtoSeconds =
      operation.startedAt && operation.finishedAt
        ? Math.round((Date.parse(operation.finishedAt) - Date.parse(operation.startedAt)) / 1000)
        : null;
    const passed = operation.status === 'SUCCEEDED';
    const verify = drill.verify?.sql ?? drill.verify?.command;
    const message = passed
      ? `restored ${String(operation.params.snapshot)} into ${name} and it became Ready (phase-only${verify ? '; the given verification was not run: the engine has no data path into databases' : ''})`
      : `restore into ${name} failed: ${operation.error?.message ?? operation.status}`;
    await this.databases
      .remove(scratch.id, { actor: actor ?? 'system:restore-drill' })
      .catch((error: unknown) =>
        this.context.logger.warn(
          { err: error, databaseId: scratch.id },
          'drill scratch not removed',
        ),
      );
    return {
      startedAt,
      finishedAt: isoNow(this.context),
      passed,
      rtoSeconds,
      message,
      databaseId: database.id,
      scratchDatabaseId: scratch.id,
    };
  }

  private async waitForOperation(id: string) {
    const deadline = Date.now() + RUN_DEADLINE_MS;
    for (let pause = 200; Date.now() < deadline; pause = Math.min(5_000, pause * 2)) {
      const op = await this.context.store.operations.get(id);
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(op.status)) return op;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    throw new EngineError('UNAVAILABLE', `the drill's restore ${id} did not finish in time`);
  }

  private async read(): Promise<{ drills: Drill[]; revision: number | null }> {
    const entry = await this.context.store.meta.get(KEY);
    return {
      drills: (entry?.value as Drill[] | undefined) ?? [],
      revision: entry?.revision ?? null,
    };
  }

  /** Read-modify-write with compare-and-set, retried when another writer came first. */
  private async change(update: (drills: Drill[]) => Drill[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const { drills, revision } = await this.read();
      try {
        await this.context.store.meta.put(KEY, update(drills), revision);
        return;
      } catch (error) {
        if (attempt >= 10 || !(error instanceof ConflictError)) throw error;
      }
    }
  }
}
