import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../test/helpers/redis';
import type { EngineEvent } from '../domain';
import type { EventJournal, JournaledEvent } from '../services/events';
import { createRedisConnections, type RedisConnections } from './connection';
import { createRedisEventJournal } from './redis-event-journal';

const opened: {
  connections: RedisConnections;
  journal: EventJournal & { dispose(): void | Promise<void> };
}[] = [];
afterEach(async () => {
  for (const { connections, journal } of opened.splice(0)) {
    await journal.dispose();
    await connections.dispose();
  }
});

/** One replica's journal on the shared Redis (same prefix = same deployment). */
function replica(prefix: string, capacity?: number): EventJournal {
  const connections = createRedisConnections({ url: testRedisUrl(), prefix });
  const journal = createRedisEventJournal({
    connections,
    blockMs: 200,
    ...(capacity ? { capacity } : {}),
  });
  opened.push({ connections, journal });
  return journal;
}

const progress = (n: number, databaseId = 'db-1'): EngineEvent => ({
  type: 'operation.progress',
  data: {
    id: `op-${n}`,
    databaseId,
    type: 'restart',
    status: 'RUNNING',
    progress: n,
    step: null,
    error: null,
    updatedAt: '2026-12-02T00:00:00.000Z',
  },
});

async function collect(journal: EventJournal, count: number, act: () => void | Promise<void>) {
  const got: JournaledEvent[] = [];
  const sub = journal.subscribe((entry) => got.push(entry));
  await act();
  const deadline = Date.now() + 5_000;
  while (got.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await sub.dispose();
  return got;
}

const numbers = (entries: readonly JournaledEvent[]) =>
  entries.map((e) => (e.event.data as { progress: number }).progress);

describe('the Redis event journal (shared mode)', () => {
  it('hands every replica the events of every replica, in one order with the same ids', async () => {
    const prefix = `ej-${randomUUID()}`;
    const a = replica(prefix);
    const b = replica(prefix);
    // Both readers start at the head; give them a moment's guarantee by reading it first.
    await Promise.all([a.head(), b.head()]);
    const onA: JournaledEvent[] = [];
    const subA = a.subscribe((e) => onA.push(e));
    const onB = await collect(b, 6, () => {
      for (let n = 1; n <= 3; n += 1) a.append(progress(n));
      for (let n = 4; n <= 6; n += 1) b.append(progress(n));
    });
    const deadline = Date.now() + 5_000;
    while (onA.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await subA.dispose();
    expect(onB).toHaveLength(6);
    expect(onA.map((e) => e.id)).toEqual(onB.map((e) => e.id));
    // Each replica's own events keep their order.
    expect(numbers(onB).filter((n) => n <= 3)).toEqual([1, 2, 3]);
    expect(numbers(onB).filter((n) => n > 3)).toEqual([4, 5, 6]);
  });

  it('replays on one replica what a client missed after an id it got from another', async () => {
    const prefix = `ej-${randomUUID()}`;
    const a = replica(prefix);
    const b = replica(prefix);
    const seen = await collect(a, 2, () => {
      a.append(progress(1));
      a.append(progress(2));
    });
    const resumeFrom = seen.at(-1)!.id;
    await collect(a, 2, () => {
      b.append(progress(3));
      b.append(progress(4));
    });
    const missed = await b.since(resumeFrom);
    expect(numbers(missed!)).toEqual([3, 4]);
    expect(await a.since(await a.head())).toEqual([]);
  });

  it('answers undefined (reload) for an id it cannot vouch for: foreign, ahead, or trimmed away', async () => {
    const prefix = `ej-${randomUUID()}`;
    const a = replica(prefix, 10);
    expect(await a.since('not-an-id')).toBeUndefined();
    expect(await a.since('99999999999999-0')).toBeUndefined();
    const first = await collect(a, 1, () => a.append(progress(0)));
    const early = first[0]!.id;
    // Past the capacity MAXLEN ~ trims whole nodes; write enough that the first one goes.
    for (let n = 1; n <= 300; n += 1) a.append(progress(n));
    let answer = await a.since(early);
    const deadline = Date.now() + 5_000;
    while (answer !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      answer = await a.since(early);
    }
    expect(answer).toBeUndefined();
    const recent = await a.head();
    expect(await a.since(recent)).toEqual([]);
  });
});
