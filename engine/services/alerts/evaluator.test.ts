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

  it('fires backup-failed from a failed BackupSession and resolves it with the next success', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    const backup = (id: string, phase: string) =>
      h.events.publish({
        type: 'backup.status',
        data: {
          databaseId: db.id,
          id,
          phase,
          snapshot: null,
          size: null,
          ...(phase === 'Failed' ? { error: 'repository locked' } : {}),
          updatedAt: new Date(h.clock.now()).toISOString(),
        },
      });
    backup('s-1', 'Running');
    backup('s-1', 'Failed');
    backup('s-2', 'Failed');
    await evaluator.idle();
    expect(notifier.kinds()).toEqual(['firing backup-failed']);
    expect(notifier.notices[0]!.alert).toMatchObject({
      severity: 'warning',
      summary: expect.stringContaining('repository locked'),
    });
    backup('s-3', 'Succeeded');
    await evaluator.idle();
    expect(notifier.kinds()).toEqual(['firing backup-failed', 'resolved backup-failed']);
  });

  it('follows the newest finished backup, whatever order a re-list replays old sessions in', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    // Newest first, as the watch caches list them.
    const sessions: { id: string; phase: string }[] = [
      { id: 's-2', phase: 'Succeeded' },
      { id: 's-1', phase: 'Failed' },
    ];
    await evaluator.dispose();
    evaluator = alerts.evaluator({
      clock: h.clock,
      fence: async () => undefined,
      newestBackup: async () => sessions[0] ?? null,
    });
    await evaluator.start();
    const replay = async (id: string) => {
      const session = sessions.find((x) => x.id === id)!;
      h.events.publish({
        type: 'backup.status',
        data: {
          databaseId: db.id,
          id,
          phase: session.phase,
          snapshot: null,
          size: null,
          updatedAt: new Date(h.clock.now()).toISOString(),
        },
      });
      await evaluator.idle();
    };
    await replay('s-2');
    await replay('s-1');
    expect(notifier.notices).toEqual([]);
    sessions.unshift({ id: 's-3', phase: 'Failed' });
    await replay('s-3');
    await replay('s-1');
    await replay('s-2');
    expect(notifier.kinds()).toEqual(['firing backup-failed']);
    sessions.unshift({ id: 's-4', phase: 'Succeeded' });
    await replay('s-4');
    await replay('s-3');
    expect(notifier.kinds()).toEqual(['firing backup-failed', 'resolved backup-failed']);
  });

  it('fires cluster-unreachable after forSeconds only once a health check said so', async () => {
    const provider = await h.store.providers.create(h.fixtures.provider());
    const health = (reachable: boolean) => {
      const value = {
        reachable,
        kubedbInstalled: reachable,
        engines: [],
        lastSeenAt: null,
        message: reachable ? '' : 'connect ECONNREFUSED',
      };
      return h.store.providers.get(provider.id).then(async (p) => {
        const next = await h.store.providers.update({ ...p, health: value });
        h.events.publish({
          type: 'provider.health',
          data: { id: next.id, name: next.name, health: value },
        });
        await evaluator.idle();
      });
    };
    // Never checked (the health every cluster starts with) is not unreachable.
    h.events.publish({
      type: 'provider.health',
      data: { id: provider.id, name: provider.name, health: provider.health },
    });
    await evaluator.idle();
    expect((await alerts.list({})).items).toEqual([]);
    await health(false);
    await advance(120);
    expect(notifier.kinds()).toEqual(['firing cluster-unreachable']);
    expect(notifier.notices[0]!.alert).toMatchObject({ providerId: provider.id });
    expect(notifier.notices[0]!.alert.domain).toBeUndefined();
    await health(true);
    expect(notifier.kinds()).toEqual([
      'firing cluster-unreachable',
      'resolved cluster-unreachable',
    ]);
  });

  it('resolves every alert of a deleted database, and does not fire a pending one whose database recovered unseen', async () => {
    const db = await h.store.databases.create(h.fixtures.database());
    await alerts.rules.put('operation-failed', {});
    await setStatus(db, 'FAILED');
    await advance(120);
    h.events.publish({
      type: 'operation.progress',
      data: {
        id: 'op-9',
        databaseId: db.id,
        type: 'restart',
        status: 'FAILED',
        progress: 100,
        step: null,
        error: null,
        updatedAt: new Date(h.clock.now()).toISOString(),
      },
    });
    await evaluator.idle();
    expect(notifier.kinds()).toEqual(['firing database-down', 'firing operation-failed']);
    await setStatus(db, 'DELETED');
    expect(notifier.kinds().slice(2).sort()).toEqual([
      'resolved database-down',
      'resolved operation-failed',
    ]);
    // A pending alert re-checks the store when its time comes: no event said RUNNING here.
    const other = await h.store.databases.create(h.fixtures.database());
    await setStatus(other, 'FAILED');
    await h.store.databases.update({
      ...(await h.store.databases.get(other.id)),
      status: 'RUNNING',
    });
    await advance(120);
    expect(notifier.notices.filter((n) => n.alert.databaseId === other.id)).toEqual([]);
    expect((await alerts.list({ databaseId: other.id })).items).toEqual([]);
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
