import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLoopHarness, type LoopHarness } from '../../../test/helpers/loops';
import { AlertBook, MAX_RESOLVED, type AlertRecord } from './book';
import { databaseDown } from './conditions';
import { applyObservations } from './lifecycle';
import { DEFAULT_RULES } from './rules';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const down = (id: string) =>
  databaseDown({
    id,
    name: id,
    domain: 'acme',
    project: 'shop',
    providerId: 'p',
    status: 'FAILED',
  });

function resolvedAlert(n: number): AlertRecord {
  const at = new Date(NOW + n * 1000).toISOString();
  return {
    id: `r-${n}`,
    rule: 'database-down',
    severity: 'critical',
    state: 'resolved',
    subject: `database:db-${n}`,
    dedupKey: `k-${n}`,
    summary: 'x',
    startsAt: at,
    endsAt: at,
  };
}

describe('alert bounds', () => {
  let h: LoopHarness;
  beforeEach(async () => {
    h = await openLoopHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('opens no alert beyond the limit of open alerts, and counts the refusals', () => {
    let n = 0;
    const result = applyObservations(
      [],
      ['a', 'b', 'c', 'd'].map(down),
      DEFAULT_RULES,
      NOW,
      () => `alert-${++n}`,
      2,
    );
    expect(result.alerts.map((a) => a.databaseId)).toEqual(['a', 'b']);
    expect(result.refused).toBe(2);
    // Once one clears, the next one is opened again.
    const cleared = applyObservations(
      result.alerts,
      [{ ...down('a'), holds: false }, down('c')],
      DEFAULT_RULES,
      NOW,
      () => `alert-${++n}`,
      2,
    );
    expect(cleared.alerts.map((a) => a.databaseId)).toEqual(['b', 'c']);
    expect(cleared.refused).toBe(0);
  });

  it(`keeps every open alert and the newest ${MAX_RESOLVED} resolved ones`, async () => {
    const book = new AlertBook(h.store);
    const open: AlertRecord = { ...resolvedAlert(-1), id: 'open', state: 'firing' };
    delete open.endsAt;
    const history = Array.from({ length: MAX_RESOLVED + 10 }, (_, i) => resolvedAlert(i));
    await book.change(() => ({ alerts: [open, ...history], result: null }));
    const kept = (await book.read()).alerts;
    expect(kept).toHaveLength(MAX_RESOLVED + 1);
    expect(kept.map((a) => a.id)).toContain('open');
    expect(kept.map((a) => a.id)).not.toContain('r-9');
    expect(kept.map((a) => a.id)).toContain('r-10');
  });
});
