import { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';
import { ValidationError, type ErrorDetail } from '../base/errors';
import { checkServerUrl } from './address-guard';

/** What the daemon allows a kubeconfig to contain. The desktop allows what the user's kubectl allows. */
export interface KubeconfigPolicy {
  /** `exec` and `auth-provider` users run code or reach token endpoints on the engine's host. */
  allowExecAuth: boolean;
  /** `certificate-authority`, `client-certificate`, `client-key`, `tokenFile` read local files. */
  allowFileReferences: boolean;
  /** Servers on the engine's own host, link-local or metadata addresses. */
  allowPrivateAddresses: boolean;
  /** Extra names of the engine's own host. */
  ownHosts?: readonly string[];
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
  /** The API server URL (no credentials). */
  server: string;
  /** A kubeconfig holding only the chosen context, its cluster and its user. */
  yaml: string;
}

/** One context of a kubeconfig, for the desktop's import list. */
export interface KubeContextSummary {
  name: string;
  cluster: string;
  server: string;
  user: string;
  current: boolean;
}

function invalid(rule: string, message: string): ValidationError {
  const detail: ErrorDetail = { path: 'kubeconfig', rule, message };
  return new ValidationError(`kubeconfig refused: ${message}`, [detail]);
}

/** Parses a kubeconfig; a parse error never echoes the text (it holds credentials). */
export function parseKubeconfig(text: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromString(text);
  } catch {
    throw invalid('parse', 'it is not a valid kubeconfig (YAML with clusters, users and contexts)');
  }
  if (config.getContexts().length === 0) throw invalid('contexts', 'it has no contexts');
  return config;
}

/** The contexts of a kubeconfig, for choosing which to import. */
export function listContexts(text: string): KubeContextSummary[] {
  const config = parseKubeconfig(text);
  const current = config.getCurrentContext();
  return config.getContexts().map((context) => ({
    name: context.name,
    cluster: context.cluster,
    server: config.getCluster(context.cluster)?.server ?? '',
    user: context.user,
    current: context.name === current,
  }));
}

/**
 * Picks one context (the current one by default), checks it against the policy and returns a
 * kubeconfig with only that context. Each refusal says why, naming the rule.
 */
export async function importKubeconfig(
  text: string,
  options: { context?: string; policy: KubeconfigPolicy },
): Promise<ImportedKubeconfig> {
  const config = parseKubeconfig(text);
  const contextName = options.context ?? config.getCurrentContext();
  const context = config.getContextObject(contextName);
  if (!contextName || !context) {
    const detail: ErrorDetail = {
      path: 'context',
      rule: 'exists',
      message: options.context
        ? `context "${options.context}" is not in the kubeconfig`
        : 'the kubeconfig has no current-context; name one in "context"',
    };
    throw new ValidationError(detail.message, [detail]);
  }
  const cluster = config.getCluster(context.cluster);
  if (!cluster)
    throw invalid('cluster', `context "${contextName}" names a cluster that is not defined`);
  const user = config.getUser(context.user);
  if (!user) throw invalid('user', `context "${contextName}" names a user that is not defined`);

  const { policy } = options;
  if (!policy.allowExecAuth && (user.exec || user.authProvider)) {
    throw invalid(
      'exec',
      `user "${user.name}" uses an exec or auth-provider plugin, which this engine does not allow`,
    );
  }
  if (!policy.allowFileReferences) {
    const fileFields: [string, unknown][] = [
      ['clusters[].cluster.certificate-authority', cluster.caFile],
      ['users[].user.client-certificate', user.certFile],
      ['users[].user.client-key', user.keyFile],
      ['users[].user.tokenFile', (user as { tokenFile?: string }).tokenFile],
    ];
    const used = fileFields.find(([, value]) => typeof value === 'string' && value !== '');
    if (used) {
      throw invalid(
        'file-reference',
        `${used[0]} refers to a local file; embed the data (…-data fields) instead`,
      );
    }
  }
  if (!policy.allowPrivateAddresses) {
    const verdict = await checkServerUrl(cluster.server, policy.ownHosts ?? []);
    if (!verdict.allowed) {
      throw invalid(
        'server-address',
        `the server address is not allowed: ${verdict.reason ?? 'refused'}`,
      );
    }
  }

  const reduced = new KubeConfig();
  reduced.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [context],
    currentContext: contextName,
  });
  return {
    context: contextName,
    server: cluster.server,
    yaml: dump(JSON.parse(reduced.exportConfig()) as object),
  };
}
