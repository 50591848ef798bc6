import { describe, expect, it } from 'vitest';
import type {} from './event-streams';
import { TEST_ADMIN_PASSWORD, startTestEngine } from '../../../test/helpers/engine';

describe('event streams at close', () => {
  it('ends open event streams so that closing the API does not wait for connected consoles', async () => {
    const test = await startTestEngine();
    const address = await test.engine.api.listen({ port: 0, host: '127.0.0.1' });
    const { accessToken } = await test.login('admin', TEST_ADMIN_PASSWORD);
    const response = await fetch(`${address}/api/v1/events`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain(': connected');
    expect(test.engine.api.eventStreams.size).toBe(1);

    const closed = test.stop().then(() => 'closed');
    const deadline = new Promise((resolve) => setTimeout(resolve, 10_000, 'still waiting'));
    expect(await Promise.race([closed, deadline])).toBe('closed');
    // The console sees its stream end (and reconnects later) instead of hanging.
    let done = false;
    while (!done) done = (await reader.read()).done;
  });
});
