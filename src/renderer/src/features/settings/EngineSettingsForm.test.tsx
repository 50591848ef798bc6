// @vitest-environment happy-dom
/**
 * The desktop's engine settings form against the real main process (FAKE electron, since the
 * Electron binary cannot run here), a real embedded engine and the test Redis.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDesktop, type TestDesktop } from '../../../../../test/helpers/desktop';
import { testRedisUrl } from '../../../../../test/helpers/redis';
import type { SettingsView } from '../../../../shared/ipc';
import { createDesktopSettingsClient } from '../../api';
import { EngineSettingsForm } from './EngineSettingsForm';

describe('the engine settings form', () => {
  let desktop: TestDesktop;
  beforeEach(async () => {
    desktop = await startTestDesktop();
  });
  afterEach(async () => {
    cleanup();
    await desktop.stop();
  });

  it('shows what runs, names the field main refused, and applies a shared Redis', async () => {
    const applied: SettingsView[] = [];
    render(
      <EngineSettingsForm
        settings={createDesktopSettingsClient(desktop.bridge)!}
        onApplied={(view) => applied.push(view)}
      />,
    );
    expect((await screen.findByTestId('active-backend')).textContent).toBe(
      'Running now: the embedded engine on SQLite.',
    );

    fireEvent.click(screen.getByLabelText('Shared MongoDB'));
    fireEvent.click(screen.getByRole('button', { name: 'Save and apply' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('the settings are not valid');
    expect(alert.textContent).toContain('mongodbUrl: a MongoDB URL is needed');
    expect(applied).toEqual([]);

    fireEvent.click(screen.getByLabelText('Embedded SQLite (default)'));
    fireEvent.change(screen.getByLabelText(/Shared Redis URL/), {
      target: { value: testRedisUrl() },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save and apply' }));
    await screen.findByText('Saved and applied.', undefined, { timeout: 10_000 });
    expect(screen.getByTestId('active-backend').textContent).toBe(
      'Running now: the embedded engine on SQLite with a shared Redis.',
    );
    expect(applied).toHaveLength(1);
    expect(desktop.desktop.engine?.config.redisUrl).toBe(testRedisUrl());
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  });
});
