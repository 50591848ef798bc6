/**
 * WATCH over HTTP: a chunked stream of JSON lines. Starts with synthetic ADDED events (no or "0"
 * resourceVersion) or the history after the given version (an ERROR 410 Expired event when that
 * history is gone), then live events, BOOKMARKs when asked, and ends at `timeoutSeconds`, on a
 * dropped-watch fault, or when the server closes.
 */
import { convertObject, converts } from './conversion';
import type { KubeObject } from '../core/contract';
import { acceptAs, type OpenWatch, type ResourceRequest } from './context';
import { sendJson, statusBody } from './http-util';
import { resourceKey, toApiVersion } from './resource-types';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { buildTable } from './table';
import { deliver, type HubWatcher } from './watch-hub';

/** Upper bound of a watch's life when the client gives no timeout (the real server: 30-60 min). */
const MAX_WATCH_SECONDS = 1800;

/** Handles a watch request. */
export function handleWatch(r: ResourceRequest): void {
  const { type, info, deps, query, res } = r;
  const apiVersion = toApiVersion(type.group, info.version);
  if (deps.faults.takeGone()) {
    return sendJson(res, 410, statusBody(410, 'Expired', 'too old resource version: 1 (2)'));
  }
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'));
  const name = info.name;
  const namespace = type.namespaced ? info.namespace : undefined;
  const matches = (o: KubeObject) =>
    (name === undefined || o.metadata.name === name) &&
    labels.matches(o.metadata.labels) &&
    fields.matches(o);
  const asTable = acceptAs(r.accept) === 'Table';
  const key = resourceKey(type);
  const rvParam = query.get('resourceVersion') ?? '';

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  let ended = false;
  const convert = converts(type.group, type.kind) && info.version !== type.versions[0];
  const write = (raw: string, bytes?: Buffer) => {
    if (ended || deps.faults.silent) return;
    const line = convert ? convertLine(raw, apiVersion) : raw;
    res.write(asTable ? toTableLine(line) : convert ? line : (bytes ?? line));
  };
  const toTableLine = (line: string): string => {
    const ev = JSON.parse(line) as { type: string; object: KubeObject };
    if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return line;
    const table = buildTable(type, info.version, [ev.object], 'Metadata', {
      resourceVersion: ev.object.metadata.resourceVersion,
    });
    return `${JSON.stringify({ type: ev.type, object: table })}\n`;
  };
  const watcher: HubWatcher = {
    ...(namespace !== undefined ? { namespace } : {}),
    matches,
    send: write,
  };

  let removeWatcher = () => {};
  const timers: NodeJS.Timeout[] = [];
  const open: OpenWatch = {
    end: () => {
      if (ended) return;
      ended = true;
      removeWatcher();
      for (const t of timers) clearInterval(t);
      deps.watches.delete(open);
      res.end();
    },
  };
  deps.watches.add(open);
  res.on('close', () => open.end());

  if (rvParam === '' || rvParam === '0') {
    for (const e of deps.state.store.objects(type).list(namespace)) {
      if (matches(e.object)) write(`{"type":"ADDED","object":${e.json}}\n`);
    }
    if (query.get('sendInitialEvents') === 'true') {
      write(
        `${JSON.stringify({ type: 'BOOKMARK', object: { kind: type.kind, apiVersion, metadata: { resourceVersion: deps.state.currentRv(), annotations: { 'k8s.io/initial-events-end': 'true' } } } })}\n`,
      );
    }
  } else {
    const history = /^\d+$/.test(rvParam) ? deps.hub.since(key, Number(rvParam)) : 'gone';
    if (history === 'gone') {
      const status = statusBody(
        410,
        'Expired',
        `too old resource version: ${rvParam} (${deps.state.currentRv()})`,
      );
      // Written even when watches are silent: it is the answer to this request, not an event.
      res.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      open.end();
      return;
    }
    for (const event of history) deliver(watcher, event);
  }
  removeWatcher = deps.hub.add(key, watcher);

  if (query.get('allowWatchBookmarks') === 'true' && deps.bookmarkIntervalMs > 0) {
    timers.push(
      setInterval(() => {
        write(
          `${JSON.stringify({ type: 'BOOKMARK', object: { kind: type.kind, apiVersion, metadata: { resourceVersion: deps.state.currentRv() } } })}\n`,
        );
      }, deps.bookmarkIntervalMs),
    );
  }
  const timeout = Math.min(
    Number(query.get('timeoutSeconds') ?? MAX_WATCH_SECONDS) || MAX_WATCH_SECONDS,
    MAX_WATCH_SECONDS,
  );
  const t = setTimeout(() => open.end(), timeout * 1000);
  timers.push(t);
}

/** A watch event line with its object converted to `apiVersion` (kubedb.com kinds). */
function convertLine(line: string, apiVersion: string): string {
  const ev = JSON.parse(line) as { type: string; object: KubeObject };
  if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return line;
  return `${JSON.stringify({ type: ev.type, object: convertObject(ev.object, apiVersion) })}\n`;
}
