// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../api';
import { useFleetStore } from '../../stores';
import { sampleDatabase } from '../../testing/fixtures';
import { DatabasesScreen } from './DatabasesScreen';
import { filterDatabases, NO_FILTERS, useDatabaseFilters } from './database-filters';

const ENGINES = ['postgres', 'mysql', 'mongodb', 'redis'] as const;
const STATUSES = ['RUNNING', 'FAILED', 'PAUSED'] as const;

function fleet(count: number): Map<string, Database> {
  const databases = new Map<string, Database>();
  for (let i = 0; i < count; i++) {
    const db = sampleDatabase({
      id: `id-${i}`,
      name: `db-${String(i).padStart(5, '0')}`,
      engine: ENGINES[i % ENGINES.length],
      status: STATUSES[i % STATUSES.length],
      project: i % 2 ? 'shop' : 'finance',
    });
    databases.set(db.id, db);
  }
  return databases;
}

describe('the databases table', () => {
  beforeEach(() => {
    useDatabaseFilters.getState().reset();
    useFleetStore.setState({ databases: fleet(10_000), databasesLoaded: true, providers: [] });
  });
  afterEach(cleanup);

  it('renders only the rows in view of 10,000', () => {
    render(<DatabasesScreen />);
    const rows = within(screen.getByTestId('virtual-list')).getAllByRole('row');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(screen.getByTestId('database-count').textContent).toContain('10000 of 10000');
    expect(screen.getByText('db-00000')).toBeTruthy();
    expect(screen.queryByText('db-09999')).toBeNull();
  });

  it('shows the rows further down after scrolling, and drops the ones above', async () => {
    render(<DatabasesScreen />);
    const list = screen.getByTestId('virtual-list');
    list.scrollTop = 36 * 5000;
    fireEvent.scroll(list);
    await waitFor(() => expect(screen.queryByText('db-05000')).not.toBeNull());
    expect(screen.queryByText('db-00000')).toBeNull();
    expect(within(list).getAllByRole('row').length).toBeLessThan(60);
  });

  it('filters by engine, status and search text', () => {
    render(<DatabasesScreen />);
    fireEvent.change(screen.getByLabelText('Engine'), { target: { value: 'mysql' } });
    expect(screen.getByTestId('database-count').textContent).toContain('2500 of 10000');
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'FAILED' } });
    const expected = filterDatabases(useFleetStore.getState().databases.values(), {
      ...NO_FILTERS,
      engine: 'mysql',
      status: 'FAILED',
    }).length;
    expect(screen.getByTestId('database-count').textContent).toContain(`${expected} of 10000`);
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'db-00013' } });
    expect(screen.getByTestId('database-count').textContent).toContain('1 of 10000');
    expect(screen.getByText('db-00013')).toBeTruthy();
  });

  it('says what to do when no database matches', () => {
    render(<DatabasesScreen />);
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'nothing-like-this' } });
    expect(screen.getByText('No database matches these filters')).toBeTruthy();
  });

  it('updates a status badge when the store changes, without reloading', () => {
    render(<DatabasesScreen />);
    expect(screen.getByTestId('status-db-00000').dataset.status).toBe('RUNNING');
    act(() => {
      useFleetStore.getState().applyEvent({
        type: 'database.status',
        data: {
          id: 'id-0',
          name: 'db-00000',
          domain: 'acme',
          project: 'finance',
          providerId: 'p1',
          status: 'FAILED',
          phase: 'Critical',
          readyReplicas: 0,
          statusReason: null,
          driftCount: 0,
          updatedAt: '2026-02-01T00:00:00.000Z',
        },
      });
    });
    expect(screen.getByTestId('status-db-00000').dataset.status).toBe('FAILED');
  });
});

describe('filterDatabases', () => {
  it('hides deleted databases unless asked for them, and filters by domain and project', () => {
    const all = [
      sampleDatabase({ name: 'a' }),
      sampleDatabase({ name: 'b', status: 'DELETED' }),
      sampleDatabase({ name: 'c', project: 'other' }),
    ];
    expect(filterDatabases(all, NO_FILTERS).map((d) => d.name)).toEqual(['a', 'c']);
    expect(filterDatabases(all, { ...NO_FILTERS, status: 'DELETED' }).map((d) => d.name)).toEqual([
      'b',
    ]);
    expect(filterDatabases(all, { ...NO_FILTERS, project: 'other' }).map((d) => d.name)).toEqual([
      'c',
    ]);
    expect(filterDatabases(all, { ...NO_FILTERS, domain: 'nope' })).toEqual([]);
  });
});
