// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClient } from '../../../testing/fixtures';
import { CredentialsPanel } from './CredentialsPanel';

const CREDENTIALS = {
  username: 'postgres',
  password: 's3cret-pw',
  host: 'orders.acme-shop.svc',
  port: 5432,
  connectionString: 'postgresql://postgres:s3cret-pw@orders.acme-shop.svc:5432',
};

describe('the credentials panel', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('fetches nothing until asked, then hides the credentials again after 30 s', async () => {
    const client = fakeClient(() => CREDENTIALS);
    render(<CredentialsPanel client={client} databaseId="id-orders" disabledReason={null} />);
    expect(client.calls).toHaveLength(0);
    expect(screen.queryByText('s3cret-pw')).toBeNull();

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Reveal credentials' }));
      await Promise.resolve();
    });
    expect(client.calls).toEqual([
      { method: 'GET', url: '/api/v1/databases/id-orders/credentials', body: undefined },
    ]);
    expect(screen.getByTestId('credential-password').textContent).toBe('s3cret-pw');
    expect(screen.getByText('Hidden again in 30 s.')).toBeTruthy();

    act(() => {
      vi.advanceTimersByTime(10_000);
    });
    expect(screen.getByText('Hidden again in 20 s.')).toBeTruthy();
    act(() => {
      vi.advanceTimersByTime(20_000);
    });
    expect(screen.queryByText('s3cret-pw')).toBeNull();
    expect(screen.getByRole('button', { name: 'Reveal credentials' })).toBeTruthy();
  });

  it('hides them at once on request', async () => {
    render(
      <CredentialsPanel
        client={fakeClient(() => CREDENTIALS)}
        databaseId="id-orders"
        disabledReason={null}
      />,
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Reveal credentials' }));
      await Promise.resolve();
    });
    fireEvent.click(screen.getByRole('button', { name: 'Hide credentials' }));
    expect(screen.queryByText('s3cret-pw')).toBeNull();
  });

  it('cannot be revealed while the engine is unreachable, and says why', () => {
    render(
      <CredentialsPanel
        client={fakeClient(() => CREDENTIALS)}
        databaseId="id-orders"
        disabledReason="The engine is unreachable."
      />,
    );
    expect(
      screen.getByRole<HTMLButtonElement>('button', { name: 'Reveal credentials' }).disabled,
    ).toBe(true);
    expect(screen.getByText('The engine is unreachable.')).toBeTruthy();
  });
});
