import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { checkHost } from './address-guard';
import { referenceKind, refusal, stringField, type Mapping } from './kubeconfig-document';

/**
 * Field checks of the chosen cluster and user, so that what client-node cannot use is a 400 at
 * registration naming the field, never a 500 on every later request.
 */

export interface CheckedCluster {
  name: string;
  server: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface CheckedUser {
  name: string;
  token?: string;
  tokenFile?: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  username?: string;
  password?: string;
  exec?: Mapping;
  authProvider?: Mapping;
}

const PROXY_SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks5h:']);

function parseUrl(value: string, path: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw refusal(path, 'url', `${path} is not a valid URL (${what})`);
  }
}

export function checkCluster(name: string, cluster: Mapping, index: number): CheckedCluster {
  const at = `clusters[${index}].cluster`;
  const server = stringField(cluster, 'server', `${at}.server`);
  if (!server) throw refusal(`${at}.server`, 'required', `${at}.server is missing`);
  const url = parseUrl(server, `${at}.server`, 'https://host:port');
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw refusal(`${at}.server`, 'scheme', `${at}.server must use https or http`);
  if (url.username !== '' || url.password !== '') {
    throw refusal(
      `${at}.server`,
      'server-credentials',
      `${at}.server carries a user name or password; put credentials in the user (token or client certificate) instead`,
    );
  }
  if (url.search !== '' || url.hash !== '')
    throw refusal(`${at}.server`, 'server-url', `${at}.server must not carry a query or fragment`);
  const skip = cluster['insecure-skip-tls-verify'];
  if (skip !== undefined && skip !== null && typeof skip !== 'boolean')
    throw refusal(
      `${at}.insecure-skip-tls-verify`,
      'type',
      `${at}.insecure-skip-tls-verify must be true or false`,
    );
  if (url.protocol === 'http:' && skip !== true) {
    throw refusal(
      `${at}.insecure-skip-tls-verify`,
      'insecure-skip-tls-verify',
      `${at}.server uses http://, which the Kubernetes client allows only with insecure-skip-tls-verify: true; use https:// or set it`,
    );
  }
  const proxyUrl = stringField(cluster, 'proxy-url', `${at}.proxy-url`) || undefined;
  if (proxyUrl) {
    const proxy = parseUrl(proxyUrl, `${at}.proxy-url`, 'http, https, socks5 or socks5h');
    if (!PROXY_SCHEMES.has(proxy.protocol))
      throw refusal(
        `${at}.proxy-url`,
        'scheme',
        `${at}.proxy-url must use http, https, socks5 or socks5h`,
      );
  }
  const caData = stringField(
    cluster,
    'certificate-authority-data',
    `${at}.certificate-authority-data`,
  );
  if (caData) checkCaBundle(decode(caData), `${at}.certificate-authority-data`);
  return {
    name,
    // One spelling (scheme and host in lower case), as client-node compares prefixes.
    server: `${url.protocol}//${url.host}${url.pathname}`.replace(/\/$/, ''),
    caData: caData || undefined,
    caFile:
      stringField(cluster, 'certificate-authority', `${at}.certificate-authority`) || undefined,
    skipTLSVerify: skip === true,
    tlsServerName: stringField(cluster, 'tls-server-name', `${at}.tls-server-name`) || undefined,
    proxyUrl,
  };
}

function decode(base64: string): Buffer {
  return Buffer.from(base64.replace(/\s+/g, ''), 'base64');
}

/** A CA bundle: one or more PEM certificates, each of which parses (Node ignores bad ones silently). */
function checkCaBundle(data: Buffer, path: string): void {
  const blocks = data
    .toString('latin1')
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  try {
    if (!blocks) throw new Error('no certificate');
    for (const block of blocks) new X509Certificate(block);
  } catch {
    throw refusal(path, 'pem', `${path} is not a PEM CA bundle (base64 of PEM certificates)`);
  }
}

function checkPem(
  options: { ca?: Buffer; cert?: Buffer; key?: Buffer },
  path: string,
  what: string,
) {
  try {
    createSecureContext(options);
  } catch {
    throw refusal(path, 'pem', `${path} is not ${what} (base64 of PEM)`);
  }
}

