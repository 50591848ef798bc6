// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../api';
import { fakeClient } from '../../../testing/fixtures';
import { DeleteDialog } from './DeleteDialog';

const DATABASE = {
  id: 'id-orders',
  name: 'orders',
  namespace: 'acme-shop',
  deletionPolicy: 'Delete' as const,
};

describe('the delete dialog', () => {
  afterEach(cleanup);

  it('deletes only once the exact name is typed', async () => {
    const client = fakeClient(() => ({ operation: { id: 'op' } }));
    const onDeleted = vi.fn();
    render(
      <DeleteDialog
        database={DATABASE}
        client={client}
        onClose={() => undefined}
        onDeleted={onDeleted}
      />,
    );
    const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Delete orders' });
    const input = screen.getByLabelText('Database name to confirm');
    expect(button.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'order' } });
    expect(button.disabled).toBe(true);
    fireEvent.click(button);
    expect(client.calls).toHaveLength(0);
    fireEvent.change(input, { target: { value: 'orders' } });
    expect(button.disabled).toBe(false);
    await act(async () => {
      fireEvent.click(button);
      await Promise.resolve();
    });
    expect(client.calls).toEqual([
      { method: 'DELETE', url: '/api/v1/databases/id-orders', body: undefined },
    ]);
    expect(onDeleted).toHaveBeenCalledOnce();
  });

  it('shows the API error when the engine refuses', async () => {
    const client = fakeClient(() => {
      throw new ApiError(
        422,
        'NOT_ALLOWED',
        'the database is protected by deletionPolicy DoNotTerminate',
        [{ path: 'deletionPolicy', rule: 'protected', message: 'DoNotTerminate forbids deletion' }],
      );
    });
    render(
      <DeleteDialog
        database={DATABASE}
        client={client}
        onClose={() => undefined}
        onDeleted={() => undefined}
      />,
    );
    fireEvent.change(screen.getByLabelText('Database name to confirm'), {
      target: { value: 'orders' },
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Delete orders' }));
      await Promise.resolve();
    });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain(
      'the database is protected by deletionPolicy DoNotTerminate',
    );
    expect(alert.textContent).toContain('deletionPolicy: DoNotTerminate forbids deletion');
  });

  it('describes the deletionPolicy on the cluster when it was changed outside the console', () => {
    render(
      <DeleteDialog
        database={{
          ...DATABASE,
          drift: [{ path: 'deletionPolicy', desired: 'Delete', live: 'WipeOut' }],
        }}
        client={fakeClient(() => ({}))}
        onClose={() => undefined}
        onDeleted={() => undefined}
      />,
    );
    expect(screen.getByText(/its volumes, secrets and backups/)).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toMatch(/on the cluster is WipeOut/);
  });
});
