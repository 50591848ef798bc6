// @vitest-environment happy-dom
/** The dashboard's overdue-backup count: read from the backup estate, and again on backup events. */
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientProvider, type BackupEstateResponse } from '../../api';
import { useFleetStore } from '../../stores';
import { fakeClient, sampleDatabase } from '../../testing/fixtures';
import { DashboardScreen } from './DashboardScreen';

function estate(overdue: string[], unreadable = 0): BackupEstateResponse {
  return {
    items: [],
    unreadable: Array.from({ length: unreadable }, (_, i) => ({
      providerId: `p${i}`,
      reason: `cluster p${i} is unreachable (ECONNREFUSED)`,
    })),
    unprotected: [
      {
        databaseId: 'id-bare',
        name: 'bare',
        state: 'unconfigured',
        reason: 'no backup configuration',
      },
      ...overdue.map((name) => ({
        databaseId: `id-${name}`,
        name,
        state: 'overdue' as const,
        reason: 'newest backup is 40 h old; schedule "0 2 * * *" allows 37 h',
      })),
    ],
  };
}

describe('overdue backups on the dashboard', () => {
  beforeEach(() => {
    const db = sampleDatabase({ name: 'orders' });
    useFleetStore.setState({ databases: new Map([[db.id, db]]), databasesLoaded: true });
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('counts only the overdue ones, and reads the estate again after a backup event, at most every 30 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let overdue = ['old'];
    const client = fakeClient((call) => {
      if (call.url === '/api/v1/backup-estate') return estate(overdue);
      throw new Error(`unexpected ${call.method} ${call.url}`);
    });
    render(
      <ClientProvider client={client}>
        <DashboardScreen onFilter={() => undefined} />
      </ClientProvider>,
    );
    // testing-library's waitFor polls with the (fake) setTimeout: let the read settle instead.
    const settle = () => act(async () => await vi.advanceTimersByTimeAsync(1));
    await settle();
    expect(screen.getByTestId('dash-backup-overdue').textContent).toBe('1');
    overdue = ['old', 'older'];
    act(() => {
      client.emit({ type: 'backup.status', data: { databaseId: 'id-old' } });
      client.emit({ type: 'backup.status', data: { databaseId: 'id-older' } });
    });
    // Two events within the interval: no read yet, then exactly one.
    expect(client.calls.filter((c) => c.url === '/api/v1/backup-estate')).toHaveLength(1);
    await act(async () => await vi.advanceTimersByTimeAsync(29_000));
    expect(client.calls.filter((c) => c.url === '/api/v1/backup-estate')).toHaveLength(1);
    await act(async () => await vi.advanceTimersByTimeAsync(1_000));
    await settle();
    expect(screen.getByTestId('dash-backup-overdue').textContent).toBe('2');
    expect(client.calls.filter((c) => c.url === '/api/v1/backup-estate')).toHaveLength(2);
  });

  it('says the count may be higher when a cluster could not be read', async () => {
    const client = fakeClient((call) => {
      if (call.url === '/api/v1/backup-estate') return estate(['old'], 2);
      throw new Error(`unexpected ${call.method} ${call.url}`);
    });
    render(
      <ClientProvider client={client}>
        <DashboardScreen onFilter={() => undefined} />
      </ClientProvider>,
    );
    await waitFor(() =>
      expect(
        screen.getByText('with an overdue backup, or more: 2 clusters could not be read'),
      ).toBeTruthy(),
    );
    expect(screen.getByTestId('dash-backup-overdue').textContent).toBe('1');
  });

  it('says the count is unknown when the estate cannot be read, never 0', async () => {
    const client = fakeClient(() => {
      throw new Error('cluster sim-1 cannot be reached');
    });
    render(
      <ClientProvider client={client}>
        <DashboardScreen onFilter={() => undefined} />
      </ClientProvider>,
    );
    await waitFor(() =>
      expect(screen.getByText('overdue backups (unknown: the estate cannot be read)')).toBeTruthy(),
    );
    expect(screen.getByTestId('dash-backup-overdue').textContent).toBe('—');
  });
});
