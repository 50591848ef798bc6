// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientProvider, type Database, type Operation } from '../../api';
import { useFleetStore } from '../../stores';
import { fakeClient, sampleDatabase, sampleOperation, type Call } from '../../testing/fixtures';
import { DatabaseDetail } from './DatabaseDetail';

function show(database: Database, operation: Operation) {
  useFleetStore.setState({
    databases: new Map([[database.id, database]]),
    operations: new Map([[operation.id, operation]]),
    providers: [],
  });
  const answer = (call: Call): unknown => {
    if (call.url.includes('/manifest')) return { desired: {}, live: null, drift: [] };
    if (call.url.includes('/metrics')) return { series: [] };
    if (call.url.includes('/events')) return { items: [] };
    if (call.url.startsWith('/api/v1/operations')) return { items: [operation], nextCursor: null };
    return database;
  };
  render(
    <ClientProvider client={fakeClient(answer)}>
      <DatabaseDetail id={database.id} />
    </ClientProvider>,
  );
}

describe('the detail page during an operation', () => {
  afterEach(cleanup);

  it('shows an upgrade as from → to, with the target not yet running', async () => {
    const operation = sampleOperation({
      id: 'op-up',
      type: 'update-version',
      status: 'RUNNING',
      params: { targetVersion: '17.9', previous: { version: '16.4' } },
    });
    show(
      sampleDatabase({
        status: 'UPDATING',
        version: '17.9',
        activeOperationId: operation.id,
        drift: [{ path: 'version', desired: '17.9', live: '16.4' }],
      }),
      operation,
    );
    expect((await screen.findByTestId('detail-engine')).textContent).toBe(
      'postgres 16.4 (target 17.9) (cluster)',
    );
    expect(screen.getByTestId('operation-change-update-version').textContent).toBe(
      'version 16.4 → 17.9',
    );
  });

  it('explains Critical during a restart instead of an empty reason', async () => {
    const operation = sampleOperation({ id: 'op-rs', type: 'restart', status: 'RUNNING' });
    show(
      sampleDatabase({
        status: 'UPDATING',
        phase: 'Critical',
        statusReason: null,
        activeOperationId: operation.id,
      }),
      operation,
    );
    expect((await screen.findByTestId('detail-why')).textContent).toContain(
      'expected while the restart runs',
    );
  });
});
