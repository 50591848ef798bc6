/**
 * The findings of the kubeconfig red team (security review F1–F4, F8, F9, F12), one test each,
 * against real files, a real FIFO, real sockets on loopback and an injected resolver.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors';
import { ClusterClient } from './cluster-client';
import {
  DAEMON_POLICY,
  DESKTOP_POLICY,
  importKubeconfig,
  listContexts,
  type KubeconfigPolicy,
} from './kubeconfig';

interface Parts {
  server?: string;
  cluster?: string;
  user?: string;
  extraUser?: string;
}

function kc(parts: Parts = {}): string {
  return `apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster:
    server: ${parts.server ?? 'https://10.20.30.40:6443'}
    insecure-skip-tls-verify: true
${parts.cluster ?? ''}
users:
- name: u
  user:
${parts.user ?? '    token: canary-token-123'}
${parts.extraUser ?? ''}
contexts:
- name: c
  context: {cluster: k, user: u}
`;
}

async function refused(promise: Promise<unknown>): Promise<ValidationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a refusal');
}

/** A TCP listener on loopback that counts connections and the bytes sent to it. */
async function trap(): Promise<{ port: number; connections: () => number; server: Server }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return { port: address.port, connections: () => count, server };
}

let dir: string;
let listener: Awaited<ReturnType<typeof trap>>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kc-guard-'));
  listener = await trap();
});
afterAll(() => {
  listener.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('file references (F1)', () => {
  it('refuses token-file in any user, naming its path, without reading it', async () => {
    const canary = join(dir, 'canary-token');
    writeFileSync(canary, 'CANARY-FILE-TOKEN');
    let reads = 0;
    const policy: KubeconfigPolicy = {
      ...DAEMON_POLICY,
      readFile: async () => (reads++, Buffer.from('x')),
    };
    const selected = await refused(
      importKubeconfig(kc({ user: `    token-file: ${canary}` }), { policy }),
    );
    expect(selected.details[0]).toMatchObject({
      path: 'users[0].user.token-file',
      rule: 'file-reference',
    });
    const other = await refused(
      importKubeconfig(kc({ extraUser: `- name: v\n  user: {token-file: ${canary}}` }), { policy }),
    );
    expect(other.details[0]?.path).toBe('users[1].user.token-file');
    expect(reads).toBe(0);
  });

  it('answers a missing path exactly as an existing one (no existence oracle)', async () => {
    const existing = join(dir, 'exists');
    writeFileSync(existing, 'secret');
    const a = await refused(
      importKubeconfig(kc({ user: `    token-file: ${existing}` }), { policy: DAEMON_POLICY }),
    );
    const b = await refused(
      importKubeconfig(kc({ user: `    token-file: ${existing}-missing` }), {
        policy: DAEMON_POLICY,
      }),
    );
    expect(a.message).toBe(b.message);
  });

  it('runs the same guard for the context list (POST /providers/contexts)', async () => {
    const error = await refused(
      listContexts(kc({ user: '    token-file: /etc/hostname' }), DAEMON_POLICY),
    );
    expect(error.details[0]?.rule).toBe('file-reference');
  });

  it('reads allowed files itself and stores their contents inline, never the path', async () => {
    const token = join(dir, 'sa-token');
    writeFileSync(token, 'from-the-file\n');
    const imported = await importKubeconfig(kc({ user: `    token-file: ${token}` }), {
      policy: { ...DESKTOP_POLICY },
    });
    expect(imported.yaml).toContain('token: from-the-file');
    expect(imported.yaml).not.toContain('token-file');
  });
});

describe('files that block (F2)', () => {
  it('refuses a FIFO and a device as token-file without blocking the event loop', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    const error = await refused(
      importKubeconfig(kc({ user: `    token-file: ${fifo}` }), { policy: DESKTOP_POLICY }),
    );
    const device = await refused(
      importKubeconfig(kc({ user: '    token-file: /dev/zero' }), { policy: DESKTOP_POLICY }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    clearInterval(timer);
    expect(error.message).toContain('not a regular file');
    expect(device.message).toContain('not a regular file');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('proxies (F3)', () => {
  it.each([
    'http://127.0.0.1:27300',
    'http://localhost:27300',
    'socks5://127.0.0.1:27300',
    'socks5h://[::1]:1080',
    'https://169.254.169.254',
    'http://LOCALHOST.:3128',
  ])('refuses proxy-url %s on the daemon', async (proxy) => {
    const error = await refused(
      importKubeconfig(kc({ cluster: `    proxy-url: ${proxy}` }), { policy: DAEMON_POLICY }),
    );
    expect(error.details[0]).toMatchObject({
      path: 'clusters[0].cluster.proxy-url',
      rule: 'proxy-address',
    });
  });

  it('refuses other proxy schemes and accepts a proxy at an allowed address', async () => {
    const scheme = await refused(
      importKubeconfig(kc({ cluster: '    proxy-url: ftp://10.0.0.9' }), { policy: DAEMON_POLICY }),
    );
    expect(scheme.details[0]?.rule).toBe('scheme');
    await expect(
      importKubeconfig(kc({ cluster: '    proxy-url: http://10.0.0.9:3128' }), {
        policy: DAEMON_POLICY,
      }),
    ).resolves.toMatchObject({ yaml: expect.stringContaining('proxy-url: http://10.0.0.9:3128') });
  });
});

describe('what client-node cannot use (F8)', () => {
  it('refuses http:// without insecure-skip-tls-verify, naming the field', async () => {
    const text = kc({ server: 'http://10.20.30.40:8080' }).replace(
      '    insecure-skip-tls-verify: true\n',
      '',
    );
    const error = await refused(importKubeconfig(text, { policy: DAEMON_POLICY }));
    expect(error.details[0]).toMatchObject({
      path: 'clusters[0].cluster.insecure-skip-tls-verify',
      rule: 'insecure-skip-tls-verify',
    });
  });

  it('refuses certificate data that is not PEM, and a certificate without its key', async () => {
    const ca = await refused(
      importKubeconfig(kc({ cluster: '    certificate-authority-data: bm90IGEgY2VydA==' }), {
        policy: DAEMON_POLICY,
      }),
    );
    expect(ca.details[0]).toMatchObject({
      path: 'clusters[0].cluster.certificate-authority-data',
      rule: 'pem',
    });
    const half = await refused(
      importKubeconfig(kc({ user: '    client-certificate-data: bm90IGEgY2VydA==' }), {
        policy: DAEMON_POLICY,
      }),
    );
    expect(half.details[0]?.rule).toBe('required');
  });

  it('refuses a token Node could not send as a header', async () => {
    const error = await refused(
      importKubeconfig(kc({ user: '    token: "a b\\nc"' }), { policy: DAEMON_POLICY }),
    );
    expect(error.details[0]).toMatchObject({ path: 'users[0].user.token', rule: 'token' });
  });
});

describe('credentials in the server URL (F9)', () => {
  it('refuses them and never echoes them, in the refusal or the context list', async () => {
    const text = kc({ server: 'https://leak:CANARYURLPW@10.20.30.40:6443' });
    const error = await refused(importKubeconfig(text, { policy: DAEMON_POLICY }));
    expect(error.details[0]).toMatchObject({
      path: 'clusters[0].cluster.server',
      rule: 'server-credentials',
    });
    const contexts = await listContexts(text, DAEMON_POLICY);
    expect(contexts[0]?.problem?.rule).toBe('server-credentials');
    expect(JSON.stringify([error.message, error.details, contexts])).not.toContain('CANARYURLPW');
  });
});

describe('plugins where they are allowed (desktop)', () => {
  it('keeps oidc but refuses auth-providers that client-node runs or reads synchronously', async () => {
    const gcp = await refused(
      importKubeconfig(
        kc({ user: '    auth-provider: {name: gcp, config: {cmd-path: /bin/true}}' }),
        {
          policy: DESKTOP_POLICY,
        },
      ),
    );
    expect(gcp.details[0]).toMatchObject({
      path: 'users[0].user.auth-provider.name',
      rule: 'auth-provider',
    });
    const file = await refused(
      importKubeconfig(
        kc({ user: `    auth-provider: {name: oidc, config: {tokenFile: ${join(dir, 'fifo')}}}` }),
        {
          policy: DESKTOP_POLICY,
        },
      ),
    );
    expect(file.details[0]?.path).toBe('users[0].user.auth-provider.config.tokenFile');
    await expect(
      importKubeconfig(
        kc({ user: '    auth-provider: {name: oidc, config: {id-token: abc, client-id: x}}' }),
        {
          policy: DESKTOP_POLICY,
        },
      ),
    ).resolves.toBeTruthy();
  });

  it('turns a failing exec plugin into an UNAVAILABLE error naming the cluster, never a bare error', async () => {
    const imported = await importKubeconfig(
      kc({
        user: '    exec: {apiVersion: client.authentication.k8s.io/v1, command: /nonexistent/plugin}',
      }),
      { policy: DESKTOP_POLICY },
    );
    const client = new ClusterClient(imported.yaml, 'plugin-cluster');
    await expect(client.version()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('cluster plugin-cluster cannot be used'),
    });
  });
});
