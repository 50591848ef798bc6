import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EngineEvent, EventBus } from '../../services';
import { trackEventStream } from '../plugins/event-streams';

/** Keeps idle proxies from closing the stream, and notices dead clients. */
const HEARTBEAT_MS = 15_000;

/** How long a client waits before it reconnects (the SSE `retry:` field). */
const RETRY_MS = 2_000;

/**
 * Sent instead of a replay when the events after the client's `Last-Event-ID` are not known any
 * more: the client must reload what it shows. Its data says why.
 */
export const STREAM_RESET_EVENT = 'stream.reset';

/** One SSE message; `data` never contains a newline because JSON.stringify escapes them. */
function message(id: string, type: string, data: unknown): string {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Serves `GET /api/v1/events` on a hijacked response. Every event carries its id in the engine's
 * sequence. A reconnect with `Last-Event-ID` first gets the events it missed, in order, then the
 * live ones; when the journal no longer knows that id, it gets one `stream.reset` event instead.
 * Right after connecting (and after the replay) the stream states the current id, so that a client
 * that received nothing yet still has a position to resume from.
 */
export async function serveEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  events: EventBus,
  visible: (event: EngineEvent) => Promise<boolean>,
): Promise<FastifyReply> {
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-request-id': request.id,
  });
  raw.write(`: connected\nretry: ${RETRY_MS}\n\n`);
  trackEventStream(request.server, raw);

  // Events are written in the order of their ids, even when a visibility check waits.
  let chain = Promise.resolve();
  const write = (id: string, event: EngineEvent): void => {
    chain = chain.then(async () => {
      if (raw.writableEnded || !(await visible(event))) return;
      raw.write(message(id, event.type, event.data));
    });
  };
  // Subscribe before reading the journal, so that nothing published meanwhile falls in between;
  // what arrives live during the replay waits, and what the replay already had is skipped.
  let held: { id: string; event: EngineEvent }[] | null = [];
  const subscription = events.subscribe((event, id) => {
    if (held) held.push({ id, event });
    else write(id, event);
  });
  const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
  request.raw.on('close', () => {
    clearInterval(heartbeat);
    void subscription.dispose();
  });
  reply.hijack();

  const lastEventId = request.headers['last-event-id'];
  const replayed = new Set<string>();
  if (typeof lastEventId === 'string' && lastEventId !== '') {
    const missed = await events.journal.since(lastEventId);
    if (missed === undefined && !raw.writableEnded) {
      const head = await events.journal.head();
      raw.write(
        message(head, STREAM_RESET_EVENT, {
          reason: 'the events after Last-Event-ID are no longer kept; reload',
        }),
      );
    } else {
      for (const entry of missed ?? []) {
        replayed.add(entry.id);
        write(entry.id, entry.event);
      }
    }
  }
  const head = await events.journal.head();
  chain = chain.then(() => {
    if (!raw.writableEnded) raw.write(`id: ${head}\n\n`);
  });
  const live = held;
  held = null;
  for (const entry of live) if (!replayed.has(entry.id)) write(entry.id, entry.event);
  return reply;
}
