import { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { ValidationError, type ErrorDetail } from '../base/errors';
import {
  checkClusterAddresses,
  checkCluster,
  checkToken,
  checkUser,
  type CheckedCluster,
  type CheckedUser,
} from './kubeconfig-checks';
import {
  parseKubeconfigDocument,
  refusal,
  stringField,
  type KubeconfigDocument,
  type Mapping,
} from './kubeconfig-document';
import {
  readReferencedFile,
  ReferencedFileError,
  type ReferencedFileReader,
} from './kubeconfig-files';
import { sanitizeAuthProvider, sanitizeExec } from './kubeconfig-plugins';

/** What the engine allows a kubeconfig to contain. The desktop allows what the user's kubectl allows. */
export interface KubeconfigPolicy {
  /** `exec` and `auth-provider` users run code or reach token endpoints on the engine's host. */
  allowExecAuth: boolean;
  /** `token-file`, `certificate-authority`, `client-certificate`, `client-key`, any `*-file`/`*-path`. */
  allowFileReferences: boolean;
  /** Servers and proxies on the engine's own host, link-local or metadata addresses. */
  allowPrivateAddresses: boolean;
  /** Extra names of the engine's own host. */
  ownHosts?: readonly string[];
  /** How allowed files are read (tests count reads through it). */
  readFile?: ReferencedFileReader;
  /** How names are resolved for the address rules (tests inject records). */
  resolve?: (host: string) => Promise<string[]>;
}

export const DAEMON_POLICY: KubeconfigPolicy = {
  allowExecAuth: false,
  allowFileReferences: false,
  allowPrivateAddresses: false,
};

export const DESKTOP_POLICY: KubeconfigPolicy = {
  allowExecAuth: true,
  allowFileReferences: true,
  allowPrivateAddresses: true,
};

/** A kubeconfig reduced to one context, ready for the vault. */
export interface ImportedKubeconfig {
  context: string;
  /** The API server URL (no credentials: they are refused). */
  server: string;
  /** A kubeconfig holding only the chosen context, its cluster and its user, with no file keys. */
  yaml: string;
}

/** One context of a kubeconfig, for the import list; `problem` says why importing it would fail. */
export interface KubeContextSummary {
  name: string;
  cluster: string;
  server: string;
  user: string;
  current: boolean;
  problem?: ErrorDetail;
}

const EXEC_WAY =
  'use a kubeconfig whose user has a service-account token (token or client-certificate-data), or start the daemon with DBAAS_ALLOW_EXEC_AUTH=true';
const FILE_WAY =
  'embed the contents instead (certificate-authority-data, client-certificate-data, client-key-data, token), or start the daemon with DBAAS_ALLOW_EXEC_AUTH=true';

/**
 * Parses the raw text and applies the policy to every file and exec reference anywhere in it (every
 * user, cluster and extension, selected or not), before any library sees the text.
 */
export function guardKubeconfig(text: unknown, policy: KubeconfigPolicy): KubeconfigDocument {
  const document = parseKubeconfigDocument(text);
  const details: ErrorDetail[] = [];
  for (const reference of document.references) {
    if (reference.kind === 'exec' && !policy.allowExecAuth) {
      details.push({
        path: reference.path,
        rule: 'exec',
        message: `${reference.path} runs a program (an exec or auth-provider plugin), which this engine does not allow; ${EXEC_WAY}`,
      });
    } else if (reference.kind === 'file' && !policy.allowFileReferences) {
      details.push({
        path: reference.path,
        rule: 'file-reference',
        message: `${reference.path} refers to a local file, which this engine does not read; ${FILE_WAY}`,
      });
    }
  }
  if (details.length > 0) {
    throw new ValidationError(`kubeconfig refused: ${details[0]!.message}`, details.slice(0, 20));
  }
  return document;
}

interface Selection {
  contextName: string;
  context: Mapping;
  cluster: CheckedCluster;
  clusterIndex: number;
  user: CheckedUser;
}

/** The chosen context with its cluster and user, each field checked. */
function select(document: KubeconfigDocument, wanted: string | undefined): Selection {
  const contextName = wanted ?? document.currentContext;
  const entry = document.contexts.find((context) => context.name === contextName);
  if (!contextName || !entry) {
    const message = wanted
      ? `context "${wanted}" is not in the kubeconfig`
      : 'the kubeconfig has no current-context; name one in "context"';
    throw new ValidationError(message, [{ path: 'context', rule: 'exists', message }]);
  }
  const at = `contexts[${entry.index}].context`;
  const clusterName = stringField(entry.context, 'cluster', `${at}.cluster`);
  const userName = stringField(entry.context, 'user', `${at}.user`);
  const cluster = document.clusters.find((c) => c.name === clusterName);
  if (!cluster)
    throw refusal(
      `${at}.cluster`,
      'cluster',
      `context "${contextName}" names a cluster that is not defined`,
    );
  const user = document.users.find((u) => u.name === userName);
  if (!user)
    throw refusal(
      `${at}.user`,
      'user',
      `context "${contextName}" names a user that is not defined`,
    );
  return {
    contextName,
    context: entry.context,
    cluster: checkCluster(cluster.name, cluster.cluster, cluster.index),
    clusterIndex: cluster.index,
    user: checkUser(user.name, user.user, user.index),
  };
}

/** The contexts of a kubeconfig, guarded as an import is, each with the problem that would refuse it. */
export async function listContexts(
  text: unknown,
  policy: KubeconfigPolicy,
): Promise<KubeContextSummary[]> {
  const document = guardKubeconfig(text, policy);
  return Promise.all(
    document.contexts.map(async (context, index) => {
      const cluster = document.clusters.find((c) => c.name === context.context.cluster);
      const summary: KubeContextSummary = {
        name: context.name,
        cluster: typeof context.context.cluster === 'string' ? context.context.cluster : '',
        server: typeof cluster?.cluster.server === 'string' ? cluster.cluster.server : '',
        user: typeof context.context.user === 'string' ? context.context.user : '',
        current: context.name === document.currentContext,
      };
      // The first 50 are checked in full (addresses resolved); a longer list is checked on import.
      if (index >= 50) return summary;
      try {
        const selection = select(document, context.name);
        if (!policy.allowPrivateAddresses)
          await checkClusterAddresses(selection.cluster, selection.clusterIndex, policy);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        summary.problem = error.details[0];
      }
      // A server URL with a password is never echoed.
      if (summary.problem?.rule === 'server-credentials') summary.server = '';
      return summary;
    }),
  );
}

async function inline(
  path: string | undefined,
  where: string,
  policy: KubeconfigPolicy,
): Promise<Buffer | undefined> {
  if (!path) return undefined;
  // Unreachable when files are refused (guardKubeconfig), kept as a second lock.
  if (!policy.allowFileReferences)
    throw refusal(where, 'file-reference', `${where} refers to a local file; ${FILE_WAY}`);
  try {
    return await (policy.readFile ?? readReferencedFile)(path);
  } catch (error) {
    const why = error instanceof ReferencedFileError ? error.why : 'the file cannot be read';
    throw refusal(where, 'file-reference', `${where} cannot be used: ${why}`);
  }
}

/** The canonical document: one context, no file keys, only fields the engine knows. */
function canonical(selection: Selection): Mapping {
  const { cluster, user } = selection;
  const namespace = selection.context.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': selection.contextName,
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
          ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
          ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
          ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
        },
      },
    ],
    users: [
      {
        name: user.name,
        user: {
          ...(user.token ? { token: user.token } : {}),
          ...(user.certData ? { 'client-certificate-data': user.certData } : {}),
          ...(user.keyData ? { 'client-key-data': user.keyData } : {}),
          ...(user.username ? { username: user.username } : {}),
          ...(user.password ? { password: user.password } : {}),
          ...(user.exec ? { exec: sanitizeExec(user.exec) } : {}),
          ...(user.authProvider
            ? { 'auth-provider': sanitizeAuthProvider(user.authProvider) }
            : {}),
        },
      },
    ],
    contexts: [
      {
        name: selection.contextName,
        context: {
          cluster: cluster.name,
          user: user.name,
          ...(typeof namespace === 'string' && namespace ? { namespace } : {}),
        },
      },
    ],
  };
}

