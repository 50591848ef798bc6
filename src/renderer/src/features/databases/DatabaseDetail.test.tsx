// @vitest-environment happy-dom
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, ClientProvider, type DatabaseDetailView } from '../../api';
import { useFleetStore } from '../../stores';
import { fakeClient, sampleDatabase, sampleOperation } from '../../testing/fixtures';
import { DatabaseDetail } from './DatabaseDetail';

const alpha = sampleDatabase({ id: 'id-alpha', name: 'alpha' });
const beta = sampleDatabase({ id: 'id-beta', name: 'beta' });

function detailOf(name: string, overrides: Partial<DatabaseDetailView> = {}): DatabaseDetailView {
  const database = name === 'alpha' ? alpha : beta;
  return {
    database,
    operations: [sampleOperation({ id: `op-${name}`, databaseId: database.id, type: 'create' })],
    manifest: {
      desired: { kind: 'Postgres', metadata: { name: `${name}-desired-marker` } },
      live: { kind: 'Postgres', metadata: { name: `${name}-live-marker` } },
      drift: [],
    },
    events: {
      items: [
        {
          time: '2026-01-01T00:00:00Z',
          source: 'kubernetes',
          type: 'Normal',
          reason: 'Ready',
          message: `${name}-event`,
        },
      ],
      partial: false,
    },
    metrics: { series: [{ name: 'cpu', unit: 'cores', points: [[1_767_225_600, 0.5]] }] },
    driftHistory: [
      {
        path: `labels.${name}-history-marker`,
        desired: 'a',
        live: 'b',
        firstSeenAt: '2026-01-01T00:00:00Z',
        resolvedAt: '2026-01-01T00:01:00Z',
        resolution: 'reverted-by-hand',
        actor: null,
        operationId: null,
      },
    ],
    driftPolicy: { policy: 'repair', canChange: false },
    ...overrides,
  };
}

const RATE_LIMITED = new ApiError(
  429,
  'RATE_LIMITED',
  'too many read requests: at most 100 per 60 s; try again in 12 s',
);

const panels = () => ['manifest-panel', 'events-panel', 'metrics-panel', 'drift-panel'];

describe('the database detail screen', () => {
  beforeEach(() => {
    useFleetStore.setState({
      databases: new Map([
        [alpha.id, alpha],
        [beta.id, beta],
      ]),
      operations: new Map(),
      feed: [],
    });
  });
  afterEach(cleanup);

  it('reads everything in one request, and shows nothing of the last database when the next read is refused', async () => {
    const client = fakeClient(({ url }) => {
      if (url === '/api/v1/databases/id-alpha/detail') return detailOf('alpha');
      throw RATE_LIMITED;
    });
    const { rerender } = render(
      <ClientProvider client={client}>
        <DatabaseDetail id="id-alpha" />
      </ClientProvider>,
    );
    expect(await screen.findByText('alpha-event')).toBeTruthy();
    // The charts load lazily (recharts comes with the first detail page).
    expect(await screen.findByText('cpu (cores)', {}, { timeout: 10_000 })).toBeTruthy();
    expect(document.body.textContent).toContain('alpha-desired-marker');
    expect(document.body.textContent).toContain('alpha-history-marker');
    expect(client.calls.map((c) => c.url)).toEqual(['/api/v1/databases/id-alpha/detail']);

    await act(async () => {
      rerender(
        <ClientProvider client={client}>
          <DatabaseDetail id="id-beta" />
        </ClientProvider>,
      );
    });
    await waitFor(() =>
      expect(within(screen.getByTestId('metrics-panel')).getByRole('alert')).toBeTruthy(),
    );
    const text = document.body.textContent ?? '';
    expect(text).not.toContain('alpha-event');
    expect(text).not.toContain('alpha-desired-marker');
    expect(text).not.toContain('alpha-live-marker');
    expect(text).not.toContain('alpha-history-marker');
    expect(text).not.toContain('in sync');
    expect(screen.queryByText('cpu (cores)')).toBeNull();
    for (const panel of panels()) {
      const alert = within(screen.getByTestId(panel)).getByRole('alert');
      expect(alert.textContent).toContain('could not be read');
      expect(alert.textContent).toContain('try again in 12 s');
    }
    expect(client.calls.map((c) => c.url)).toEqual([
      '/api/v1/databases/id-alpha/detail',
      '/api/v1/databases/id-beta/detail',
    ]);
  });

  it('shows the error of a part that could not be read, and the other parts', async () => {
    const client = fakeClient(() =>
      detailOf('beta', {
        manifest: {
          error: { code: 'UNAVAILABLE', message: 'cluster cluster-1 is unreachable', details: [] },
        },
      }),
    );
    render(
      <ClientProvider client={client}>
        <DatabaseDetail id="id-beta" />
      </ClientProvider>,
    );
    expect(await screen.findByText('beta-event')).toBeTruthy();
    const manifest = within(screen.getByTestId('manifest-panel'));
    expect(manifest.getByRole('alert').textContent).toContain('cluster cluster-1 is unreachable');
    expect(within(screen.getByTestId('events-panel')).queryByRole('alert')).toBeNull();
    // The operations of the detail read went to the fleet store.
    expect(useFleetStore.getState().operations.has('op-beta')).toBe(true);
  });

  it('reads again when the database changes, not when the store only catches up with the answer', async () => {
    vi.useFakeTimers();
    try {
      const newer = { ...beta, updatedAt: '2026-01-02T00:00:00.000Z' };
      const client = fakeClient(() => detailOf('beta', { database: newer }));
      render(
        <ClientProvider client={client}>
          <DatabaseDetail id="id-beta" />
        </ClientProvider>,
      );
      await act(() => vi.advanceTimersByTimeAsync(5_000));
      expect(screen.getByText('beta-event')).toBeTruthy();
      expect(useFleetStore.getState().databases.get('id-beta')?.updatedAt).toBe(newer.updatedAt);
      expect(client.calls).toHaveLength(1);
      act(() =>
        useFleetStore
          .getState()
          .upsertDatabase({ ...newer, updatedAt: '2026-01-03T00:00:00.000Z', status: 'UPDATING' }),
      );
      await act(() => vi.advanceTimersByTimeAsync(5_000));
      expect(client.calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