/** A header value Node will send: printable ASCII only (a newline would be refused per request). */
export function checkToken(token: string, path: string): string {
  if (!/^[\x21-\x7e]+$/.test(token))
    throw refusal(path, 'token', `${path} must be printable ASCII with no spaces or newlines`);
  return token;
}

export function checkUser(name: string, user: Mapping, index: number): CheckedUser {
  const at = `users[${index}].user`;
  const token = stringField(user, 'token', `${at}.token`) || undefined;
  if (token) checkToken(token, `${at}.token`);
  const certData = stringField(user, 'client-certificate-data', `${at}.client-certificate-data`);
  const keyData = stringField(user, 'client-key-data', `${at}.client-key-data`);
  if (certData || keyData) {
    if (!certData || !keyData) {
      const missing = certData ? 'client-key-data' : 'client-certificate-data';
      throw refusal(
        `${at}.${missing}`,
        'required',
        `${at} needs both client-certificate-data and client-key-data`,
      );
    }
    checkPem(
      { cert: decode(certData), key: decode(keyData) },
      `${at}.client-certificate-data`,
      'a client certificate matching client-key-data',
    );
  }
  const exec = user.exec;
  const authProvider = user['auth-provider'];
  if (typeof authProvider === 'object' && authProvider !== null)
    checkAuthProvider(authProvider as Mapping, `${at}.auth-provider`);
  return {
    name,
    token,
    tokenFile: stringField(user, 'token-file', `${at}.token-file`) || undefined,
    certData: certData || undefined,
    certFile: stringField(user, 'client-certificate', `${at}.client-certificate`) || undefined,
    keyData: keyData || undefined,
    keyFile: stringField(user, 'client-key', `${at}.client-key`) || undefined,
    username: stringField(user, 'username', `${at}.username`) || undefined,
    password: stringField(user, 'password', `${at}.password`) || undefined,
    exec: typeof exec === 'object' && exec !== null ? (exec as Mapping) : undefined,
    authProvider:
      typeof authProvider === 'object' && authProvider !== null
        ? (authProvider as Mapping)
        : undefined,
  };
}

/**
 * client-node's `gcp` and `azure` providers run `cmd-path` with execSync and its file provider reads
 * `tokenFile` with readFileSync on the request path: a slow command or a FIFO would stall the engine,
 * so even where plugins are allowed only `oidc` without file keys is kept (kubectl itself dropped
 * gcp and azure; their exec plugins work).
 */
function checkAuthProvider(provider: Mapping, path: string): void {
  if (provider.name !== 'oidc') {
    throw refusal(
      `${path}.name`,
      'auth-provider',
      `${path}.name must be oidc; for GKE or AKS use their exec plugins (gke-gcloud-auth-plugin, kubelogin)`,
    );
  }
  const config = typeof provider.config === 'object' && provider.config ? provider.config : {};
  for (const key of Object.keys(config)) {
    if (referenceKind(key) === 'file') {
      throw refusal(
        `${path}.config.${key}`,
        'auth-provider',
        `${path}.config.${key} would be read on every request, blocking the engine; use exec or a token`,
      );
    }
  }
}

/** Checks the server and proxy hosts against the address rules (when private addresses are off). */
export async function checkClusterAddresses(
  cluster: CheckedCluster,
  index: number,
  options: { ownHosts?: readonly string[]; resolve?: (host: string) => Promise<string[]> },
): Promise<void> {
  const at = `clusters[${index}].cluster`;
  const way = 'or start the daemon with DBAAS_ALLOW_PRIVATE_CLUSTER_ADDRESSES=true';
  const server = await checkHost(new URL(cluster.server).hostname, options);
  if (!server.allowed) {
    throw refusal(
      `${at}.server`,
      'server-address',
      `the server address is not allowed: ${server.reason ?? 'refused'}; use the cluster's routable address, ${way}`,
    );
  }
  if (cluster.proxyUrl) {
    const proxy = await checkHost(new URL(cluster.proxyUrl).hostname, options);
    if (!proxy.allowed) {
      throw refusal(
        `${at}.proxy-url`,
        'proxy-address',
        `the proxy address is not allowed: ${proxy.reason ?? 'refused'}; ${way.replace(/^or /, '')}`,
      );
    }
  }
}
