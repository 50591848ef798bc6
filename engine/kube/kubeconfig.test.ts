import { describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors';
import { checkAddress, checkServerUrl } from './address-guard';
import { DAEMON_POLICY, DESKTOP_POLICY, importKubeconfig, listContexts } from './kubeconfig';

function kubeconfig(
  options: { server?: string; user?: string; extraContext?: boolean } = {},
): string {
  const user = options.user ?? '    token: canary-token-123';
  return `apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster:
    server: ${options.server ?? 'https://10.20.30.40:6443'}
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
${user}
contexts:
- name: prod
  context: {cluster: prod, user: admin}
${options.extraContext ? '- name: staging\n  context: {cluster: prod, user: admin}\n' : ''}`;
}

async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a refusal');
}

describe('importKubeconfig', () => {
  it('keeps only the chosen context and reports its server', async () => {
    const imported = await importKubeconfig(kubeconfig({ extraContext: true }), {
      context: 'staging',
      policy: DAEMON_POLICY,
    });
    expect(imported.context).toBe('staging');
    expect(imported.server).toBe('https://10.20.30.40:6443');
    expect(imported.yaml).toContain('current-context: staging');
    expect(imported.yaml).not.toContain('name: prod\n  context');
    expect(imported.yaml).toContain('canary-token-123');
  });

  it('uses the current context by default', async () => {
    expect((await importKubeconfig(kubeconfig(), { policy: DAEMON_POLICY })).context).toBe('prod');
  });

  it('refuses an exec user on the daemon and allows it on the desktop', async () => {
    const exec =
      '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n      args: ["-c", "id"]';
    const error = await refusal(
      importKubeconfig(kubeconfig({ user: exec }), { policy: DAEMON_POLICY }),
    );
    expect(error.message).toContain('exec or auth-provider');
    expect(error.details[0]).toMatchObject({ path: 'users[0].user.exec', rule: 'exec' });
    // The refusal names the ways forward (issue 11 §5).
    expect(error.message).toContain('service-account token');
    expect(error.message).toContain('DBAAS_ALLOW_EXEC_AUTH=true');
    await expect(
      importKubeconfig(kubeconfig({ user: exec }), { policy: DESKTOP_POLICY }),
    ).resolves.toBeTruthy();
  });

  it('refuses references to local files', async () => {
    const files =
      '    client-certificate: /etc/kubernetes/admin.crt\n    client-key: /etc/kubernetes/admin.key';
    const error = await refusal(
      importKubeconfig(kubeconfig({ user: files }), { policy: DAEMON_POLICY }),
    );
    expect(error.details[0]?.rule).toBe('file-reference');
    expect(error.message).toContain('local file');
  });

  it.each([
    ['https://127.0.0.1:6443', 'loopback'],
    ['https://[::1]:6443', 'loopback'],
    ['http://169.254.169.254/latest', 'metadata'],
    ['https://localhost:6443', "engine's own host"],
    ['https://metadata.google.internal', "engine's own host"],
  ])('refuses the server %s on the daemon', async (server, why) => {
    const error = await refusal(
      importKubeconfig(kubeconfig({ server }), { policy: DAEMON_POLICY }),
    );
    expect(error.details[0]?.rule).toBe('server-address');
    expect(error.message).toContain(why);
  });

  it('allows private addresses when the policy allows them', async () => {
    await expect(
      importKubeconfig(kubeconfig({ server: 'http://127.0.0.1:6443' }), {
        policy: { ...DAEMON_POLICY, allowPrivateAddresses: true },
      }),
    ).resolves.toMatchObject({ server: 'http://127.0.0.1:6443' });
  });

  it('names a missing context and never echoes the kubeconfig', async () => {
    const missing = await refusal(
      importKubeconfig(kubeconfig(), { context: 'nope', policy: DAEMON_POLICY }),
    );
    expect(missing.details[0]).toMatchObject({ path: 'context', rule: 'exists' });
    const garbage = await refusal(
      importKubeconfig('token: canary-token-123\n: : :', { policy: DAEMON_POLICY }),
    );
    expect(garbage.message).not.toContain('canary-token-123');
  });
});

describe('the address guard', () => {
  it('refuses link-local, loopback and IPv4-mapped loopback, and allows private ranges', () => {
    expect(checkAddress('169.254.10.1').allowed).toBe(false);
    expect(checkAddress('::ffff:127.0.0.1').allowed).toBe(false);
    expect(checkAddress('fe80::1').allowed).toBe(false);
    expect(checkAddress('10.0.0.1').allowed).toBe(true);
    expect(checkAddress('192.168.1.10').allowed).toBe(true);
  });

  it('refuses a name that resolves to a metadata address', async () => {
    const verdict = await checkServerUrl('https://cluster.example', [], async () => [
      '169.254.169.254',
    ]);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain('cluster.example resolves to');
  });

  it("refuses the engine's own host names", async () => {
    expect(
      (
        await checkServerUrl('https://dbaas-1.internal:6443', ['dbaas-1.internal'], async () => [
          '10.0.0.5',
        ])
      ).allowed,
    ).toBe(false);
  });
});

describe('listContexts', () => {
  it('lists every context with its server and marks the current one', async () => {
    expect(await listContexts(kubeconfig({ extraContext: true }), DAEMON_POLICY)).toEqual([
      {
        name: 'prod',
        cluster: 'prod',
        server: 'https://10.20.30.40:6443',
        user: 'admin',
        current: true,
      },
      {
        name: 'staging',
        cluster: 'prod',
        server: 'https://10.20.30.40:6443',
        user: 'admin',
        current: false,
      },
    ]);
  });
});
