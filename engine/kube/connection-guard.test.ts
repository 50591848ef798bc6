/**
 * The guard on every connection (security review F3, F4): a stored kubeconfig whose server or proxy
 * is, or has been re-pointed to, this host opens no socket. A real listener on loopback counts
 * connections; the resolver is injected.
 */
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionGuard } from './address-guard';
import { ClusterClient } from './cluster-client';
import { DAEMON_POLICY, importKubeconfig } from './kubeconfig';

function kc(server: string, cluster = ''): string {
  return `apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
${cluster}
users:
- name: u
  user: {token: canary-token-123}
contexts:
- name: c
  context: {cluster: k, user: u}
`;
}

let listener: Server;
let port = 0;
let connections = 0;
beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (typeof address === 'object' && address) port = address.port;
});
afterAll(() => {
  listener.close();
});

describe('proxies on every connection (F3)', () => {
  it('opens no connection to a proxy on loopback, even from a stored kubeconfig', async () => {
    const guard = createConnectionGuard({ resolve: async () => ['127.0.0.1'] });
    for (const proxy of [
      `http://127.0.0.1:${port}`,
      `http://proxy.test:${port}`,
      `socks5://proxy.test:${port}`,
    ]) {
      const client = new ClusterClient(
        kc('https://10.20.30.40:6443', `    proxy-url: ${proxy}`),
        'p',
        guard,
      );
      await expect(client.version()).rejects.toThrow(/refused/);
    }
    expect(connections).toBe(0);
  });
});

describe('every connection is checked (F4)', () => {
  it('refuses a name re-pointed at loopback after registration, opening no socket', async () => {
    let answer = ['10.20.30.41'];
    const resolve = async () => answer;
    const server = `https://rebind.test:${port}`;
    const imported = await importKubeconfig(kc(server), {
      policy: { ...DAEMON_POLICY, resolve },
    });
    answer = ['127.0.0.1'];
    const client = new ClusterClient(imported.yaml, 'rebind', createConnectionGuard({ resolve }));
    await expect(client.version()).rejects.toThrow(/rebind\.test resolves to 127\.0\.0\.1/);
    const literal = new ClusterClient(
      kc(`https://127.0.0.1:${port}`),
      'l',
      createConnectionGuard(),
    );
    await expect(literal.version()).rejects.toThrow(/refused/);
    expect(connections).toBe(0);
  });
});

describe('the guarded lookup connects where it is allowed', () => {
  const external = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .find((entry) => !entry.internal && entry.family === 'IPv4')?.address;

  it.skipIf(!external)('opens the socket to the address it checked', async () => {
    let arrived = 0;
    const server = createServer((socket) => {
      arrived++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, external, resolve));
    const address = server.address();
    const target = typeof address === 'object' && address ? address.port : 0;
    try {
      // This host's own address is refused by default; the test declares none, to have a target.
      const guard = createConnectionGuard({
        resolve: async () => [external!],
        ownAddresses: () => [],
      });
      const client = new ClusterClient(kc(`https://allowed.test:${target}`), 'ok', guard);
      await expect(client.version()).rejects.toThrow(/unreachable/);
      expect(arrived).toBe(1);
      // Through an HTTP CONNECT proxy named by host, and a SOCKS proxy pinned to a checked address.
      for (const proxy of [`http://proxy.test:${target}`, `socks5h://proxy.test:${target}`]) {
        const proxied = new ClusterClient(
          kc('https://10.20.30.40:6443', `    proxy-url: ${proxy}`),
          'proxied',
          guard,
        );
        await expect(proxied.version()).rejects.toThrow();
      }
      expect(arrived).toBe(3);
    } finally {
      server.close();
    }
  });

  it.skipIf(!external)('checks the server name a socks5 proxy is asked for', async () => {
    const server = createServer((socket) =>
      socket.on('data', () => socket.write(Buffer.from([5, 0]))),
    );
    await new Promise<void>((resolve) => server.listen(0, external, resolve));
    const address = server.address();
    const target = typeof address === 'object' && address ? address.port : 0;
    const asked: string[] = [];
    try {
      const guard = createConnectionGuard({
        ownAddresses: () => [],
        resolve: async (host) => (
          asked.push(host),
          host === 'proxy.test' ? [external!] : ['127.0.0.1']
        ),
      });
      const client = new ClusterClient(
        kc('https://target.test:6443', `    proxy-url: socks5://proxy.test:${target}`),
        'socks',
        guard,
      );
      await expect(client.version()).rejects.toThrow(
        /target\.test resolves to 127\.0\.0\.1, which is a loopback/,
      );
      expect(asked).toEqual(['proxy.test', 'target.test']);
    } finally {
      server.close();
    }
  });
});
