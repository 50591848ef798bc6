/**
 * The kubeconfig corpus: variants generated in code across files, processes, addresses, proxies,
 * encodings and YAML tricks. Each hostile variant names the key path its refusal must name; each
 * benign one must be accepted. Used by kubeconfig-corpus.test.ts.
 */

export interface Variant {
  group: 'files' | 'processes' | 'addresses' | 'proxies' | 'encodings' | 'yaml' | 'benign';
  name: string;
  text: string;
  /** The context to import, when not the current one. */
  context?: string;
  /** Undefined for a benign variant; otherwise a pattern the refusal's detail path must match. */
  refusedAt?: RegExp;
}

/** A self-signed test certificate (no key): valid certificate-authority-data. */
const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBgjCCASmgAwIBAgIUQfc3TMlfiEsWsu+obCNL2H9+wt0wCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLY29ycHVzLXRlc3QwIBcNMjYxMjAyMDYxMTQwWhgPMjEyNjEx
MDgwNjExNDBaMBYxFDASBgNVBAMMC2NvcnB1cy10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAE7+csyR6IYjdKfGAEoSEdSMERe+UoGc7RizZBQbvMLysp12gt
9JqN8uz701PDxg6xhy36agoRDjdVkp3XZxSMEaNTMFEwHQYDVR0OBBYEFPycmyZk
t2vlAiK71lQT8Vuzm80HMB8GA1UdIwQYMBaAFPycmyZkt2vlAiK71lQT8Vuzm80H
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgF3JYv6TtQfdiWpXw
GrOR46klTqEWt3sh2GIKJyWds7oCIBGnNY5OTY38r/RyGClBpNEmHL2jnqr1SmMA
KQ4Wq/CK
-----END CERTIFICATE-----
`;
export const TEST_CA_DATA = Buffer.from(TEST_CA).toString('base64');

/** Fake DNS for the corpus: what each name resolves to (anything else does not resolve). */
export const RECORDS: Record<string, string[]> = {
  'cluster.example': ['10.1.2.3'],
  'public.example': ['203.0.113.10'],
  'v6.example': ['2001:db8::10'],
  'proxy.example': ['10.0.0.9'],
  'loop.test': ['127.0.0.1'],
  'loop6.test': ['::1'],
  'meta.test': ['169.254.169.254'],
  'mixed.test': ['10.0.0.1', '127.0.0.1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'nat64.test': ['64:ff9b::7f00:1'],
};

interface Parts {
  server?: string;
  cluster?: string;
  user?: string;
  users?: string;
  extra?: string;
}

export function kubeconfig(parts: Parts = {}): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'current-context: c',
    'clusters:',
    '- name: k',
    '  cluster:',
    `    server: ${parts.server ?? 'https://cluster.example:6443'}`,
    '    insecure-skip-tls-verify: true',
    ...(parts.cluster ? [parts.cluster] : []),
    'users:',
    '- name: u',
    '  user:',
    parts.user ?? '    token: corpus-token',
    ...(parts.users ? [parts.users] : []),
    'contexts:',
    '- name: c',
    '  context: {cluster: k, user: u}',
    ...(parts.extra ? [parts.extra] : []),
    '',
  ].join('\n');
}

export interface CorpusEnv {
  canary: string;
  fifo: string;
  trapPort: number;
  ownHost: string;
  ownAddress: string | undefined;
}

export interface Collect {
  hostile: (group: Variant['group'], name: string, text: string, at: RegExp) => void;
  benign: (name: string, text: string, context?: string) => void;
}
