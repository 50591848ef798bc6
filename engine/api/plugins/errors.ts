import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { EngineError, type ErrorDetail } from '../../base/errors';
import type { ErrorBody } from '../contracts';

/**
 * The one place where errors become HTTP answers. Whatever was thrown, the client gets API.md's
 * error shape and never a stack trace; the full error (with its cause) goes to the redacted log.
 */
export interface ErrorHandlingOptions {
  /** Answers unknown routes that are not API routes (the page's client-side routes). */
  pageFallback?: (
    request: FastifyRequest,
    reply: FastifyReply,
  ) => FastifyReply | Promise<FastifyReply>;
}

export function registerErrorHandling(
  app: FastifyInstance,
  options: ErrorHandlingOptions = {},
): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const { status, body } = toErrorAnswer(error, request.id);
    if (body.error.code === 'UNAVAILABLE') {
      // A cluster or the store cannot be reached: expected, and logged once more where it is
      // watched; the reason without a stack is enough here.
      request.log.warn(
        { code: body.error.code, status, reason: body.error.message },
        'request unavailable',
      );
    } else if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.error.code, status }, 'request refused');
    if (status === 429 && error instanceof EngineError) {
      const retryAfter = (error as EngineError & { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    }
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url.startsWith('/api/') || request.url === '/metrics';
    if (options.pageFallback && request.method === 'GET' && !isApi) {
      return options.pageFallback(request, reply);
    }
    const path = request.url.split('?')[0] ?? '';
    const allowed = allowedMethods(app, path);
    if (allowed.length > 0) {
      // The path exists under other methods: RFC 9110 wants 405 with the methods it does take.
      const body: ErrorBody = {
        error: {
          code: 'METHOD_NOT_ALLOWED',
          message: `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
          details: [],
          requestId: request.id,
        },
      };
      return reply.status(405).header('allow', allowed.join(', ')).send(body);
    }
    const body: ErrorBody = {
      error: {
        code: 'NOT_FOUND',
        message: `no route ${request.method} ${path}`,
        details: [],
        requestId: request.id,
      },
    };
    return reply.status(404).send(body);
  });
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The methods that have a route of their own for this path. A wildcard match (the page's static
 * files answer `GET /*`) does not count: it would make every unknown API path "exist".
 */
function allowedMethods(app: FastifyInstance, path: string): string[] {
  return METHODS.filter((method) => {
    const found = app.findRoute({ method, url: path });
    return found !== null && found !== undefined && !('*' in (found.params ?? {}));
  });
}

/** Maps any thrown value to a status and API.md's error body. */
export function toErrorAnswer(
  error: unknown,
  requestId?: string,
): { status: number; body: ErrorBody } {
  if (error instanceof EngineError) {
    return {
      status: error.status,
      body: {
        error: { code: error.code, message: error.message, details: [...error.details], requestId },
      },
    };
  }
  if (error instanceof ZodError) {
    return {
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'the request is invalid',
          details: zodDetails(error),
          requestId,
        },
      },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
    // Fastify's own refusals: malformed JSON, a body too large, an unsupported media type.
    return {
      status:
        fastifyError.statusCode === 413 || fastifyError.statusCode === 415
          ? fastifyError.statusCode
          : 400,
      body: {
        error: {
          code: 'BAD_REQUEST',
          message: fastifyError.message ?? 'bad request',
          details: [],
          requestId,
        },
      },
    };
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'internal error', details: [], requestId } },
  };
}

/** zod issues as API.md details: the field path and the rule it broke. */
export function zodDetails(error: ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    rule: issue.code,
    message: issue.message,
  }));
}
