import { kubeconfig, TEST_CA_DATA, type Collect } from './shared';

export function addBenignVariants({ benign }: Collect): void {
  // Benign: what real kubeconfigs look like.
  benign('a token', kubeconfig());
  benign(
    'CA data',
    kubeconfig({ cluster: `    certificate-authority-data: ${TEST_CA_DATA}` }).replace(
      '    insecure-skip-tls-verify: true\n',
      '',
    ),
  );
  benign('basic auth', kubeconfig({ user: '    username: admin\n    password: s3cret' }));
  benign(
    'namespace in the context',
    kubeconfig().replace('{cluster: k, user: u}', '{cluster: k, user: u, namespace: team-a}'),
  );
  benign(
    'JSON form',
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [
        {
          name: 'k',
          cluster: { server: 'https://cluster.example', 'insecure-skip-tls-verify': true },
        },
      ],
      users: [{ name: 'u', user: { token: 'json-token' } }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }),
  );
  benign('a byte-order mark', `\uFEFF${kubeconfig()}`);
  benign('CRLF line endings', kubeconfig().replace(/\n/g, '\r\n'));
  benign(
    'comments',
    `# generated\n${kubeconfig().replace('current-context: c', 'current-context: c # the one')}`,
  );
  benign(
    'quoted keys',
    kubeconfig({ user: '    "token": "quoted-token"' }).replace('server:', '"server":'),
  );
  benign('anchors for names', kubeconfig().replace('- name: k\n', '- name: &kn k\n'));
  benign(
    'benign extensions',
    kubeconfig({
      extra:
        'extensions:\n- name: client.authentication.k8s.io/exec-info\n  extension: {provider: minikube.sigs.k8s.io, version: v1.32.0}',
    }),
  );
  benign('preferences', kubeconfig({ extra: 'preferences: {colors: true}' }));
  benign(
    'a second context chosen',
    `${kubeconfig()}- name: other\n  context: {cluster: k, user: u}\n`,
    'other',
  );
  benign(
    'tls-server-name localhost (only SNI)',
    kubeconfig({ cluster: '    tls-server-name: localhost' }),
  );
  benign(
    'an http proxy at a private address',
    kubeconfig({ cluster: '    proxy-url: http://10.0.0.9:3128' }),
  );
  benign(
    'a socks5h proxy by name',
    kubeconfig({ cluster: '    proxy-url: socks5h://proxy.example:1080' }),
  );
  benign(
    'a proxy with credentials (kept in the vault only)',
    kubeconfig({ cluster: '    proxy-url: http://u:p@proxy.example:3128' }),
  );
  benign('an https proxy', kubeconfig({ cluster: '    proxy-url: https://proxy.example:3129' }));
  benign('an IPv6 server', kubeconfig({ server: 'https://[2001:db8::1]:6443' }));
  benign('a 192.168 server', kubeconfig({ server: 'https://192.168.49.2:8443' }));
  benign('a 172.16 server', kubeconfig({ server: 'https://172.16.0.10:6443' }));
  benign('a public name', kubeconfig({ server: 'https://public.example' }));
  benign('a name with IPv6', kubeconfig({ server: 'https://v6.example:6443' }));
  benign(
    'http with insecure-skip-tls-verify',
    kubeconfig({ server: 'http://cluster.example:8080' }),
  );
  benign(
    'a path prefix (Rancher)',
    kubeconfig({ server: 'https://cluster.example/k8s/clusters/c-m-123' }),
  );
  benign('a trailing slash', kubeconfig({ server: 'https://cluster.example:6443/' }));
  benign('no port', kubeconfig({ server: 'https://cluster.example' }));
  benign('an upper-case scheme', kubeconfig({ server: 'HTTPS://cluster.example:6443' }));
  benign('a trailing-dot allowed name', kubeconfig({ server: 'https://cluster.example.:6443' }));
  benign('token-file: null', kubeconfig({ user: '    token: t\n    token-file: null' }));
  benign('exec: null', kubeconfig({ user: '    token: t\n    exec: null' }));
  benign(
    'an alias bomb in an extension (never expanded)',
    kubeconfig({
      extra: [
        'x-a: &a [x,x,x,x,x,x,x,x,x]',
        'x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
        'x-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
        'x-f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
        'x-g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
        'x-h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
        'x-i: [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
      ].join('\n'),
    }),
  );
  benign(
    'kubectl config view --raw layout',
    kubeconfig({ extra: 'preferences: {}' }).replace('kind: Config', 'kind: Config\n# kubectl'),
  );
  benign(
    'flow style everything',
    "{apiVersion: v1, kind: Config, current-context: c, clusters: [{name: k, cluster: {server: 'https://cluster.example', insecure-skip-tls-verify: true}}], users: [{name: u, user: {token: flow}}], contexts: [{name: c, context: {cluster: k, user: u}}]}",
  );
  benign('an impersonation field (ignored)', kubeconfig({ user: '    token: t\n    as: someone' }));
  benign(
    'a context name with spaces',
    kubeconfig()
      .replace(/current-context: c\n/, 'current-context: "my cluster"\n')
      .replace('- name: c\n', '- name: "my cluster"\n'),
  );
}
