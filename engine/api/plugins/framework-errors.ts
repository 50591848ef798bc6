import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { ErrorBody } from '../contracts';

/** fastify's router refuses a path parameter longer than this (its default, kept explicit). */
export const MAX_PARAM_LENGTH = 100;

/**
 * What fastify and Node's HTTP parser answer before any route runs — a URL that cannot be decoded,
 * a path parameter that is too long, headers that are too large — in API.md's error shape, like
 * every other refusal. The URL is never echoed: it may carry a token someone pasted by mistake.
 */
function refusal(message: string, rule: string, requestId?: string): ErrorBody {
  return {
    error: {
      code: 'BAD_REQUEST',
      message,
      details: [{ path: 'url', rule, message }],
      ...(requestId === undefined ? {} : { requestId }),
    },
  };
}

function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply
      .status(414)
      .send(
        refusal(
          `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
          'max-length',
          request.id,
        ),
      );
    return;
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply
      .status(400)
      .send(refusal('the URL is not valid: bad percent-encoding', 'encoding', request.id));
    return;
  }
  request.log.error({ err: error }, 'request failed before routing');
  void reply.status(500).send({
    error: { code: 'INTERNAL', message: 'internal error', details: [], requestId: request.id },
  } satisfies ErrorBody);
}

const CLIENT_ERRORS: Record<string, { status: number; reason: string; body: ErrorBody }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    body: refusal('the request headers are too large', 'header-size'),
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'Request Timeout',
    body: refusal('the request took too long to arrive', 'timeout'),
  },
};
const MALFORMED = {
  status: 400,
  reason: 'Bad Request',
  body: refusal('the request is not valid HTTP', 'http'),
};

/** Node's `clientError`: the request never became one, so the answer is written to the socket. */
function clientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify(answer.body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The fastify options that put framework and parser refusals in the product's error shape. */
export const FRAMEWORK_ERROR_OPTIONS = {
  maxParamLength: MAX_PARAM_LENGTH,
  frameworkErrors: frameworkError,
  clientErrorHandler: clientError,
} satisfies FastifyServerOptions;
