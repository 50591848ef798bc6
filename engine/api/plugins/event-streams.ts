import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** The open server-sent event streams, ended when the API closes. */
    eventStreams: Set<ServerResponse>;
  }
}

/**
 * Ends every open event stream when the API closes. A stream is a hijacked response that never
 * ends on its own, so without this `close()` — a daemon's shutdown — would wait for every console
 * that is still connected.
 */
export function registerEventStreams(app: FastifyInstance): void {
  app.decorate('eventStreams', new Set<ServerResponse>());
  app.addHook('preClose', async () => {
    for (const stream of app.eventStreams) stream.end();
    app.eventStreams.clear();
  });
}

/** Keeps `raw` among the streams to end at close, until it closes by itself. */
export function trackEventStream(app: FastifyInstance, raw: ServerResponse): void {
  app.eventStreams.add(raw);
  raw.on('close', () => app.eventStreams.delete(raw));
}
