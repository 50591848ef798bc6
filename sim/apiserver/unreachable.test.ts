import { afterEach, describe, expect, it } from 'vitest';
import { call, startServer, type RunningServer } from './testing';

let running: RunningServer | undefined;

afterEach(async () => {
  await running?.server.close();
  running = undefined;
});

describe('the unreachable fault', () => {
  it('refuses the Kubernetes API but is undone over its own admin endpoint', async () => {
    running = await startServer();
    const { url } = running;
    await call(`${url}/_sim/faults`, 'POST', { unreachable: true });
    await expect(fetch(`${url}/api/v1/namespaces`)).rejects.toThrow();
    const undone = await call(`${url}/_sim/faults`, 'POST', { unreachable: false });
    expect(undone.status).toBe(200);
    expect((await fetch(`${url}/api/v1/namespaces`)).status).toBe(200);
  });
});
