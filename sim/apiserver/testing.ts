/**
 * Helpers for tests of the simulated API server (and of code that runs against it): start a server
 * on a free port, and wait for a condition with a deadline instead of sleeping.
 */
import { requireCrdsDir } from '../crds';
import { createKubeApiServer, type KubeApiServer, type KubeApiServerOptions } from './index';

/**
 * The real KubeDB CRD folder for a test (sim/crds.ts: KUBEDB_CRDS_DIR, then ../shared/kubedb/crds
 * beside the checkout). Throws the one "KubeDB CRDs not found" line when there is none; call it
 * where the CRDs are needed (a hook or a test), so only the tests that need them fail.
 */
export function crdsDirForTests(): string {
  return requireCrdsDir({ env: process.env });
}

/** A started server and its URL. */
export interface RunningServer {
  server: KubeApiServer;
  url: string;
}

/** Creates and starts a server on 127.0.0.1, port 0. */
export async function startServer(options: KubeApiServerOptions = {}): Promise<RunningServer> {
  const server = createKubeApiServer(options);
  const url = await server.listen(0);
  return { server, url };
}

/** Polls `check` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** fetch + JSON for tests: returns status, headers and the parsed body. */
export async function call(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** An open watch over HTTP that collects its event lines. */
export interface WatchLines {
  events: { type: string; object: Record<string, unknown> }[];
  ended: Promise<void>;
  stop(): void;
}

/** Opens `url` (a watch URL) and collects the JSON lines it streams. */
export async function openWatch(
  url: string,
  headers: Record<string, string> = {},
): Promise<WatchLines> {
  const ctrl = new AbortController();
  const res = await fetch(url, { signal: ctrl.signal, headers });
  const events: WatchLines['events'] = [];
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const ended = (async () => {
    if (!reader) return;
    try {
      for (;;) {
        const { value, done } = (await reader.read()) as {
          value: Uint8Array | undefined;
          done: boolean;
        };
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line) as WatchLines['events'][number]);
        }
      }
    } catch {
      // aborted or reset: the watch is over
    }
  })();
  return { events, ended, stop: () => ctrl.abort() };
}
