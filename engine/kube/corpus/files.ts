import { kubeconfig, type CorpusEnv, type Collect } from './shared';

export function addFileAndExecVariants(env: CorpusEnv, { hostile }: Collect): void {
  const { canary, fifo } = env;
  // Files: every spelling and place of a key that names a local path.
  const fileUsers: [string, string, RegExp][] = [
    ['token-file', `    token-file: ${canary}`, /^users\[0\]\.user\.token-file$/],
    ['token-file to a FIFO', `    token-file: ${fifo}`, /token-file$/],
    ['token-file to a device', '    token-file: /dev/zero', /token-file$/],
    ['token-file to a missing path', `    token-file: ${canary}.missing`, /token-file$/],
    ['token-file relative', '    token-file: ../../etc/hostname', /token-file$/],
    ['Token-File (case)', `    Token-File: ${canary}`, /Token-File$/],
    ['TOKEN_FILE', `    TOKEN_FILE: ${canary}`, /TOKEN_FILE$/],
    ['tokenFile (camel)', `    tokenFile: ${canary}`, /tokenFile$/],
    ['"token-file" quoted', `    "token-file": ${canary}`, /token-file$/],
    ["'token-file' single-quoted", `    'token-file': ${canary}`, /token-file$/],
    ['token-file beside a token', `    token: t\n    token-file: ${canary}`, /token-file$/],
    ['client-certificate', `    client-certificate: ${canary}`, /client-certificate$/],
    ['client-key', `    client-key: ${canary}`, /client-key$/],
    ['client-key with data', `    client-key-data: eA==\n    client-key: ${canary}`, /client-key$/],
    ['token-file via an explicit key', `    ? token-file\n    : ${canary}`, /token-file$/],
    ['token-file as a block scalar', `    token-file: |-\n      ${canary}`, /token-file$/],
    ['token-file with a tag', `    token-file: !!str ${canary}`, /token-file$/],
    [
      'file key in extensions',
      `    token: t\n    extensions:\n    - name: x\n      extension: {secret-file: ${canary}}`,
      /extensions\[0\]\.extension\.secret-file$/,
    ],
    ['path key', `    token: t\n    config-path: ${canary}`, /config-path$/],
    ['dir key', `    token: t\n    cache-dir: /tmp`, /cache-dir$/],
  ];
  for (const [name, user, at] of fileUsers) hostile('files', name, kubeconfig({ user }), at);
  hostile(
    'files',
    'token-file in a user the context does not use',
    kubeconfig({ users: `- name: other\n  user: {token-file: ${canary}}` }),
    /^users\[1\]\.user\.token-file$/,
  );
  hostile(
    'files',
    'certificate-authority',
    kubeconfig({ cluster: `    certificate-authority: ${canary}` }),
    /^clusters\[0\]\.cluster\.certificate-authority$/,
  );
  hostile(
    'files',
    'certificate-authority in an unused cluster',
    kubeconfig({ extra: `preferences: {}\n` }).replace(
      'users:',
      `- name: k2\n  cluster: {server: "https://cluster.example", certificate-authority: ${canary}}\nusers:`,
    ),
    /^clusters\[1\]\.cluster\.certificate-authority$/,
  );
  hostile(
    'files',
    'file key in top-level extensions',
    kubeconfig({ extra: `extensions:\n- name: e\n  extension: {key-file: ${canary}}` }),
    /^extensions\[0\]\.extension\.key-file$/,
  );
  hostile(
    'files',
    'file key in preferences',
    kubeconfig({ extra: `preferences: {colors-file: ${canary}}` }),
    /^preferences\.colors-file$/,
  );
  hostile(
    'files',
    'token-file through an alias',
    kubeconfig({ user: `    token: t\n    x-anchor: &p ${canary}\n    token-file: *p` }),
    /token-file$/,
  );
  hostile(
    'files',
    'token-file in an aliased mapping',
    kubeconfig({ extra: `x-shared: &shared {token-file: ${canary}}\nx-use: *shared` }),
    /^x-shared\.token-file$/,
  );

  // Processes: exec and auth-provider anywhere.
  const execUsers: [string, string, RegExp][] = [
    [
      'exec',
      '    exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, id]}',
      /^users\[0\]\.user\.exec$/,
    ],
    ['Exec (case)', '    Exec: {command: /bin/sh}', /Exec$/],
    ['exec in flow JSON', '    "exec": {"command": "/bin/true"}', /exec$/],
    [
      'auth-provider oidc',
      '    auth-provider: {name: oidc, config: {idp-issuer-url: "https://issuer.example"}}',
      /auth-provider$/,
    ],
    [
      'auth-provider gcp cmd-path',
      '    auth-provider: {name: gcp, config: {cmd-path: /bin/sh, cmd-args: "-c id"}}',
      /auth-provider/,
    ],
    [
      'auth-provider tokenFile',
      `    auth-provider: {name: azure, config: {tokenFile: ${canary}}}`,
      /auth-provider/,
    ],
    ['AUTH_PROVIDER', '    AUTH_PROVIDER: {name: oidc}', /AUTH_PROVIDER$/],
    ['exec via an alias', '    exec: *execdef', /exec$/],
  ];
  for (const [name, user, at] of execUsers) {
    const text = kubeconfig({ user }).replace(
      'apiVersion: v1',
      name === 'exec via an alias'
        ? 'x-def: &execdef {command: /bin/sh}\napiVersion: v1'
        : 'apiVersion: v1',
    );
    hostile('processes', name, text, at);
  }
  hostile(
    'processes',
    'exec in a user the context does not use',
    kubeconfig({ users: '- name: other\n  user: {exec: {command: /bin/sh}}' }),
    /^users\[1\]\.user\.exec$/,
  );
  hostile(
    'processes',
    'exec in extensions',
    kubeconfig({ extra: 'extensions:\n- name: e\n  extension: {exec: {command: /bin/sh}}' }),
    /extension\.exec$/,
  );
}
