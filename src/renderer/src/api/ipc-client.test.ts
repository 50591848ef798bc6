/**
 * The page's IPC client against the real main process (FAKE electron, since the Electron binary
 * cannot run here) attached to a real daemon over HTTP: main's stale marker reaches the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAttachedDesktop, type TestDesktop } from '../../../../test/helpers/desktop';
import { TEST_ADMIN_PASSWORD, type TestEngine } from '../../../../test/helpers/engine';
import type { BridgeResponse } from '../../../shared/ipc';
import { createFleetStore } from '../stores/fleet-store';
import { createIpcClient } from './ipc-client';

describe('the IPC client', () => {
  let daemon: TestEngine;
  let desktop: TestDesktop;
  let daemonStopped = false;

  beforeAll(async () => {
    ({ daemon, desktop } = await startAttachedDesktop());
  });
  afterAll(async () => {
    await desktop.stop();
    if (!daemonStopped) await daemon.stop();
  });

  it("tells the page when main answers from its offline cache, with the data's age and the reason", async () => {
    const markers: (NonNullable<BridgeResponse['stale']> | null)[] = [];
    const client = createIpcClient(desktop.bridge, (marker) => markers.push(marker));
    await client.request('POST', '/api/v1/auth/login', {
      username: 'admin',
      password: TEST_ADMIN_PASSWORD,
    });
    const fresh = await client.request<{ items: unknown[] }>('GET', '/api/v1/domains');
    expect(markers.at(-1)).toBeNull();

    await daemon.stop();
    daemonStopped = true;
    const cached = await client.request<{ items: unknown[] }>('GET', '/api/v1/domains');
    expect(cached).toEqual(fresh);
    const marker = markers.at(-1);
    expect(marker).toMatchObject({ reason: expect.any(String), ageSeconds: expect.any(Number) });

    // The fleet store keeps it, so the banner and the disabled actions can say why.
    const fleet = createFleetStore(null);
    fleet.getState().markStale(marker!);
    expect(fleet.getState().stale).toEqual({
      since: Date.parse(marker!.since),
      reason: marker!.reason,
    });
    fleet.getState().markStale(null);
    expect(fleet.getState().stale).toBeNull();

    // What main never cached is an error, not stale data.
    await expect(client.request('GET', '/api/v1/audit')).rejects.toMatchObject({ status: 503 });
  });
});
