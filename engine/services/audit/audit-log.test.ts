import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite';
import { AuditLog, hashAuditEvent } from './audit-log';
import { canonicalJson } from './canonical-json';

const entry = (n: number) => ({
  actor: 'a',
  action: `x.${n}`,
  target: '',
  result: 'success' as const,
  requestId: null,
  sourceIp: null,
});

describe('the audit log', () => {
  it('hashes canonical JSON: key order does not matter, content does', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}',
    );
    const event = {
      id: 'e1',
      ...entry(1),
      time: '2026-01-01T00:00:00.000Z',
      prevHash: '0'.repeat(64),
    };
    expect(hashAuditEvent(event)).toBe(hashAuditEvent({ ...event }));
    expect(hashAuditEvent({ ...event, actor: 'b' })).not.toBe(hashAuditEvent(event));
  });

  it('loses no event when two engines append to one store at once', async () => {
    const store = await openSqliteStore({ memory: true });
    let n = 0;
    const make = () =>
      new AuditLog({ events: store.auditEvents, now: () => new Date(), newId: () => `id-${++n}` });
    // Two logs stand for two engines: each serialises its own appends, and they race each other.
    const [one, two] = [make(), make()];
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).record(entry(i))));
    const verification = await one.verify();
    expect(verification).toMatchObject({ ok: true, checked: 40 });
    await store.close();
  });
});
