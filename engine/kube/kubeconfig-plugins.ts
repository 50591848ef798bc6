import type { Mapping } from './kubeconfig-document';

/**
 * Where a policy allows plugins, only the fields client-node uses are kept, each of its type, and
 * lists are bounded: what reaches the vault and client-node is small and flat whatever the text held.
 */

const MAX_ITEMS = 100;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function sanitizeExec(exec: Mapping): Mapping {
  const args = Array.isArray(exec.args) ? exec.args.filter((a) => typeof a === 'string') : [];
  const env = Array.isArray(exec.env)
    ? (exec.env as unknown[])
        .map((item) => (typeof item === 'object' && item !== null ? (item as Mapping) : {}))
        .filter((item) => typeof item.name === 'string' && typeof item.value === 'string')
        .map((item) => ({ name: item.name as string, value: item.value as string }))
    : [];
  return {
    ...(str(exec.apiVersion) ? { apiVersion: str(exec.apiVersion) } : {}),
    ...(str(exec.command) ? { command: str(exec.command) } : {}),
    ...(args.length ? { args: args.slice(0, MAX_ITEMS) } : {}),
    ...(env.length ? { env: env.slice(0, MAX_ITEMS) } : {}),
    ...(str(exec.interactiveMode) ? { interactiveMode: str(exec.interactiveMode) } : {}),
    ...(typeof exec.provideClusterInfo === 'boolean'
      ? { provideClusterInfo: exec.provideClusterInfo }
      : {}),
  };
}

export function sanitizeAuthProvider(provider: Mapping): Mapping {
  const raw =
    typeof provider.config === 'object' && provider.config !== null
      ? (provider.config as Mapping)
      : {};
  const config = Object.fromEntries(
    Object.entries(raw)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .slice(0, MAX_ITEMS),
  );
  return { ...(str(provider.name) ? { name: str(provider.name) } : {}), config };
}
