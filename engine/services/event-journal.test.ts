import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../domain';
import { createMemoryEventJournal, type JournaledEvent } from './event-journal';

const health = (name: string): EngineEvent => ({
  type: 'provider.health',
  data: {
    id: name,
    name,
    health: {
      reachable: true,
      kubedbInstalled: true,
      engines: [],
      lastSeenAt: null,
      message: null,
    },
  },
});

describe('the in-memory event journal', () => {
  it('numbers events in one sequence and hands them to every subscriber in order', async () => {
    const journal = createMemoryEventJournal({ epoch: 7 });
    const first: string[] = [];
    const second: string[] = [];
    journal.subscribe((entry) => first.push(entry.id));
    journal.subscribe((entry) => second.push(entry.id));
    expect(await journal.head()).toBe('7-0');
    for (const name of ['a', 'b', 'c']) journal.append(health(name));
    expect(first).toEqual(['7-1', '7-2', '7-3']);
    expect(second).toEqual(first);
    expect(await journal.head()).toBe('7-3');
  });

  it('gives the events after an id, oldest first, while they are kept', async () => {
    const journal = createMemoryEventJournal({ epoch: 1, capacity: 3 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) journal.append(health(name));
    const names = (entries: readonly JournaledEvent[] | undefined) =>
      entries?.map((entry) => (entry.event.data as { name: string }).name);
    expect(names(await journal.since('1-2'))).toEqual(['c', 'd', 'e']);
    expect(names(await journal.since('1-4'))).toEqual(['e']);
    expect(names(await journal.since('1-5'))).toEqual([]);
    // d and e are kept, but not c, which came after 1-1 and was pushed out of the ring.
    expect(await journal.since('1-1')).toBeUndefined();
  });

  it('does not replay ids of another sequence, ahead of it, or malformed', async () => {
    const journal = createMemoryEventJournal({ epoch: 1 });
    journal.append(health('a'));
    for (const id of ['2-0', '1-9', '1-', '1-01', 'x', '', '1-1e3'])
      expect(await journal.since(id)).toBeUndefined();
    expect(await journal.since('1-0')).toHaveLength(1);
  });
});