/** Turns a canonical document into client-node's config without client-node parsing any text. */
export function toKubeConfig(yaml: string): KubeConfig {
  const selection = select(parseKubeconfigDocument(yaml), undefined);
  const { cluster, user } = selection;
  const config = new KubeConfig();
  // File fields are never handed over: client-node would read them synchronously.
  config.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.server,
        caData: cluster.caData,
        skipTLSVerify: cluster.skipTLSVerify,
        tlsServerName: cluster.tlsServerName,
        proxyUrl: cluster.proxyUrl,
      },
    ],
    users: [
      {
        name: user.name,
        token: user.token,
        certData: user.certData,
        keyData: user.keyData,
        username: user.username,
        password: user.password,
        exec: user.exec ? sanitizeExec(user.exec) : undefined,
        authProvider: user.authProvider ? sanitizeAuthProvider(user.authProvider) : undefined,
      },
    ],
    contexts: [
      {
        name: selection.contextName,
        cluster: cluster.name,
        user: user.name,
        namespace:
          typeof selection.context.namespace === 'string' ? selection.context.namespace : undefined,
      },
    ],
    currentContext: selection.contextName,
  });
  return config;
}

/**
 * Picks one context (the current one by default), checks it against the policy and returns a
 * kubeconfig with only that context. Each refusal names the field and the rule.
 */
export async function importKubeconfig(
  text: unknown,
  options: { context?: string; policy: KubeconfigPolicy },
): Promise<ImportedKubeconfig> {
  const { policy } = options;
  const document = guardKubeconfig(text, policy);
  const selection = select(document, options.context);
  if (!policy.allowPrivateAddresses)
    await checkClusterAddresses(selection.cluster, selection.clusterIndex, policy);
  const { cluster, user } = selection;
  const clusterAt = `clusters[${selection.clusterIndex}].cluster`;
  const userAt = `users[${document.users.findIndex((u) => u.name === user.name)}].user`;
  const ca = await inline(cluster.caFile, `${clusterAt}.certificate-authority`, policy);
  if (ca) cluster.caData = ca.toString('base64');
  const cert = await inline(user.certFile, `${userAt}.client-certificate`, policy);
  if (cert) user.certData = cert.toString('base64');
  const key = await inline(user.keyFile, `${userAt}.client-key`, policy);
  if (key) user.keyData = key.toString('base64');
  const token = await inline(user.tokenFile, `${userAt}.token-file`, policy);
  // kubectl trims the file's whitespace; an explicit token wins over the file, as in kubectl.
  if (token && !user.token)
    user.token = checkToken(token.toString('utf8').trim(), `${userAt}.token-file`);
  const yaml = dump(canonical(selection), { noRefs: true });
  // Re-check the inlined data and let client-node build its options once, so a config it cannot
  // use is refused now rather than failing every request (plugins are not run here).
  const config = toKubeConfig(yaml);
  if (!user.exec && !user.authProvider) {
    try {
      await config.applyToHTTPSOptions({ headers: {} });
    } catch {
      throw refusal(
        clusterAt,
        'client-config',
        `the Kubernetes client cannot use ${clusterAt} with this user`,
      );
    }
  }
  return { context: selection.contextName, server: cluster.server, yaml };
}
