import { ValidationError } from '../base/errors';

/** What a secret is for. The kind is the first part of a secret's key, so `list('kubeconfig/')` works. */
export const SECRET_KINDS = [
  'kubeconfig',
  'database-credentials',
  's3-credentials',
  'signing-key',
  'connection-url',
  'notification-channel',
] as const;

/** One of {@link SECRET_KINDS}. */
export type SecretKind = (typeof SECRET_KINDS)[number];

/**
 * The address of a secret: its kind and the id of what owns it (a provider id, a database id, a
 * backup storage id). Stores keep refs, never secrets.
 */
export interface SecretRef {
  readonly kind: SecretKind;
  readonly id: string;
}

// No '/' in an id: the key `kind/id` must split back into exactly one ref.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

/** Throws `ValidationError` unless `ref` is a well-formed ref (a known kind and a safe id). */
export function assertSecretRef(ref: SecretRef): void {
  const details = [];
  if (!(SECRET_KINDS as readonly string[]).includes(ref?.kind)) {
    details.push({
      path: 'kind',
      rule: 'enum',
      message: `kind must be one of ${SECRET_KINDS.join(', ')}`,
    });
  }
  if (typeof ref?.id !== 'string' || !ID_PATTERN.test(ref.id)) {
    details.push({
      path: 'id',
      rule: 'pattern',
      message:
        'id must be 1-200 characters of letters, digits and . _ : @ -, starting with a letter or digit',
    });
  }
  if (details.length > 0) throw new ValidationError('invalid secret ref', details);
}

/** The one string form of a ref, `kind/id`: the keychain account and the file vault's entry key. */
export function secretRefKey(ref: SecretRef): string {
  assertSecretRef(ref);
  return `${ref.kind}/${ref.id}`;
}

/** The ref a key stands for, or `undefined` for a key this version does not understand. */
export function parseSecretRefKey(key: string): SecretRef | undefined {
  const slash = key.indexOf('/');
  if (slash < 0) return undefined;
  const ref = { kind: key.slice(0, slash), id: key.slice(slash + 1) } as SecretRef;
  try {
    assertSecretRef(ref);
    return ref;
  } catch {
    return undefined;
  }
}

/**
 * Throws `ValidationError` unless the secret is a non-empty string. Empty secrets are refused
 * everywhere because OS keychains refuse them, and one port must behave the same on every backend.
 */
export function assertSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new ValidationError('invalid secret', [
      { path: 'secret', rule: 'nonempty', message: 'a secret must be a non-empty string' },
    ]);
  }
}
