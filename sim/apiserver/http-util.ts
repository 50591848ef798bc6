/**
 * HTTP plumbing shared by the handlers: Status errors, JSON answers, request bodies (JSON or YAML).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import yaml from 'js-yaml';
import { SimApiError } from '../core/contract';

/** Largest request body accepted (the real server's limit is 3 MiB for most writes). */
const MAX_BODY = 8 * 1024 * 1024;

/** A Kubernetes `Status` object. */
export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code >= 200 && code < 300 ? 'Success' : 'Failure',
    message,
    reason,
    ...(details && Object.keys(details).length ? { details } : {}),
    code,
  };
}

/** The Status answer of any thrown value (unknown errors are 500 InternalError). */
export function errorStatus(err: unknown): {
  code: number;
  body: Record<string, unknown>;
  retryAfter?: number;
} {
  if (err instanceof SimApiError) {
    const extra = (err as SimApiError & { details?: Record<string, unknown> }).details ?? {};
    const details: Record<string, unknown> = { ...extra };
    if (err.causes.length) details.causes = err.causes;
    if (err.retryAfterSeconds !== undefined) details.retryAfterSeconds = err.retryAfterSeconds;
    return {
      code: err.code,
      body: statusBody(err.code, err.reason, err.message, details),
      ...(err.retryAfterSeconds !== undefined ? { retryAfter: err.retryAfterSeconds } : {}),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 500,
    body: statusBody(500, 'InternalError', `Internal error occurred: ${message}`),
  };
}

/** Writes a JSON answer (a pre-serialised string is sent as is). */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

/** Writes an error as a Status, with Retry-After for 429/503. */
export function sendError(
  res: ServerResponse,
  err: unknown,
  headers: Record<string, string> = {},
): void {
  const { code, body, retryAfter } = errorStatus(err);
  sendJson(
    res,
    code,
    body,
    retryAfter !== undefined ? { ...headers, 'Retry-After': String(retryAfter) } : headers,
  );
}

/** Reads the body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBuffer(req)).toString('utf8');
}

/** Reads the raw body. */
export function readBodyBuffer(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SimApiError(413, 'RequestEntityTooLarge', 'the request body is too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a JSON (or, for apply patches, YAML) body; malformed input is a 400. */
export function parseBody(text: string, yamlAllowed: boolean): unknown {
  if (text.trim() === '') return undefined;
  try {
    return yamlAllowed ? yaml.load(text) : JSON.parse(text);
  } catch (e) {
    throw new SimApiError(
      400,
      'BadRequest',
      `the body of the request could not be decoded: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
