import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLoopHarness, type LoopHarness } from '../../../test/helpers/loops';
import { NotLeaderError } from '../../loops/leadership';
import type { AlertNotice, AlertNotifier } from '../../domain/alerts';
import type { Database, DatabaseStatus } from '../../domain';
import type { ServiceContext } from '../context';
import { toDatabaseStatusEvent } from '../database-view';
import { AlertService, type AlertEvaluator } from './index';

/** Remembers every notice the evaluator hands to delivery. */
class RecordingNotifier implements AlertNotifier {
  readonly notices: AlertNotice[] = [];
  async notify(notice: AlertNotice): Promise<void> {
    this.notices.push(notice);
  }
  kinds(): string[] {
    return this.notices.map((n) => `${n.kind} ${n.alert.rule}`);
  }
}

describe('alert evaluator', () => {
  let h: LoopHarness;
  let notifier: RecordingNotifier;
  let alerts: AlertService;
  let evaluator: AlertEvaluator;
  let leading = true;

  const open = (): AlertEvaluator =>
    alerts.evaluator({
      clock: h.clock,
      fence: async () => {
        if (!leading) throw new NotLeaderError();
      },
    });

  beforeEach(async () => {
    h = await openLoopHarness();
    leading = true;
    notifier = new RecordingNotifier();
    let n = 0;
    const context = {
      store: h.store,
      events: h.events,
      logger: h.context.logger,
      now: () => new Date(h.clock.now()),
      newId: () => `alert-${++n}`,
    } as unknown as ServiceContext;
    alerts = new AlertService(context, notifier);
    evaluator = open();
    await evaluator.start();
  });

  afterEach(async () => {
    await evaluator.dispose();
    await h.close();
  });

  /** As status sync does it: the store first, then the event. */
  async function setStatus(db: Database, status: DatabaseStatus): Promise<Database> {
    const current = await h.store.databases.get(db.id);
    const next = await h.store.databases.update({
      ...current,
      status,
      statusReason: status === 'FAILED' ? 'pods not ready' : null,
    });
    h.events.publish(toDatabaseStatusEvent(next));
    await evaluator.idle();
    return next;
  }

  async function advance(seconds: number): Promise<void> {
    await h.clock.advance(seconds * 1000);
    await evaluator.idle();
  }

  const stateOf = async (rule: string) =>
    (await alerts.list({})).items.filter((a) => a.rule === rule).map((a) => a.state);

  it('goes pending, fires once after forSeconds with a stable dedup key, and resolves once', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    await setStatus(db, 'FAILED');
    expect(await stateOf('database-down')).toEqual(['pending']);
    await advance(119);
    expect(notifier.notices).toEqual([]);
    await advance(1);
    expect(await stateOf('database-down')).toEqual(['firing']);
    // The same condition seen again (another status event) notifies nothing more.
    await setStatus(db, 'UNKNOWN');
    await setStatus(db, 'FAILED');
    await advance(600);
    expect(notifier.kinds()).toEqual(['firing database-down']);
    await setStatus(db, 'RUNNING');
    expect(notifier.kinds()).toEqual(['firing database-down', 'resolved database-down']);
    const [firing, resolved] = notifier.notices;
    expect(resolved!.dedupKey).toBe(firing!.dedupKey);
    expect(firing!.dedupKey).toContain(`database:${db.id}`);
    expect(resolved!.alert).toMatchObject({ state: 'resolved', databaseId: db.id, domain: 'acme' });
    expect(resolved!.alert.endsAt).toBe(new Date(h.clock.now()).toISOString());
  });

  it('makes no notice and keeps no alert for a database that flaps faster than forSeconds', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    for (let i = 0; i < 20; i++) {
      await setStatus(db, 'FAILED');
      await advance(30);
      await setStatus(db, 'RUNNING');
      await advance(30);
    }
    expect(notifier.notices).toHaveLength(0);
    expect((await alerts.list({})).items).toEqual([]);
  });

  it('re-notifies after renotifySeconds until acknowledged, and says it was acknowledged', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    await alerts.rules.put('database-down', { forSeconds: 0, renotifySeconds: 3600 });
    await setStatus(db, 'FAILED');
    await advance(3599);
    expect(notifier.kinds()).toEqual(['firing database-down']);
    await advance(1);
    expect(notifier.kinds()).toEqual(['firing database-down', 'renotify database-down']);
    const [alert] = (await alerts.list({ state: 'firing' })).items;
    const acked = await alerts.acknowledge(alert!.id, { comment: 'on it' });
    expect(acked).toMatchObject({ acknowledgedBy: 'system', acknowledgeComment: 'on it' });
    await advance(5 * 3600);
    expect(notifier.kinds()).toEqual([
      'firing database-down',
      'renotify database-down',
      'acknowledged database-down',
    ]);
  });

  it('holds the firing notice while silenced and sends it when the silence ends', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    await setStatus(db, 'FAILED');
    const [pending] = (await alerts.list({ state: 'pending' })).items;
    const until = new Date(h.clock.now() + 600_000).toISOString();
    expect((await alerts.silence(pending!.id, { until })).silencedUntil).toBe(until);
    await advance(120);
    expect(await stateOf('database-down')).toEqual(['firing']);
    expect(notifier.notices).toEqual([]);
    await advance(480);
    expect(notifier.kinds()).toEqual(['firing database-down']);
  });

  it('silenced until resolved: nothing while it fires, and the next alert is not silenced', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    await alerts.rules.put('database-down', { forSeconds: 0, renotifySeconds: 60 });
    await setStatus(db, 'FAILED');
    const [alert] = (await alerts.list({ state: 'firing' })).items;
    await alerts.silence(alert!.id, { untilResolved: true });
    await advance(3600);
    expect(notifier.kinds()).toEqual(['firing database-down']);
    await setStatus(db, 'RUNNING');
    // The firing went out before the silence: receivers hear that it is over.
    expect(notifier.kinds()).toEqual(['firing database-down', 'resolved database-down']);
    await setStatus(db, 'FAILED');
    expect(notifier.kinds().at(-1)).toBe('firing database-down');
    expect(notifier.notices.at(-1)!.alert.id).not.toBe(alert!.id);
  });

  it('survives a restart without re-notifying, and resolves what recovered while it was stopped', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    await setStatus(db, 'FAILED');
    await advance(120);
    expect(notifier.kinds()).toEqual(['firing database-down']);
    await evaluator.dispose();
    evaluator = open();
    await evaluator.start();
    await advance(600);
    expect(notifier.kinds()).toEqual(['firing database-down']);
    await evaluator.dispose();
    // Recovered while no evaluator ran: the store says RUNNING, and no event is published.
    await h.store.databases.update({ ...(await h.store.databases.get(db.id)), status: 'RUNNING' });
    evaluator = open();
    await evaluator.start();
    expect(notifier.kinds()).toEqual(['firing database-down', 'resolved database-down']);
    expect(await stateOf('database-down')).toEqual(['resolved']);
  });

  it('writes nothing and notifies nothing once it no longer leads', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    await alerts.rules.put('operation-failed', {});
    leading = false;
    const failed = h.fixtures.operation({ databaseId: db.id, type: 'restart', status: 'FAILED' });
    h.events.publish({
      type: 'operation.progress',
      data: {
        id: failed.id,
        databaseId: db.id,
        type: 'restart',
        status: 'FAILED',
        progress: 100,
        step: null,
        error: { code: 'X', message: 'boom' },
        updatedAt: failed.updatedAt,
      },
    });
    await evaluator.idle();
    expect(notifier.notices).toEqual([]);
    expect((await alerts.list({})).items).toEqual([]);
  });

  it('fires operation-failed at once and resolves it when the same type succeeds', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    const progress = (type: string, status: 'FAILED' | 'SUCCEEDED', id: string) =>
      h.events.publish({
        type: 'operation.progress',
        data: {
          id,
          databaseId: db.id,
          type,
          status,
          progress: 100,
          step: null,
          error: status === 'FAILED' ? { code: 'OPS_FAILED', message: 'OpsRequest Failed' } : null,
          updatedAt: new Date(h.clock.now()).toISOString(),
        },
      });
    progress('restart', 'FAILED', 'op-1');
    await evaluator.idle();
    progress('scale-vertical', 'SUCCEEDED', 'op-2');
    await evaluator.idle();
    expect(await stateOf('operation-failed')).toEqual(['firing']);
    expect(notifier.notices[0]!.alert.summary).toContain('OpsRequest Failed');
    progress('restart', 'SUCCEEDED', 'op-3');
    await evaluator.idle();
    expect(notifier.kinds()).toEqual(['firing operation-failed', 'resolved operation-failed']);
  });

  it('applies the most specific override and refuses bad tuning naming field and rule', async () => {
    await alerts.rules.put('database-down', {
      forSeconds: 600,
      overrides: [
        { scope: 'acme', forSeconds: 60 },
        { scope: 'acme/shop', severity: 'warning' },
      ],
    });
    const shop = await h.store.databases.create(h.fixtures.database());
    const other = await h.store.databases.create(
      h.fixtures.database({ domain: 'beta', project: 'web', namespace: 'beta-web' }),
    );
    await setStatus(shop, 'FAILED');
    await setStatus(other, 'FAILED');
    await advance(60);
    expect(notifier.notices.map((n) => [n.alert.databaseId, n.alert.severity])).toEqual([
      [shop.id, 'warning'],
    ]);
    await advance(540);
    expect(notifier.notices.map((n) => [n.alert.databaseId, n.alert.severity])).toEqual([
      [shop.id, 'warning'],
      [other.id, 'critical'],
    ]);
    await expect(alerts.rules.put('database-down', { forSeconds: -1 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [
        expect.objectContaining({
          path: 'forSeconds',
          message: expect.stringContaining('rule database-down'),
        }),
      ],
    });
    await expect(
      alerts.rules.put('database-down', { overrides: [{ scope: 'Not A Scope' }] }),
    ).rejects.toMatchObject({
      details: [expect.objectContaining({ path: 'overrides.0.scope' })],
    });
    await expect(alerts.rules.put('storage-usage', {})).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
