import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../domain';
import {
  TEST_ADMIN_PASSWORD,
  startTestEngine,
  type TestEngine,
} from '../../../test/helpers/engine';

interface Received {
  id?: string;
  type?: string;
  data?: unknown;
}

/** Reads an event stream over real HTTP, message by message (comments dropped). */
function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const messages: Received[] = [];
  let buffer = '';
  const done = fetch(url, { headers, signal: controller.signal }).then(async (response) => {
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done: ended } = await reader.read().catch(() => ({ value: '', done: true }));
      if (ended) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: Received = {};
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(': ');
          const value = rest.join(': ');
          if (field === 'id') message.id = value;
          if (field === 'event') message.type = value;
          if (field === 'data') message.data = JSON.parse(value) as unknown;
        }
        if (message.id !== undefined || message.type !== undefined) messages.push(message);
        end = buffer.indexOf('\n\n');
      }
    }
  });
  const waitFor = async (test: (all: Received[]) => boolean): Promise<Received[]> => {
    const deadline = Date.now() + 5000;
    while (!test(messages)) {
      if (Date.now() > deadline) throw new Error(`timed out with ${JSON.stringify(messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return messages;
  };
  return { messages, waitFor, close: () => controller.abort(), done };
}

const health = (name: string): EngineEvent => ({
  type: 'provider.health',
  data: {
    id: `p-${name}`,
    name,
    health: {
      reachable: true,
      kubedbInstalled: true,
      engines: [],
      lastSeenAt: null,
      message: null,
    },
  },
});
const names = (messages: Received[]) =>
  messages
    .filter((m) => m.type === 'provider.health')
    .map((m) => (m.data as { name: string }).name);

let test: TestEngine | undefined;
afterEach(async () => {
  await test?.stop();
  test = undefined;
});

describe('the event stream over HTTP', () => {
  it('gives ids of one engine-wide sequence and replays exactly the missed events after Last-Event-ID', async () => {
    test = await startTestEngine();
    const address = await test.engine.api.listen({ port: 0, host: '127.0.0.1' });
    const { accessToken } = await test.login('admin', TEST_ADMIN_PASSWORD);
    const auth = { authorization: `Bearer ${accessToken}` };
    const events = test.engine.services.events;

    const first = openStream(`${address}/api/v1/events`, auth);
    await first.waitFor((all) => all.some((m) => m.id !== undefined));
    // A second connection sees the same ids: they belong to the engine, not the connection.
    const other = openStream(`${address}/api/v1/events`, auth);
    await other.waitFor((all) => all.some((m) => m.id !== undefined));
    events.publish(health('a'));
    events.publish(health('b'));
    const seen = await first.waitFor((all) => names(all).length === 2);
    const otherSeen = await other.waitFor((all) => names(all).length === 2);
    const ids = seen.filter((m) => m.type).map((m) => m.id);
    expect(otherSeen.filter((m) => m.type).map((m) => m.id)).toEqual(ids);
    const seqs = ids.map((id) => Number(id?.split('-')[1]));
    expect(seqs[1]).toBe((seqs[0] ?? 0) + 1);
    first.close();
    other.close();
    await first.done;

    events.publish(health('c'));
    events.publish(health('d'));
    const resumed = openStream(`${address}/api/v1/events`, { ...auth, 'last-event-id': ids[1]! });
    await resumed.waitFor((all) => names(all).length === 2);
    events.publish(health('e'));
    const all = await resumed.waitFor((got) => names(got).length === 3);
    expect(names(all)).toEqual(['c', 'd', 'e']);
    const resumedSeqs = all.filter((m) => m.type).map((m) => Number(m.id?.split('-')[1]));
    expect(resumedSeqs).toEqual([(seqs[1] ?? 0) + 1, (seqs[1] ?? 0) + 2, (seqs[1] ?? 0) + 3]);
    resumed.close();
  });

  it('sends one stream.reset, then the current id, when the Last-Event-ID is not known', async () => {
    test = await startTestEngine();
    const address = await test.engine.api.listen({ port: 0, host: '127.0.0.1' });
    const { accessToken } = await test.login('admin', TEST_ADMIN_PASSWORD);
    test.engine.services.events.publish(health('a'));
    const head = await test.engine.services.events.journal.head();
    const stream = openStream(`${address}/api/v1/events`, {
      authorization: `Bearer ${accessToken}`,
      'last-event-id': 'another-engine-42',
    });
    const got = await stream.waitFor((all) => all.some((m) => m.type === undefined));
    expect(got[0]).toMatchObject({ id: head, type: 'stream.reset' });
    expect(names(got)).toEqual([]);
    expect(got[1]).toEqual({ id: head });
    stream.close();
  });
});
