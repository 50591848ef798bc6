/**
 * Kubernetes label rules, checked in the console before a PATCH so that a bad label is named at
 * once; the engine checks the same rules again (LabelsSchema) and stays the authority.
 */

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Keys the engine sets on every object it manages. */
const RESERVED = /^(dbaas\.kubedb\.dev\/|app\.kubernetes\.io\/managed-by$)/;

/** Why `key` is not a label key the console may set, naming the field and the rule; null when it is. */
export function labelKeyProblem(key: string): string | null {
  const field = `labels["${key}"]`;
  if (key.length === 0) return 'label key: must not be empty';
  if (RESERVED.test(key))
    return `${field}: keys under dbaas.kubedb.dev/ and app.kubernetes.io/managed-by belong to the engine`;
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return `${field}: the prefix before "/" must be a DNS subdomain (lower-case letters, digits, "-" and ".") of at most 253 characters`;
  if (name.length === 0 || name.length > 63)
    return `${field}: the name after the prefix must be 1 to 63 characters`;
  if (!NAME.test(name))
    return `${field}: the name must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  return null;
}

/** Why `value` is not a label value, naming the field and the rule; null when it is. */
export function labelValueProblem(key: string, value: string): string | null {
  const field = `labels["${key}"] value`;
  if (value.length > 63) return `${field}: must be at most 63 characters`;
  if (value.length > 0 && !NAME.test(value))
    return `${field}: must be empty or letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  return null;
}

/** The first problem of a label, key before value; null when it may be set. */
export function labelProblem(key: string, value: string): string | null {
  return labelKeyProblem(key) ?? labelValueProblem(key, value);
}
