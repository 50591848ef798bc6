// @vitest-environment happy-dom
// @vitest-environment-options {"settings": {"fetch": {"disableSameOriginPolicy": true}}}
/**
 * The console in the desktop window attached to a remote daemon: the page (here in happy-dom) talks
 * to the real main process (FAKE electron, since the Electron binary cannot run here) through the
 * bridge the preload would expose, and main talks to a real daemon over HTTP. Main shares this
 * process with happy-dom here, so its fetch is happy-dom's (told to skip the same-origin policy, as
 * Node's fetch in the real main has none); happy-dom logs the daemon's streams being cut at the end.
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAttachedDesktop, type TestDesktop } from '../../../test/helpers/desktop';
import { TEST_ADMIN_PASSWORD, type TestEngine } from '../../../test/helpers/engine';
import { App } from './App';

describe('the console on the desktop, attached to a remote daemon', () => {
  let daemon: TestEngine;
  let daemonUrl: string;
  let desktop: TestDesktop;

  beforeAll(async () => {
    ({ daemon, daemonUrl, desktop } = await startAttachedDesktop());
    window.dbaas = desktop.bridge;
  });
  afterAll(async () => {
    cleanup();
    delete window.dbaas;
    await desktop.stop();
    await daemon.stop();
  });

  it('signs in through main, shows the fleet, and signs out again', async () => {
    render(<App />);
    expect((await screen.findByTestId('login-daemon')).textContent).toBe(`Daemon: ${daemonUrl}`);

    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'wrong-password-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Sign-in failed');

    fireEvent.change(screen.getByLabelText('Password'), {
      target: { value: TEST_ADMIN_PASSWORD },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByTestId('signed-in-user')).textContent).toBe('admin');
    // The page never held a token: main keeps the daemon's session.
    expect(JSON.stringify({ ...sessionStorage })).not.toMatch(/ey[A-Za-z0-9_-]{20,}/);

    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByTestId('login-daemon')).toBeTruthy();
    expect(await desktop.bridge.request({ method: 'GET', url: '/api/v1/databases' })).toMatchObject(
      { status: 401 },
    );
  });
});
