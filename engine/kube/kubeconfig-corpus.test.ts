/**
 * The kubeconfig corpus (issue 12): every variant of corpus/fixtures.ts goes through registration
 * under the daemon's default guard, against a trap: canary files (a regular file and a FIFO) whose
 * reads are counted through the injected reader and whose contents must appear nowhere, and a TCP
 * listener on loopback that counts connections. Hostile address and proxy variants are also
 * registered with private addresses allowed and then connected through the per-connection guard,
 * which must refuse them too. Prints a one-line JSON summary.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors';
import { createConnectionGuard } from './address-guard';
import { ClusterClient } from './cluster-client';
import { buildCorpus, RECORDS, type Variant } from './corpus/fixtures';
import { DAEMON_POLICY, importKubeconfig, type KubeconfigPolicy } from './kubeconfig';

const CANARY = 'CANARY-FILE-CONTENTS-7d41c0';

let dir: string;
let trap: Server;
let port = 0;
let connections = 0;
const received: Buffer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kc-corpus-'));
  writeFileSync(join(dir, 'canary'), CANARY);
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  trap = createServer((socket) => {
    connections++;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    setTimeout(() => socket.destroy(), 50);
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  const address = trap.address();
  if (typeof address === 'object' && address) port = address.port;
});
afterAll(() => {
  trap.close();
  rmSync(dir, { recursive: true, force: true });
});

const resolve = async (host: string): Promise<string[]> => RECORDS[host] ?? [];

function ownAddress(): string | undefined {
  const entry = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .find((item) => !item.internal);
  return entry ? (entry.family === 'IPv6' ? `[${entry.address}]` : entry.address) : undefined;
}

describe('the kubeconfig corpus', () => {
  it('refuses every hostile variant naming its key, accepts every benign one, reads no file and connects nowhere', async () => {
    const variants: Variant[] = buildCorpus({
      canary: join(dir, 'canary'),
      fifo: join(dir, 'fifo'),
      trapPort: port,
      ownHost: hostname(),
      ownAddress: ownAddress(),
    });
    let filesRead = 0;
    const policy: KubeconfigPolicy = {
      ...DAEMON_POLICY,
      resolve,
      readFile: async () => {
        filesRead++;
        return Buffer.from(CANARY);
      },
    };
    const failures: string[] = [];
    const outputs: string[] = [];
    let refused = 0;
    let accepted = 0;
    const started = Date.now();
    for (const variant of variants) {
      const label = `${variant.group}/${variant.name}`;
      try {
        const imported = await importKubeconfig(variant.text, { policy, context: variant.context });
        accepted++;
        outputs.push(imported.yaml, imported.server);
        if (variant.refusedAt) failures.push(`${label}: accepted`);
      } catch (error) {
        if (!(error instanceof ValidationError)) {
          failures.push(`${label}: not a 400 (${String(error)})`);
          continue;
        }
        refused++;
        outputs.push(error.message, JSON.stringify(error.details));
        const path = error.details[0]?.path ?? '';
        if (!variant.refusedAt) failures.push(`${label}: refused (${error.message})`);
        else if (!variant.refusedAt.test(path))
          failures.push(
            `${label}: refused at "${path}" (${error.details[0]?.rule}), expected ${variant.refusedAt}`,
          );
      }
    }

    // The second layer: hostile targets on the trap, registered with private addresses allowed
    // (as a stored kubeconfig from a looser policy would be), must still open no socket.
    const guard = createConnectionGuard({ resolve });
    const loose: KubeconfigPolicy = { ...policy, allowPrivateAddresses: true };
    let connectionChecks = 0;
    for (const variant of variants) {
      if (!variant.refusedAt || !variant.text.includes(`:${port}`)) continue;
      if (variant.group !== 'addresses' && variant.group !== 'proxies') continue;
      const imported = await importKubeconfig(variant.text, { policy: loose }).catch(() => null);
      if (!imported) continue;
      connectionChecks++;
      const client = new ClusterClient(imported.yaml, variant.name, guard);
      await client.http
        .request({ method: 'GET', path: '/version', timeoutMs: 1_000 })
        .then(() => failures.push(`${variant.group}/${variant.name}: connected`))
        .catch(() => undefined);
    }

    const byGroup: Record<string, number> = {};
    for (const variant of variants) byGroup[variant.group] = (byGroup[variant.group] ?? 0) + 1;
    const canaryLeaked = [...outputs, Buffer.concat(received).toString('latin1')].some((text) =>
      text.includes(CANARY),
    );
    const summary = {
      variants: variants.length,
      hostile: variants.filter((variant) => variant.refusedAt).length,
      refused,
      accepted,
      filesRead,
      loopbackConnections: connections,
      connectionChecks,
      canaryLeaked,
      byGroup,
      ms: Date.now() - started,
    };
    console.log(`kubeconfig corpus: ${JSON.stringify(summary)}`);
    expect(failures).toEqual([]);
    expect(variants.length).toBeGreaterThanOrEqual(100);
    expect(filesRead).toBe(0);
    expect(connections).toBe(0);
    expect(connectionChecks).toBeGreaterThan(20);
    expect(canaryLeaked).toBe(false);
    expect(refused).toBe(summary.hostile);
    expect(accepted).toBe(variants.length - summary.hostile);
  }, 20_000);
});
