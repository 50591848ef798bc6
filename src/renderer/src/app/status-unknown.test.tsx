// @vitest-environment happy-dom
/**
 * A database whose cluster cannot be reached reads UNKNOWN everywhere the console lists it — with
 * its last known status and that status's age — and the unreachable cluster reads "unknown", not
 * "KubeDB: missing".
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, PublicProvider } from '../api';
import { ClientProvider } from '../api';
import { DashboardScreen } from '../features/dashboard';
import { ClustersScreen } from '../features/clusters';
import { DatabasesScreen } from '../features/databases';
import { useDatabaseFilters } from '../features/databases/database-filters';
import { useFleetStore } from '../stores';
import { fakeClient, sampleDatabase } from '../testing/fixtures';
import { CommandPalette } from './CommandPalette';

const FIVE_MINUTES_AGO = () => new Date(Date.now() - 5 * 60_000).toISOString();

function provider(id: string, name: string, reachable: boolean): PublicProvider {
  return {
    id,
    name,
    context: name,
    region: null,
    labels: {},
    server: `https://${name}.example:6443`,
    health: {
      reachable,
      kubedbInstalled: true,
      engines: ['postgres'],
      lastSeenAt: FIVE_MINUTES_AGO(),
      message: reachable ? null : 'connect ECONNREFUSED',
    },
    revision: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

function fleet(): Map<string, Database> {
  const down = sampleDatabase({
    name: 'ledger',
    providerId: 'p-down',
    status: 'UNKNOWN',
    lastKnownStatus: 'RUNNING',
    statusObservedAt: FIVE_MINUTES_AGO(),
    statusReason: 'cluster sim-1 cannot be reached: connect ECONNREFUSED',
  });
  const up = sampleDatabase({ name: 'orders', providerId: 'p-up' });
  return new Map([
    [down.id, down],
    [up.id, up],
  ]);
}

describe('a database on an unreachable cluster in the console', () => {
  beforeEach(() => {
    useDatabaseFilters.getState().reset();
    useFleetStore.setState({
      databases: fleet(),
      databasesLoaded: true,
      providers: [provider('p-down', 'sim-1', false), provider('p-up', 'sim-2', true)],
      providersLoaded: true,
    });
  });
  afterEach(cleanup);

  it('shows UNKNOWN with the last known status and its age in the list', () => {
    render(<DatabasesScreen />);
    expect(screen.getByTestId('status-ledger').textContent).toBe('UNKNOWN');
    expect(screen.getByTestId('status-ledger-last').textContent).toBe('last RUNNING, 5 min ago');
    expect(screen.getByTestId('status-orders').textContent).toBe('RUNNING');
  });

  it('counts UNKNOWN on the dashboard and does not say that everything runs as desired', () => {
    render(<DashboardScreen onFilter={() => undefined} />);
    expect(screen.getByRole('button', { name: '1 UNKNOWN, show them' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '1 RUNNING, show them' })).toBeTruthy();
    expect(screen.queryByText('Every database runs as desired.')).toBeNull();
    const attention = screen.getByRole('heading', { name: /unknown now/ }).parentElement!;
    expect(within(attention).getByText('ledger')).toBeTruthy();
    expect(within(attention).getByText('last RUNNING, 5 min ago')).toBeTruthy();
    const clusters = screen.getByRole('table', { name: 'Clusters and health' });
    const down = within(clusters).getByText('sim-1').closest('tr')!;
    expect(down.textContent).toContain('unknown');
    expect(down.textContent).not.toContain('missing');
  });

  it('says that everything runs as desired only when nothing is unknown', () => {
    useFleetStore.setState({
      databases: new Map([['id-orders', sampleDatabase({ providerId: 'p-up' })]]),
    });
    render(<DashboardScreen onFilter={() => undefined} />);
    expect(screen.getByText('Every database runs as desired.')).toBeTruthy();
  });

  it('shows UNKNOWN and the last known status in the Ctrl+K palette', () => {
    render(<CommandPalette />);
    fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    fireEvent.change(screen.getByLabelText('Go to a database, cluster or screen'), {
      target: { value: 'ledger' },
    });
    const option = screen.getByRole('option', { name: /ledger/ });
    expect(option.textContent).toContain('UNKNOWN (last RUNNING, 5 min ago)');
  });

  it('turns a row UNKNOWN and back as database.status events arrive', () => {
    render(<DatabasesScreen />);
    const base = {
      id: 'id-orders',
      name: 'orders',
      domain: 'acme',
      project: 'shop',
      providerId: 'p-up',
      phase: 'Ready',
      readyReplicas: 3,
      driftCount: 0,
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    act(() => {
      useFleetStore.getState().applyEvent({
        type: 'database.status',
        data: {
          ...base,
          status: 'UNKNOWN',
          lastKnownStatus: 'RUNNING',
          statusObservedAt: FIVE_MINUTES_AGO(),
          statusReason: 'cluster sim-2 cannot be reached',
        },
      });
    });
    expect(screen.getByTestId('status-orders').textContent).toBe('UNKNOWN');
    expect(screen.getByTestId('status-orders-last').textContent).toBe('last RUNNING, 5 min ago');
    act(() => {
      useFleetStore.getState().applyEvent({
        type: 'database.status',
        data: { ...base, status: 'RUNNING', lastKnownStatus: 'RUNNING', statusReason: null },
      });
    });
    expect(screen.getByTestId('status-orders').textContent).toBe('RUNNING');
    expect(screen.queryByTestId('status-orders-last')).toBeNull();
  });

  it('reads "unknown" for KubeDB of an unreachable cluster on the clusters screen', () => {
    render(
      <ClientProvider client={fakeClient(() => ({}))}>
        <ClustersScreen />
      </ClientProvider>,
    );
    const table = screen.getByRole('table');
    const down = within(table).getByText('sim-1').closest('tr')!;
    const up = within(table).getByText('sim-2').closest('tr')!;
    expect(down.textContent).toContain('unknown');
    expect(down.textContent).not.toContain('missing');
    expect(up.textContent).toContain('installed');
  });

  it('flags a reachable cluster whose watch data is unconfirmed', () => {
    const stalled = provider('p-up', 'sim-2', true);
    stalled.health.unconfirmed = {
      since: FIVE_MINUTES_AGO(),
      reason: 'the watches of cluster sim-2 have confirmed nothing for 300 s',
    };
    useFleetStore.setState({ providers: [stalled] });
    render(
      <ClientProvider client={fakeClient(() => ({}))}>
        <ClustersScreen />
      </ClientProvider>,
    );
    expect(screen.getByTestId('cluster-unconfirmed-sim-2').textContent).toBe('unconfirmed');
    expect(screen.getByText(/have confirmed nothing for 300 s/)).toBeTruthy();
  });
});
