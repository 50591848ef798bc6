import { describe, expect, it } from 'vitest';
import type { DriftEntry, Operation } from '../domain';
import { Fixtures } from '../store/conformance/fixtures';
import {
  DRIFT_HISTORY_LIMIT,
  historyEntry,
  recordDriftHistory,
  vanishedDrift,
  withDriftHistory,
} from './drift-history';

const AT = '2026-03-01T10:00:00.000Z';
const cpu: DriftEntry = {
  path: 'resources.cpu',
  desired: '500m',
  live: '900m',
  firstSeenAt: '2026-03-01T09:00:00.000Z',
};
const label: DriftEntry = {
  path: 'labels.cost.centre/id',
  desired: null,
  live: '42',
  firstSeenAt: '2026-03-01T09:30:00.000Z',
};

describe('drift history', () => {
  const fx = new Fixtures();

  it('records a repair over a change-back-by-hand of the same difference, in either order', () => {
    const byHand = historyEntry(cpu, 'reverted-by-hand', AT, { actor: null, operationId: null });
    const repaired = historyEntry(cpu, 'repaired', AT, { actor: 'system', operationId: 'op-1' });
    expect(recordDriftHistory([byHand], [repaired])).toEqual([repaired]);
    expect(recordDriftHistory([repaired], [byHand])).toEqual([repaired]);
    // A refusal and its later end are two entries of one difference.
    const refused = historyEntry(cpu, 'refused', AT, {
      actor: 'system',
      operationId: null,
      reason: 'no',
    });
    expect(recordDriftHistory([refused], [repaired]).map((e) => e.resolution)).toEqual([
      'refused',
      'repaired',
    ]);
    expect(recordDriftHistory([refused], [refused])).toHaveLength(1);
  });

  it(`keeps the newest ${DRIFT_HISTORY_LIMIT} entries, oldest first`, () => {
    const entries = Array.from({ length: DRIFT_HISTORY_LIMIT + 5 }, (_, i) =>
      historyEntry({ ...cpu, live: `${i}m` }, 'reverted-by-hand', AT, {
        actor: null,
        operationId: null,
      }),
    );
    const kept = recordDriftHistory(undefined, entries);
    expect(kept).toHaveLength(DRIFT_HISTORY_LIMIT);
    expect(kept[0]?.live).toBe('5m');
    expect(kept.at(-1)?.live).toBe(`${DRIFT_HISTORY_LIMIT + 4}m`);
  });

  it('tells a repair, an adoption by a change and a change back by hand apart', () => {
    const before = fx.database({ drift: [cpu, label] });
    const repair = {
      ...fx.operation({ databaseId: before.id, type: 'repair-drift' }),
      requestedBy: 'system',
      params: { drift: [cpu] },
    } as Operation;
    // The cpu went back under the repair; the label was taken into the desired labels.
    const after = {
      ...before,
      drift: [],
      labels: { ...before.labels, 'cost.centre/id': '42' },
    };
    const entries = vanishedDrift(before, after, repair, AT);
    expect(entries).toEqual([
      expect.objectContaining({
        path: 'resources.cpu',
        resolution: 'repaired',
        operationId: repair.id,
        actor: 'system',
        firstSeenAt: cpu.firstSeenAt,
        resolvedAt: AT,
      }),
      expect.objectContaining({ path: 'labels.cost.centre/id', resolution: 'adopted', live: '42' }),
    ]);
    // Without an operation, a live value back at the desired one was changed back by hand.
    expect(vanishedDrift(before, { ...before, drift: [label] }, null, AT)).toEqual([
      expect.objectContaining({
        path: 'resources.cpu',
        resolution: 'reverted-by-hand',
        actor: null,
      }),
    ]);
    // Drift still seen is not history; nothing to write stays nothing.
    expect(withDriftHistory(before, before, null, AT)).toBe(before);
    expect(withDriftHistory(before, null, null, AT)).toBeNull();
  });
});
