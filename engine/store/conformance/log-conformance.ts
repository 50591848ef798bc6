import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../base/errors';
import type { AuditEvent } from '../../domain';
import { StaleRevisionError } from '../errors';
import { METRIC_RETENTION_MS, type MetricSample } from '../records';
import type { ConformanceContext } from './store-conformance';

const ids = (records: ReadonlyArray<{ id: string }>): string[] =>
  records.map((record) => record.id);

/** The audit chain, refresh tokens, metric samples, the meta map and transactions. */
export function runLogConformance(ctx: ConformanceContext): void {
  describe('audit events', () => {
    async function appendChain(
      count: number,
      vary?: (i: number) => Partial<AuditEvent>,
    ): Promise<AuditEvent[]> {
      const events: AuditEvent[] = [];
      for (let i = 0; i < count; i += 1) {
        const event = ctx.fx().auditEvent(events[events.length - 1] ?? null, vary?.(i));
        events.push(await ctx.store().auditEvents.append(event));
      }
      return events;
    }

    it('appends a chain and reads it back in order, in full and from the end', async () => {
      const events = await appendChain(7);
      const { auditEvents } = ctx.store();
      const all: AuditEvent[] = [];
      for await (const event of auditEvents.listAll()) all.push(event);
      expect(all).toEqual(events);
      expect(await auditEvents.last()).toEqual(events[6]);
      expect(await auditEvents.get(events[3]!.id)).toEqual(events[3]);
      await expect(auditEvents.get('ev-none')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('walks more than one internal batch in listAll', async () => {
      const events = await appendChain(1203);
      let count = 0;
      let previous = '';
      for await (const event of ctx.store().auditEvents.listAll()) {
        expect(event.prevHash === previous || count === 0).toBe(true);
        previous = event.hash;
        count += 1;
      }
      expect(count).toBe(events.length);
    });

    it('answers null for the last event of an empty log and lists nothing', async () => {
      expect(await ctx.store().auditEvents.last()).toBeNull();
      expect(await ctx.store().auditEvents.list()).toEqual({ items: [], nextCursor: null });
    });

    it('refuses an event that does not chain onto the last one', async () => {
      const events = await appendChain(3);
      const { auditEvents } = ctx.store();
      const fork = ctx.fx().auditEvent(events[1]!);
      await expect(auditEvents.append(fork)).rejects.toBeInstanceOf(ConflictError);
      const second = ctx.fx().auditEvent(null);
      await expect(auditEvents.append(second)).rejects.toBeInstanceOf(ConflictError);
      const racing = [
        ctx.fx().auditEvent(events[2]!),
        ctx.fx().auditEvent(events[2]!, { action: 'auth.login' }),
      ];
      const results = await Promise.allSettled(racing.map((event) => auditEvents.append(event)));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    });

    it('offers no way to change or remove an event', () => {
      const repository = ctx.store().auditEvents as unknown as Record<string, unknown>;
      expect(repository.update).toBeUndefined();
      expect(repository.delete).toBeUndefined();
    });

    it('lists newest first, filtered by actor, action and time range, across pages', async () => {
      const events = await appendChain(10, (i) => ({
        actor: i % 2 === 0 ? 'alice' : 'bob',
        action: i % 3 === 0 ? 'auth.login' : 'database.create',
      }));
      const { auditEvents } = ctx.store();
      const newest = [...events].reverse();
      const first = await auditEvents.list({}, { limit: 4 });
      const second = await auditEvents.list({}, { limit: 4, cursor: first.nextCursor });
      const third = await auditEvents.list({}, { limit: 4, cursor: second.nextCursor });
      expect(ids([...first.items, ...second.items, ...third.items])).toEqual(ids(newest));
      expect(third.nextCursor).toBeNull();
      expect(ids((await auditEvents.list({ actor: 'alice' })).items)).toEqual(
        ids(newest.filter((e) => e.actor === 'alice')),
      );
      expect(ids((await auditEvents.list({ action: 'auth.login', actor: 'bob' })).items)).toEqual(
        ids(newest.filter((e) => e.action === 'auth.login' && e.actor === 'bob')),
      );
      const from = events[2]!.time;
      const to = events[5]!.time;
      expect(ids((await auditEvents.list({ from, to })).items)).toEqual(
        ids(events.slice(2, 6).reverse()),
      );
      const alicePages = await auditEvents.list({ actor: 'alice' }, { limit: 2 });
      const aliceRest = await auditEvents.list(
        { actor: 'alice' },
        { limit: 10, cursor: alicePages.nextCursor },
      );
      expect(ids([...alicePages.items, ...aliceRest.items])).toEqual(
        ids(newest.filter((e) => e.actor === 'alice')),
      );
    });
  });

  describe('refresh tokens', () => {
    it('stores a token and finds it by hash', async () => {
      const token = ctx.fx().refreshToken();
      await ctx.store().refreshTokens.create(token);
      expect(await ctx.store().refreshTokens.findByHash(token.tokenHash)).toEqual(token);
      expect(await ctx.store().refreshTokens.findByHash('0'.repeat(64))).toBeNull();
      await expect(
        ctx
          .store()
          .refreshTokens.create({ ...ctx.fx().refreshToken(), tokenHash: token.tokenHash }),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it("keeps a fixture token that has not expired at the suite's now", async () => {
      // The fixtures are dated from the injected now, so neither pruning at now nor MongoDB's TTL
      // monitor takes them away during a test, whatever today's date.
      const token = await ctx.store().refreshTokens.create(ctx.fx().refreshToken());
      expect(Date.parse(token.expiresAt)).toBeGreaterThan(ctx.now());
      expect(await ctx.store().refreshTokens.pruneExpired(new Date(ctx.now()).toISOString())).toBe(
        0,
      );
      expect(await ctx.store().refreshTokens.findByHash(token.tokenHash)).toEqual(token);
    });

    it('revokes a token once, even when two callers race', async () => {
      const fx = ctx.fx();
      const token = await ctx.store().refreshTokens.create(fx.refreshToken());
      const results = await Promise.all([
        ctx.store().refreshTokens.revoke(token.id, fx.at(1), 'rt-next', 'fp-1'),
        ctx.store().refreshTokens.revoke(token.id, fx.at(1.5), 'rt-other', 'fp-2'),
      ]);
      expect(results.sort()).toEqual([false, true]);
      const stored = await ctx.store().refreshTokens.findByHash(token.tokenHash);
      expect(stored?.revokedAt).toBe(fx.at(1));
      expect(stored?.replacedBy).toBe('rt-next');
      expect(stored?.rotatedBy).toBe('fp-1');
      expect(await ctx.store().refreshTokens.revoke('rt-none', fx.at(1))).toBe(false);
    });

    it('revokes every live token of a user and prunes expired ones', async () => {
      const { refreshTokens } = ctx.store();
      const fx = ctx.fx();
      const a = await refreshTokens.create(fx.refreshToken({ userId: 'usr-a' }));
      const b = await refreshTokens.create(
        fx.refreshToken({ userId: 'usr-a', revokedAt: fx.at(0.05) }),
      );
      const c = await refreshTokens.create(
        fx.refreshToken({ userId: 'usr-b', expiresAt: fx.at(1) }),
      );
      expect(await refreshTokens.revokeAllForUser('usr-a', fx.at(2))).toBe(1);
      expect((await refreshTokens.findByHash(a.tokenHash))?.revokedAt).toBe(fx.at(2));
      expect((await refreshTokens.findByHash(b.tokenHash))?.revokedAt).toBe(fx.at(0.05));
      expect(await refreshTokens.pruneExpired(fx.at(4))).toBe(1);
      expect(await refreshTokens.findByHash(c.tokenHash)).toBeNull();
      expect(await refreshTokens.findByHash(a.tokenHash)).not.toBeNull();
    });
  });

  describe('metric samples', () => {
    // Relative to the suite's now: MongoDB's TTL index drops samples older than the retention.
    let now = 0;
    beforeEach(() => {
      now = ctx.now();
    });
    const sample = (
      databaseId: string,
      minutesAgo: number,
      name: string,
      value: number,
    ): MetricSample => ({
      databaseId,
      t: now - minutesAgo * 60_000,
      name,
      value,
    });

    it('returns samples of one database in a time range, oldest first, optionally by name', async () => {
      const { metrics } = ctx.store();
      await metrics.append([
        sample('db-a', 30, 'cpu', 0.5),
        sample('db-a', 10, 'cpu', 0.75),
        sample('db-a', 10, 'memory', 512),
        sample('db-a', 90, 'cpu', 0.1),
        sample('db-b', 10, 'cpu', 9),
      ]);
      await metrics.append([]);
      const lastHour = await metrics.query('db-a', { from: now - 3_600_000, to: now });
      expect(lastHour).toEqual([
        sample('db-a', 30, 'cpu', 0.5),
        sample('db-a', 10, 'cpu', 0.75),
        sample('db-a', 10, 'memory', 512),
      ]);
      expect(
        await metrics.query('db-a', { from: now - 3_600_000, to: now, names: ['memory'] }),
      ).toEqual([sample('db-a', 10, 'memory', 512)]);
      expect(await metrics.query('db-c', { from: 0, to: now })).toEqual([]);
    });

    it('prunes samples older than the retention and keeps the rest', async () => {
      const { metrics } = ctx.store();
      const old = sample('db-a', 25 * 60, 'cpu', 1);
      const fresh = sample('db-a', 23 * 60, 'cpu', 2);
      await metrics.append([old, fresh]);
      expect(await metrics.prune(now - METRIC_RETENTION_MS)).toBe(1);
      expect(await metrics.query('db-a', { from: 0, to: now })).toEqual([fresh]);
    });
  });

  describe('meta', () => {
    it('creates, compares and sets, and deletes entries', async () => {
      const { meta } = ctx.store();
      expect(await meta.get('leader')).toBeNull();
      const created = await meta.put('leader', { holder: 'engine-a', token: 1 }, null);
      expect(created).toEqual({
        key: 'leader',
        value: { holder: 'engine-a', token: 1 },
        revision: 1,
      });
      await expect(meta.put('leader', { holder: 'engine-b' }, null)).rejects.toBeInstanceOf(
        ConflictError,
      );
      const moved = await meta.put('leader', { holder: 'engine-b', token: 2 }, 1);
      expect(moved.revision).toBe(2);
      await expect(meta.put('leader', { holder: 'engine-c' }, 1)).rejects.toBeInstanceOf(
        StaleRevisionError,
      );
      expect(await meta.get('leader')).toEqual(moved);
      expect((await meta.put('leader', 'plain', undefined)).revision).toBe(3);
      expect((await meta.put('fresh', [1, 2], undefined)).revision).toBe(1);
      await expect(meta.put('absent', 1, 4)).rejects.toBeInstanceOf(ConflictError);
      expect(await meta.delete('leader')).toBe(true);
      expect(await meta.delete('leader')).toBe(false);
      expect(await meta.get('leader')).toBeNull();
    });
  });

  describe('transactions', () => {
    it('commits the writes of a transaction and returns its result', async () => {
      const result = await ctx.store().transaction(async (tx) => {
        const domain = await tx.domains.create(ctx.fx().domain({ name: 'acme' }));
        await tx.projects.create(ctx.fx().project({ domain: domain.name, name: 'shop' }));
        return domain.id;
      });
      expect(await ctx.store().domains.get(result)).toMatchObject({ name: 'acme' });
      expect(await ctx.store().projects.findByName('acme', 'shop')).not.toBeNull();
    });

    it('passes the error of a failing transaction on, rolling back where the adapter is atomic', async () => {
      const failure = new Error('boom');
      await expect(
        ctx.store().transaction(async (tx) => {
          await tx.domains.create(ctx.fx().domain({ name: 'acme' }));
          throw failure;
        }),
      ).rejects.toBe(failure);
      if (ctx.options.atomicTransactions)
        expect(await ctx.store().domains.findByName('acme')).toBeNull();
    });

    it('keeps calls outside a transaction from seeing its writes half-done', async () => {
      if (!ctx.options.atomicTransactions) return;
      const store = ctx.store();
      let release!: () => void;
      let started!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const begun = new Promise<void>((resolve) => {
        started = resolve;
      });
      const transaction = store.transaction(async (tx) => {
        await tx.domains.create(ctx.fx().domain({ name: 'first' }));
        started();
        await gate;
        await tx.domains.create(ctx.fx().domain({ name: 'second' }));
      });
      await begun;
      const outside = store.domains.list();
      const other = store.transaction((tx) => tx.domains.list());
      release();
      await transaction;
      expect((await outside).items.map((domain) => domain.name)).toEqual(['first', 'second']);
      expect((await other).items.map((domain) => domain.name)).toEqual(['first', 'second']);
    });
  });
}
