import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths that may hold a secret in anything we log. Configured once, here, so that no call site
 * has to remember: tokens, passwords, kubeconfigs, S3 keys and auth headers are censored.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'password',
  '*.password',
  'kubeconfig',
  '*.kubeconfig',
  'token',
  '*.token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'secretAccessKey',
  '*.secretAccessKey',
  'accessKeyId',
  '*.accessKeyId',
  'apiKey',
  '*.apiKey',
  'vaultKey',
  '*.vaultKey',
  'mongodbUrl',
  'redisUrl',
  'adminPassword',
  'tokenKey',
  'desktopIdentityToken',
  'passwordHash',
  '*.passwordHash',
  'tokenHash',
  '*.tokenHash',
  'req.headers["x-dbaas-local-identity"]',
];

/**
 * One JSON log line that carries a secret on purpose, shown once (the first start's generated admin
 * password): shaped like the logger's lines so a log reader parses it, and marked
 * `"secretOnce": true` so that a log shipper can drop or mask it. It never goes through the logger,
 * whose redaction would hide the secret from the one person who needs it.
 */
export function secretOnceLine(
  message: string,
  fields: Readonly<Record<string, string>>,
  now: Date,
): string {
  return `${JSON.stringify({
    level: 30,
    time: now.toISOString(),
    service: 'kubedb-dbaas-engine',
    msg: message,
    ...fields,
    secretOnce: true,
  })}\n`;
}

/** The engine's structured JSON logger (pino), with redaction. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kubedb-dbaas-engine' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
