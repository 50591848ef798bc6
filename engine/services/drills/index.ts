/**
 * Restore drills: for a database (or every database of a project), restore the newest snapshot into
 * a scratch database on the same cluster, verify it through the data path (run.ts,
 * verification.ts), record pass/fail and the measured RTO, and delete the scratch database. Drills
 * and their runs (the last 20 per drill, at most 100 drills) are kept in the store's meta map, so
 * they survive a restart; a drill's schedule is run by the drill scheduler loop, which starts a run
 * through `startScheduled` (at most one run per drill at a time, across engine instances).
 */
import { z } from 'zod';
import { ConflictError, EngineError, ValidationError } from '../../base/errors';
import { parseRedisCommand, type DataVerifiers } from '../../dataplane';
import { CronScheduleSchema, IdSchema, dnsLabelSchema, type Database } from '../../domain';
import type { Grant } from '../auth/access';
import { nextCronRun } from '../backups/cron';
import { isoNow, type ServiceContext } from '../context';
import type { DatabaseService } from '../databases';
import type { ProviderService } from '../providers';
import type { RestoreService } from '../restore';
import { parseInput } from '../validation';
import { DRILL_LABEL, runDrillOnce, type DrillRun, type DrillRunDeps } from './run';

export { DRILL_LABEL, type DrillRun } from './run';

const KEY = 'restore-drills';
const MAX_DRILLS = 100;
const MAX_RUNS = 20;
/** A run marked in progress longer than this is taken as lost (its engine stopped mid-way). */
const RUN_STALE_MS = 2 * 60 * 60_000;

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

export interface Drill {
  id: string;
  databaseId?: string;
  project?: string;
  schedule: string;
  verify?: { sql?: string; command?: string };
  nextRunAt: string | null;
  /** When the run in progress started (any engine instance); null when none runs. */
  runningSince?: string | null;
  runs: DrillRun[];
  createdAt: string;
  createdBy?: string;
}

export class DrillService {
  private readonly running = new Set<Promise<void>>();
  private readonly deps: DrillRunDeps;

  constructor(
    private readonly context: ServiceContext,
    private readonly databases: DatabaseService,
    restore: RestoreService,
    providers: ProviderService,
    verifiers: DataVerifiers = {},
  ) {
    this.deps = { context, databases, restore, providers, verifiers };
  }

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
    checkVerification(body.verify, targets);
    const now = isoNow(this.context);
    const drill: Drill = {
      id: options.dryRun ? 'dry-run' : this.context.newId(),
      ...(body.databaseId ? { databaseId: body.databaseId } : {}),
      ...(body.project ? { project: body.project } : {}),
      schedule: body.schedule,
      ...(body.verify ? { verify: body.verify } : {}),
      nextRunAt: nextCronRun(body.schedule, this.context.now())?.toISOString() ?? null,
      runningSince: options.dryRun ? null : now,
      runs: [],
      createdAt: now,
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
    this.launch(drill, targets, options.actor);
    return drill;
  }

  /** Every drill, for the scheduler (no grant: the loop acts for the system). */
  async all(): Promise<Drill[]> {
    return (await this.read()).drills;
  }

  /**
   * A scheduled run: records `nextRunAt` and, unless a run of the drill is in progress (on any
   * engine instance; one older than 2 h is taken as lost), marks it running and starts it. Answers
   * whether it started. A drill whose databases are gone records a failed run saying so.
   */
  async startScheduled(id: string, nextRunAt: string | null): Promise<boolean> {
    const now = this.context.now();
    let claimed: Drill | undefined;
    await this.change((drills) => {
      claimed = undefined;
      return drills.map((d) => {
        if (d.id !== id) return d;
        const busy = !!d.runningSince && now.getTime() - Date.parse(d.runningSince) < RUN_STALE_MS;
        if (busy) return { ...d, nextRunAt };
        claimed = { ...d, nextRunAt, runningSince: now.toISOString() };
        return claimed;
      });
    });
    if (!claimed) return false;
    const drill = claimed;
    const targets = await this.targets(drill).catch(async (error: unknown) => {
      await this.record(drill.id, [failedRun(this.context, error, drill.databaseId)]);
      return [];
    });
    if (targets.length > 0) this.launch(drill, targets, 'system:drill-scheduler');
    return true;
  }

  /** Records when a drill runs next (the scheduler), without running it. */
  async setNextRun(id: string, nextRunAt: string | null): Promise<void> {
    await this.change((drills) => drills.map((d) => (d.id === id ? { ...d, nextRunAt } : d)));
  }

  /** Runs of this engine instance in progress. */
  get runsInProgress(): number {
    return this.running.size;
  }

  /** Waits for the runs in progress (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private launch(drill: Drill, targets: Database[], actor?: string): void {
    const run: Promise<void> = this.runAll(drill, targets, actor)
      .catch((error: unknown) =>
        this.context.logger.warn(
          { err: error, drillId: drill.id },
          'restore drill run not recorded',
        ),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async targets(
    body: { databaseId?: string; project?: string },
    grant?: Grant,
  ): Promise<Database[]> {
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
    try {
      for (const database of targets) {
        const run = await runDrillOnce(this.deps, drill, database, actor).catch(
          (error: unknown): DrillRun => failedRun(this.context, error, database.id),
        );
        await this.record(drill.id, [run]);
      }
    } finally {
      await this.change((drills) =>
        drills.map((d) => (d.id === drill.id ? { ...d, runningSince: null } : d)),
      );
    }
  }

  private async record(id: string, runs: DrillRun[]): Promise<void> {
    await this.change((drills) =>
      drills.map((d) => (d.id === id ? { ...d, runs: [...d.runs, ...runs].slice(-MAX_RUNS) } : d)),
    );
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

function failedRun(context: ServiceContext, error: unknown, databaseId?: string): DrillRun {
  return {
    startedAt: isoNow(context),
    finishedAt: isoNow(context),
    passed: false,
    rtoSeconds: null,
    message: error instanceof Error ? error.message : String(error),
    ...(databaseId ? { databaseId } : {}),
  };
}

/**
 * `verify.command` is a Redis command from the read-only allow-list; `verify.sql` is for SQL
 * engines. A drill of one database is refused a verification its engine cannot run.
 */
function checkVerification(
  verify: { sql?: string; command?: string } | undefined,
  targets: Database[],
): void {
  const refuse = (path: string, rule: string, message: string): never => {
    throw new ValidationError(`invalid request: ${path}: ${message}`, [{ path, rule, message }]);
  };
  if (verify?.command !== undefined) {
    const parsed = parseRedisCommand(verify.command);
    if ('error' in parsed) refuse('verify.command', 'read-only-command', parsed.error);
  }
  const only = targets.length === 1 ? targets[0]!.engine : undefined;
  if (only === 'redis' && verify?.sql !== undefined)
    refuse('verify.sql', 'engine', 'Redis takes verify.command, not verify.sql');
  if (only && only !== 'redis' && verify?.command !== undefined)
    refuse('verify.command', 'engine', `${only} takes verify.sql, not verify.command`);
}
