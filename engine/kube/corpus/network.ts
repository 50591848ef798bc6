import { kubeconfig, type CorpusEnv, type Collect } from './shared';

export function addNetworkVariants(env: CorpusEnv, { hostile }: Collect): void {
  const { trapPort: port } = env;
  // Addresses: the server.
  const servers: [string, string][] = [
    ['loopback', `https://127.0.0.1:${port}`],
    ['short loopback', `https://127.1:${port}`],
    ['decimal loopback', `https://2130706433:${port}`],
    ['hex loopback', `https://0x7f000001:${port}`],
    ['octal loopback', `https://0177.0.0.1:${port}`],
    ['padded loopback', `https://127.000.000.001:${port}`],
    ['localhost', `https://localhost:${port}`],
    ['LOCALHOST', `https://LOCALHOST:${port}`],
    ['localhost.', `https://localhost.:${port}`],
    ['a.localhost', `https://api.localhost:${port}`],
    ['[::1]', `https://[::1]:${port}`],
    ['long ::1', `https://[0:0:0:0:0:0:0:1]:${port}`],
    ['0.0.0.0', `https://0.0.0.0:${port}`],
    ['0', `https://0:${port}`],
    ['[::]', `https://[::]:${port}`],
    ['mapped', `https://[::ffff:127.0.0.1]:${port}`],
    ['mapped hex', `https://[::ffff:7f00:1]:${port}`],
    ['compatible', `https://[::127.0.0.1]:${port}`],
    ['NAT64', `https://[64:ff9b::127.0.0.1]:${port}`],
    ['translated', `https://[::ffff:0:127.0.0.1]:${port}`],
    ['6to4', `https://[2002:7f00:1::]:${port}`],
    ['metadata IP', 'http://169.254.169.254/latest'],
    ['metadata name', 'http://metadata/computeMetadata'],
    ['metadata.google.internal.', 'https://metadata.google.internal.'],
    ['METADATA.GOOGLE.INTERNAL', 'https://METADATA.GOOGLE.INTERNAL'],
    ['instance-data', 'http://instance-data/latest'],
    ['Alibaba metadata', 'http://100.100.100.200/latest'],
    ['AWS IMDS v6', 'http://[fd00:ec2::254]/latest'],
    ['link-local v6', 'https://[fe80::1]:6443'],
    ['multicast', 'https://224.0.0.1:6443'],
    ['name to loopback', `https://loop.test:${port}`],
    ['name to ::1', `https://loop6.test:${port}`],
    ['name to metadata', 'https://meta.test'],
    ['name with loopback among two', `https://mixed.test:${port}`],
    ['name to a mapped loopback', `https://mapped.test:${port}`],
    ['name to NAT64 loopback', `https://nat64.test:${port}`],
    ['unresolvable name', 'https://nowhere.invalid:6443'],
    ["the host's own name", `https://${env.ownHost}:${port}`],
    ['userinfo hiding loopback', `https://cluster.example@127.0.0.1:${port}`],
    ['credentials in the URL', 'https://leak:CANARY-URL-PW@cluster.example:6443'],
    ['query in the URL', 'https://cluster.example:6443/?token=x'],
    ['ftp scheme', 'ftp://cluster.example/'],
    ['file scheme', 'file:///etc/passwd'],
    ['unix scheme', 'unix:///var/run/docker.sock'],
  ];
  if (env.ownAddress) servers.push(["the host's own address", `https://${env.ownAddress}:${port}`]);
  for (const [name, server] of servers)
    hostile(
      'addresses',
      name,
      kubeconfig({ server: JSON.stringify(server) }),
      /^clusters\[0\]\.cluster\.server$/,
    );
  hostile(
    'addresses',
    'http without insecure-skip-tls-verify',
    kubeconfig({ server: 'http://cluster.example:8080' }).replace(
      '    insecure-skip-tls-verify: true\n',
      '',
    ),
    /insecure-skip-tls-verify$/,
  );
  hostile(
    'addresses',
    'insecure-skip-tls-verify as a string',
    kubeconfig({ server: 'http://cluster.example:8080' }).replace(
      'insecure-skip-tls-verify: true',
      'insecure-skip-tls-verify: "true"',
    ),
    /insecure-skip-tls-verify$/,
  );
  hostile(
    'addresses',
    'tls-server-name cannot save a loopback server',
    kubeconfig({
      server: `https://127.0.0.1:${port}`,
      cluster: '    tls-server-name: cluster.example',
    }),
    /server$/,
  );

  // Proxies.
  const proxies: [string, string, RegExp][] = [
    ['http to loopback', `http://127.0.0.1:${port}`, /proxy-url$/],
    ['http to localhost', `http://localhost:${port}`, /proxy-url$/],
    ['socks5 to loopback', `socks5://127.0.0.1:${port}`, /proxy-url$/],
    ['socks5h to ::1', `socks5h://[::1]:${port}`, /proxy-url$/],
    ['https to metadata', 'https://169.254.169.254', /proxy-url$/],
    ['name to loopback', `http://loop.test:${port}`, /proxy-url$/],
    ['unresolvable name', 'http://nowhere.invalid:3128', /proxy-url$/],
    ['trailing-dot localhost', `http://localhost.:${port}`, /proxy-url$/],
    ['socks4 scheme', 'socks4://10.0.0.9:1080', /proxy-url$/],
    ['ftp scheme', 'ftp://10.0.0.9', /proxy-url$/],
    ['not a URL', 'not a url', /proxy-url$/],
    ['mapped loopback', `http://[::ffff:127.0.0.1]:${port}`, /proxy-url$/],
  ];
  for (const [name, proxy, at] of proxies)
    hostile(
      'proxies',
      name,
      kubeconfig({ cluster: `    proxy-url: ${JSON.stringify(proxy)}` }),
      at,
    );
}
