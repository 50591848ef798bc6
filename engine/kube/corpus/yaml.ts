import { kubeconfig, TEST_CA_DATA, type CorpusEnv, type Collect } from './shared';

export function addYamlVariants(env: CorpusEnv, { hostile }: Collect): void {
  const { canary, trapPort: port } = env;
  // Encodings and data.
  hostile(
    'encodings',
    'certificate data that is not PEM',
    kubeconfig({ cluster: '    certificate-authority-data: bm90IGEgY2VydA==' }),
    /certificate-authority-data$/,
  );
  hostile(
    'encodings',
    'client certificate without its key',
    kubeconfig({ user: `    client-certificate-data: ${TEST_CA_DATA}` }),
    /client-key-data$/,
  );
  hostile(
    'encodings',
    'a token with a newline',
    kubeconfig({ user: '    token: "abc\\ndef"' }),
    /token$/,
  );
  hostile(
    'encodings',
    'a token with a space',
    kubeconfig({ user: '    token: "abc def"' }),
    /token$/,
  );
  hostile(
    'encodings',
    'a token that is a number',
    kubeconfig({ user: '    token: 12345' }),
    /token$/,
  );
  hostile(
    'encodings',
    'a server that is a list',
    kubeconfig({ server: '[https://cluster.example]' }),
    /server$/,
  );

  // YAML tricks.
  hostile(
    'yaml',
    '!!binary tag',
    kubeconfig({ user: '    token: !!binary Y29ycHVz' }),
    /^kubeconfig$/,
  );
  hostile(
    'yaml',
    'custom tag',
    kubeconfig({ user: '    token: !file /etc/passwd' }),
    /^kubeconfig$/,
  );
  hostile(
    'yaml',
    'js/function tag',
    kubeconfig({ user: '    token: !!js/function "function(){}"' }),
    /^kubeconfig$/,
  );
  hostile(
    'yaml',
    'duplicate key',
    kubeconfig({ user: '    token: a\n    token: b' }),
    /^kubeconfig$/,
  );
  hostile(
    'yaml',
    'two documents',
    `${kubeconfig()}---\n${kubeconfig({ server: `https://127.0.0.1:${port}` })}`,
    /^kubeconfig$/,
  );
  hostile('yaml', 'merge key', kubeconfig({ user: `    <<: {token-file: ${canary}}` }), /<<"?$/);
  hostile(
    'yaml',
    'merge key hiding a server',
    kubeconfig().replace(
      '    insecure-skip-tls-verify: true',
      `    <<: {server: "https://127.0.0.1:${port}"}`,
    ),
    /<<"?$/,
  );
  hostile(
    'yaml',
    'duplicate cluster names',
    kubeconfig().replace(
      'users:',
      `- name: k\n  cluster: {server: "https://127.0.0.1:${port}"}\nusers:`,
    ),
    /^clusters\[1\]\.name$/,
  );
  hostile(
    'yaml',
    'duplicate context names',
    `${kubeconfig()}- name: c\n  context: {cluster: k, user: u}\n`,
    /^contexts\[1\]\.name$/,
  );
  hostile(
    'yaml',
    'a huge document',
    kubeconfig({ extra: `x-padding: "${'a'.repeat(1_000_001)}"` }),
    /^kubeconfig$/,
  );
  hostile(
    'yaml',
    'deep nesting',
    kubeconfig({ extra: `x-deep: ${'['.repeat(20_000)}${']'.repeat(20_000)}` }),
    /^kubeconfig$/,
  );
  hostile('yaml', 'not a mapping', '- a\n- b\n', /^kubeconfig$/);
  hostile('yaml', 'no contexts', 'apiVersion: v1\nclusters: []\n', /^contexts$/);
  hostile(
    'yaml',
    'tab indentation',
    kubeconfig().replace('    token: corpus-token', '\ttoken: corpus-token'),
    /^kubeconfig$/,
  );
  hostile(
    'yaml',
    'context naming a missing user',
    kubeconfig().replace('{cluster: k, user: u}', '{cluster: k, user: nobody}'),
    /context\.user$/,
  );
  hostile(
    'yaml',
    'many nodes',
    kubeconfig({ extra: `x-wide: [${'{},'.repeat(120_000)}{}]` }),
    /^kubeconfig$/,
  );
}
