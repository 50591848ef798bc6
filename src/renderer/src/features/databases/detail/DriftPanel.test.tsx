// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type DatabaseDetailView, type DriftHistoryEntry } from '../../../api';
import { fakeClient } from '../../../testing/fixtures';
import { DriftPanel } from './DriftPanel';

const DATABASE = {
  id: 'id-orders',
  domain: 'acme',
  project: 'shop',
  drift: [
    {
      path: 'resources.cpu',
      desired: '500m',
      live: '900m',
      firstSeenAt: '2026-03-01T09:00:00.000Z',
    },
    {
      path: 'version',
      desired: '16.1',
      live: '16.4',
      firstSeenAt: '2026-03-01T09:05:00.000Z',
      refused: { reason: 'KubeDB does not downgrade 16.4 to 16.1', at: '2026-03-01T09:06:00.000Z' },
    },
  ],
};

const REPAIRED: DriftHistoryEntry = {
  path: 'deletionPolicy',
  desired: 'Delete',
  live: 'WipeOut',
  firstSeenAt: '2026-03-01T08:00:00.000Z',
  resolvedAt: '2026-03-01T08:01:00.000Z',
  resolution: 'repaired',
  actor: 'system',
  operationId: 'op-repair-1',
};
const BY_HAND: DriftHistoryEntry = {
  ...REPAIRED,
  path: 'labels.team',
  desired: 'payments',
  live: 'ops',
  resolvedAt: '2026-03-01T08:30:00.000Z',
  resolution: 'reverted-by-hand',
  actor: null,
  operationId: null,
};

const detail = (
  policy: DatabaseDetailView['driftPolicy'],
): Pick<DatabaseDetailView, 'driftHistory' | 'driftPolicy'> => ({
  driftHistory: [REPAIRED, BY_HAND],
  driftPolicy: policy,
});

describe('the "changed outside the console" panel', () => {
  afterEach(cleanup);

  it('shows current drift with what the policy will do, and the history newest first', () => {
    render(
      <DriftPanel
        database={DATABASE}
        detail={detail({ policy: 'repair', canChange: false })}
        error={null}
        client={fakeClient(() => null)}
      />,
    );
    const current = within(screen.getByRole('table', { name: 'Current drift' }));
    const cpu = current.getByRole('row', { name: /resources\.cpu/ });
    expect(cpu.textContent).toContain('500m');
    expect(cpu.textContent).toContain('900m');
    expect(cpu.textContent).toContain('Will be repaired');
    expect(cpu.textContent).toContain(new Date('2026-03-01T09:00:00.000Z').toLocaleString());
    expect(current.getByRole('row', { name: /version/ }).textContent).toContain(
      'Not repaired: KubeDB does not downgrade',
    );
    const rows = within(screen.getByRole('table', { name: 'Drift history' })).getAllByRole('row');
    expect(rows.slice(1).map((row) => (row as HTMLTableRowElement).cells[0]?.textContent)).toEqual([
      'labels.team',
      'deletionPolicy',
    ]);
    expect(rows[1]?.textContent).toContain('Changed back outside the console');
    expect(rows[2]?.textContent).toContain('Repaired by system (operation op-repair-1)');
    expect(screen.getByTestId('drift-policy').textContent).toContain(
      'Only admins of domain acme can change it',
    );
    expect(screen.queryByRole('combobox')).toBeNull();
  });

  it('shows the read error instead of a history, and what notify does', () => {
    render(
      <DriftPanel
        database={DATABASE}
        detail={null}
        error={new ApiError(429, 'RATE_LIMITED', 'too many read requests')}
        client={fakeClient(() => null)}
      />,
    );
    expect(screen.getByRole('alert').textContent).toContain('The drift history could not be read');
    expect(screen.queryByRole('table', { name: 'Drift history' })).toBeNull();
    cleanup();
    render(
      <DriftPanel
        database={DATABASE}
        detail={{ driftHistory: [], driftPolicy: { policy: 'notify', canChange: false } }}
        error={null}
        client={fakeClient(() => null)}
      />,
    );
    expect(screen.getByRole('row', { name: /resources\.cpu/ }).textContent).toContain('Shown only');
    expect(screen.getByText('Nothing was changed outside the console so far.')).toBeTruthy();
  });

  it('lets an admin of the domain change the project drift policy through PATCH', async () => {
    const client = fakeClient(({ body }) => ({ name: 'shop', ...(body as object) }));
    render(
      <DriftPanel
        database={DATABASE}
        detail={detail({ policy: 'repair', canChange: true })}
        error={null}
        client={client}
      />,
    );
    const save = screen.getByRole<HTMLButtonElement>('button', { name: 'Save drift policy' });
    expect(save.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(/Drift policy of project acme\/shop/), {
      target: { value: 'adopt-live' },
    });
    await act(async () => {
      fireEvent.click(save);
      await Promise.resolve();
    });
    expect(client.calls).toEqual([
      {
        method: 'PATCH',
        url: '/api/v1/domains/acme/projects/shop',
        body: { driftPolicy: 'adopt-live' },
      },
    ]);
    expect(screen.getByRole('row', { name: /resources\.cpu/ }).textContent).toContain(
      'Will be adopted',
    );
  });
});
