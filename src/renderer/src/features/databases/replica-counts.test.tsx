// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientProvider, type Database } from '../../api';
import { useFleetStore } from '../../stores';
import { fakeClient, sampleDatabase, type Call } from '../../testing/fixtures';
import { DatabaseDetail } from './DatabaseDetail';
import { DatabasesScreen } from './DatabasesScreen';
import { useDatabaseFilters } from './database-filters';

/** A sharded MongoDB as the API answers it: 3 replicas per shard, 11 pods in all, 9 ready. */
const sharded: Database = sampleDatabase({
  name: 'orders',
  engine: 'mongodb',
  mode: 'sharded',
  replicas: 3,
  topology: { shards: 2, configServers: 3, mongos: 2 },
  readyReplicas: 9,
  desiredReplicas: 11,
  roles: [
    { role: 'shard0', ready: 3, desired: 3 },
    { role: 'shard1', ready: 2, desired: 3 },
    { role: 'configServer', ready: 3, desired: 3 },
    { role: 'mongos', ready: 1, desired: 2 },
  ],
});

function answer(call: Call): unknown {
  if (call.url.startsWith(`/api/v1/databases/${sharded.id}/manifest`))
    return { desired: {}, live: null, drift: [] };
  if (call.url.startsWith(`/api/v1/databases/${sharded.id}/metrics`)) return { series: [] };
  if (call.url.startsWith(`/api/v1/databases/${sharded.id}/events`)) return { items: [] };
  if (call.url.startsWith(`/api/v1/databases/${sharded.id}`)) return sharded;
  return { items: [], nextCursor: null };
}

describe('ready counts of a topology with roles', () => {
  beforeEach(() => {
    useDatabaseFilters.getState().reset();
    useFleetStore.setState({
      databases: new Map([[sharded.id, sharded]]),
      databasesLoaded: true,
      providers: [],
    });
  });
  afterEach(cleanup);

  it('shows ready of the desired pods in the list, with the roles as tooltip', () => {
    render(<DatabasesScreen />);
    const cell = screen.getByTestId('ready-orders');
    expect(cell.textContent).toBe('9/11');
    expect(cell.getAttribute('title')).toBe(
      'shard0 3/3 · shard1 2/3 · configServer 3/3 · mongos 1/2',
    );
  });

  it('shows ready of the desired pods per role on the detail page', async () => {
    render(
      <ClientProvider client={fakeClient(answer)}>
        <DatabaseDetail id={sharded.id} />
      </ClientProvider>,
    );
    expect((await screen.findByTestId('detail-replicas')).textContent).toBe(
      '9 ready of 11 (shard0 3/3 · shard1 2/3 · configServer 3/3 · mongos 1/2)',
    );
  });
});
