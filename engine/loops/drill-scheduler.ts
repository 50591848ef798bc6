import type { Disposable } from '../base/disposable';
import { nextCronRun } from '../services/backups/cron';
import type { LoopContext } from './context';

/** What the scheduler needs of the drills (the DrillService). */
export interface ScheduledDrills {
  all(): Promise<{ id: string; schedule: string; nextRunAt: string | null }[]>;
  /** Records when a drill runs next, without running it. */
  setNextRun(id: string, nextRunAt: string | null): Promise<void>;
  /** Records `nextRunAt` and starts a run unless one is in progress; whether it started. */
  startScheduled(id: string, nextRunAt: string | null): Promise<boolean>;
  /** Runs of this instance in progress. */
  readonly runsInProgress: number;
}

export interface DrillSchedulerOptions {
  /** How often due drills are looked for (default 30 s; cron has minute resolution). */
  intervalMs?: number;
  /** At most this many drill runs at once on this instance (each one is a scratch database). */
  maxConcurrent?: number;
}

/**
 * Runs restore drills whose cron is due. Leader-only (the loops start it with the others), one pass
 * at a time, bounded by `maxConcurrent`; a drill due while its previous run is still in progress
 * skips that slot. A drill without `nextRunAt` gets one; a slot missed while no leader ran is run
 * once, then the next is counted from now (no burst of catch-up runs).
 */
export class DrillScheduler implements Disposable {
  private timer: Disposable | undefined;
  private passing = false;
  private readonly intervalMs: number;
  private readonly maxConcurrent: number;

  constructor(
    private readonly context: LoopContext,
    private readonly drills: ScheduledDrills,
    options: DrillSchedulerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 30_000;
    this.maxConcurrent = options.maxConcurrent ?? 2;
  }

  /** Whether its timer runs (this instance leads). */
  get started(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    this.timer ??= this.context.clock.setInterval(
      () =>
        void this.pass().catch((error: unknown) =>
          this.context.logger.warn({ err: error }, 'drill scheduler pass failed'),
        ),
      this.intervalMs,
    );
  }

  /** One pass; answers the ids of the drills it started. A pass still running is not overlapped. */
  async pass(): Promise<string[]> {
    if (this.passing) return [];
    this.passing = true;
    const started: string[] = [];
    try {
      const now = new Date(this.context.clock.now());
      for (const drill of await this.drills.all()) {
        const next = nextCronRun(drill.schedule, now)?.toISOString() ?? null;
        const due = drill.nextRunAt !== null && Date.parse(drill.nextRunAt) <= now.getTime();
        if (drill.nextRunAt !== null && !due) continue;
        if (due && this.drills.runsInProgress >= this.maxConcurrent) continue;
        if (!due && next === null) continue; // a schedule with no run within 5 years
        await this.context.fence();
        if (!due) await this.drills.setNextRun(drill.id, next);
        else if (await this.drills.startScheduled(drill.id, next)) started.push(drill.id);
      }
    } finally {
      this.passing = false;
    }
    return started;
  }

  dispose(): void {
    void this.timer?.dispose();
    this.timer = undefined;
  }
}
