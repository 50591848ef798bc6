// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { useFleetStore } from '../stores';
import { ErrorView } from './ErrorView';
import { StaleBanner, useOfflineReason } from './StaleBanner';

describe('the stale banner', () => {
  afterEach(cleanup);

  it('says nothing while the engine answers', () => {
    useFleetStore.setState({ online: true, syncedAt: Date.now(), stale: null });
    render(<StaleBanner />);
    expect(screen.queryByTestId('stale-banner')).toBeNull();
  });

  it('marks the data as stale with its age when the engine cannot be reached', () => {
    useFleetStore.setState({ online: false, syncedAt: Date.now() - 3 * 60_000, stale: null });
    render(<StaleBanner />);
    const banner = screen.getByTestId('stale-banner');
    expect(banner.textContent).toContain('from 3 min ago (stale)');
    expect(banner.textContent).toContain('Actions that need the cluster are disabled');
  });

  it("shows main's stale marker with its age and reason, and disables actions saying why", () => {
    useFleetStore.setState({ online: true, syncedAt: Date.now(), stale: null });
    useFleetStore.getState().markStale({
      since: new Date(Date.now() - 7 * 60_000).toISOString(),
      reason: 'the store cannot be reached',
    });
    function Action() {
      const reason = useOfflineReason();
      return (
        <button type="button" disabled={reason !== null} title={reason ?? undefined}>
          Scale
        </button>
      );
    }
    render(
      <>
        <StaleBanner />
        <Action />
      </>,
    );
    const banner = screen.getByTestId('stale-banner');
    expect(banner.textContent).toContain('Not current: the store cannot be reached.');
    expect(banner.textContent).toContain('from 7 min ago (stale)');
    const button = screen.getByRole('button', { name: 'Scale' });
    expect(button).toHaveProperty('disabled', true);
    expect(button.getAttribute('title')).toContain('the store cannot be reached');

    useFleetStore.getState().markStale(null);
    expect(useFleetStore.getState().stale).toBeNull();
  });
});

describe('the error view', () => {
  afterEach(cleanup);

  it('shows the API message and each field with its message', () => {
    render(
      <ErrorView
        error={
          new ApiError(400, 'VALIDATION_FAILED', 'the request is invalid', [
            { path: 'storage.size', rule: 'min', message: 'storage.size must be at least 1Gi' },
            {
              path: 'replicas',
              rule: 'mode',
              message: 'replicas must be exactly 1 for postgres mode standalone',
            },
          ])
        }
      />,
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('VALIDATION_FAILED: the request is invalid');
    expect([...alert.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'storage.size: storage.size must be at least 1Gi',
      'replicas: replicas must be exactly 1 for postgres mode standalone',
    ]);
  });

  it('says the engine cannot be reached instead of a fetch error', () => {
    render(<ErrorView error={new TypeError('Failed to fetch')} />);
    expect(screen.getByRole('status').textContent).toContain('the engine cannot be reached');
  });
});
