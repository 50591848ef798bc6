// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useFleetStore } from '../../stores';
import { sampleDatabase, sampleOperation } from '../../testing/fixtures';
import { CreateProgress } from './CreateProgress';

describe('the create progress', () => {
  afterEach(cleanup);

  it('reads "applied, waiting" while the operation succeeded but the database provisions', () => {
    const database = sampleDatabase({ status: 'PROVISIONING', phase: 'Provisioning' });
    const operation = sampleOperation({ type: 'create', status: 'SUCCEEDED', progress: 100 });
    useFleetStore.setState({
      databases: new Map([[database.id, database]]),
      operations: new Map([[operation.id, operation]]),
    });
    render(<CreateProgress databaseId={database.id} operationId={operation.id} />);
    expect(screen.getByTestId('create-message').textContent).toBe(
      'Applied — waiting for the database to be Ready (phase Provisioning)',
    );
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('90');
    expect(screen.queryByText('100%')).toBeNull();
  });
});
