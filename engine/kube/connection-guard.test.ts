/**
 * The guard on every connection (security review F3, F4): a stored kubeconfig whose server or proxy
 * is, or has been re-pointed to, this host opens no socket. A real listener on loopback counts
 * connections; the resolver is injected.
 */
import { createServer, type Server } from 'node:net';
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
