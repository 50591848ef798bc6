import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLoopHarness, type LoopHarness } from '../../test/helpers/loops';
import type { Services } from '../services';
import { DrillScheduler } from './drill-scheduler';

/**
 * The scheduler over the real DrillService and a SQLite store, on fake time. The drilled database
 * has no cluster, so every run really runs and fails fast (its restore cannot start), which is
 * enough to see when runs happen: each one is recorded.
 */
let h: LoopHarness;
let services: Services;
let scheduler: DrillScheduler | undefined;
const MINUTE = 60_000;

beforeEach(async () => {
  h = await openLoopHarness({ start: Date.parse('2026-06-01T00:00:00.000Z') });
  services = await h.services();
});
afterEach(async () => {
  scheduler?.dispose();
  scheduler = undefined;
  await services.drills.settle();
  await h.close();
});

async function drillEveryTenMinutes(): Promise<string> {
  const database = await h.store.databases.create(h.fixtures.database());
  const drill = await services.drills.create({ databaseId: database.id, schedule: '*/10 * * * *' });
  await services.drills.settle();
  return drill.id;
}

const drillOf = (id: string) => services.drills.get(id);

describe('DrillScheduler', () => {
  it('runs a drill when its cron is due, not before, and records the next run time', async () => {
    const id = await drillEveryTenMinutes();
    const created = await drillOf(id);
    expect(created.nextRunAt).toBe('2026-06-01T00:10:00.000Z');
    expect(created.runs).toHaveLength(1); // the first run, at create
    expect(created.runs[0]!.passed).toBe(false);
    expect(created.runningSince).toBeNull();

    scheduler = new DrillScheduler(h.context, services.drills, { intervalMs: MINUTE });
    scheduler.start();
    await h.clock.advance(9 * MINUTE);
    await services.drills.settle();
    expect((await drillOf(id)).runs).toHaveLength(1);

    await h.clock.advance(MINUTE);
    await services.drills.settle();
    const after = await drillOf(id);
    expect(after.runs).toHaveLength(2);
    expect(after.runs[1]!.startedAt).toBe('2026-06-01T00:10:00.000Z');
    expect(after.nextRunAt).toBe('2026-06-01T00:20:00.000Z');
    expect(after.runningSince).toBeNull();
    expect(h.fences).toBeGreaterThan(0);
  });

  it('starts at most one run of a drill at a time', async () => {
    const id = await drillEveryTenMinutes();
    const claims = await Promise.all([
      services.drills.startScheduled(id, '2026-06-01T00:20:00.000Z'),
      services.drills.startScheduled(id, '2026-06-01T00:20:00.000Z'),
    ]);
    expect(claims.sort()).toEqual([false, true]);
    await services.drills.settle();
    expect((await drillOf(id)).runs).toHaveLength(2);
  });

  it('runs a slot missed while no leader ran once, then counts the next from now', async () => {
    const id = await drillEveryTenMinutes();
    await h.clock.advance(95 * MINUTE); // nine slots pass with no scheduler running
    scheduler = new DrillScheduler(h.context, services.drills, { intervalMs: MINUTE });
    expect(await scheduler.pass()).toEqual([id]);
    await services.drills.settle();
    const after = await drillOf(id);
    expect(after.runs).toHaveLength(2);
    expect(after.nextRunAt).toBe('2026-06-01T01:40:00.000Z');
    expect(await scheduler.pass()).toEqual([]);
  });

  it('gives a drill without a next run time one, without running it', async () => {
    const id = await drillEveryTenMinutes();
    await services.drills.setNextRun(id, null);
    await h.clock.advance(3 * MINUTE);
    scheduler = new DrillScheduler(h.context, services.drills);
    expect(await scheduler.pass()).toEqual([]);
    const after = await drillOf(id);
    expect(after.nextRunAt).toBe('2026-06-01T00:10:00.000Z');
    expect(after.runs).toHaveLength(1);
  });

  it('stops: after dispose no timer is left and no drill starts', async () => {
    const id = await drillEveryTenMinutes();
    scheduler = new DrillScheduler(h.context, services.drills, { intervalMs: MINUTE });
    scheduler.start();
    const pending = h.clock.pending;
    scheduler.dispose();
    expect(h.clock.pending).toBe(pending - 1);
    await h.clock.advance(30 * MINUTE);
    await services.drills.settle();
    expect((await drillOf(id)).runs).toHaveLength(1);
  });
});
