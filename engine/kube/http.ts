import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { EngineError, UnavailableError } from '../base/errors';
import { AddressRefusedError, type ConnectionGuard } from './address-guard';

/** One request to a Kubernetes API server. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** An API path such as `/apis/kubedb.com/v1/namespaces/x/postgreses/y`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Bound on the whole request; 15 s by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface KubeResponse {
  status: number;
  body: unknown;
}

/** A Kubernetes `Status` the server answered with, reduced to what is safe to show. */
export class KubeApiError extends EngineError {
  constructor(
    readonly httpStatus: number,
    readonly reason: string,
    message: string,
    retryAfterSeconds?: number,
  ) {
    const code =
      httpStatus === 409
        ? 'CONFLICT'
        : httpStatus === 404
          ? 'NOT_FOUND'
          : httpStatus === 422 || httpStatus === 400 || httpStatus === 403
            ? 'UNPROCESSABLE'
            : 'UNAVAILABLE';
    super(code, message, { terminal: code !== 'UNAVAILABLE' });
    this.name = 'KubeApiError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
  readonly retryAfterSeconds: number | undefined;
}

/**
 * 409 with reason `Conflict`: another writer changed the object first (a stale resourceVersion, or
 * a server-side apply field conflict). Unlike 409 `AlreadyExists`, another attempt after re-reading
 * can succeed, so it is not terminal.
 */
export class KubeConflictError extends KubeApiError {
  override readonly terminal = false;

  constructor(message: string, retryAfterSeconds?: number) {
    super(409, 'Conflict', message, retryAfterSeconds);
    this.name = 'KubeConflictError';
  }
}

/**
 * A small HTTP client for one cluster. Authentication and TLS come from client-node's KubeConfig
 * (`applyToHTTPSOptions`); requests, timeouts, cancellation and error mapping are ours, so that
 * every call has a bound and a way to stop.
 */
export class KubeHttp {
  private readonly server: URL;
  /** Requests sent to this cluster (plain and watches), for the benchmarks' requests-per-second. */
  requestsSent = 0;

  constructor(
    private readonly config: KubeConfig,
    readonly label: string,
    private readonly guard?: ConnectionGuard,
  ) {
    const cluster = config.getCurrentCluster();
    if (!cluster)
      throw new EngineError('VALIDATION_FAILED', 'the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  get serverUrl(): string {
    return this.server.toString();
  }

  async request(request: KubeRequest): Promise<KubeResponse> {
    this.requestsSent++;
    const url = new URL(this.server.toString().replace(/\/$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const options = await this.options(request.method);
    const payload =
      request.body === undefined
        ? undefined
        : typeof request.body === 'string'
          ? request.body
          : JSON.stringify(request.body);
    const headers = options.headers as Record<string, string>;
    if (payload !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const timeoutMs = request.timeoutMs ?? 15_000;
    const transport = url.protocol === 'https:' ? https : http;

    return new Promise<KubeResponse>((resolve, reject) => {
      const signals = [AbortSignal.timeout(timeoutMs), ...(request.signal ? [request.signal] : [])];
      const signal = AbortSignal.any(signals);
      const req = transport.request(url, { ...options, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(this.unreachable(error)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text === '' ? null : (JSON.parse(text) as unknown);
          } catch {
            // Non-JSON answers (a proxy's HTML page) are kept as text for the error message.
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ status, body });
          else if (status === 404) resolve({ status, body });
          else reject(this.statusError(status, body, res.headers['retry-after']));
        });
      });
      req.on('error', (error) => {
        if (request.signal?.aborted) reject(request.signal.reason as Error);
        else reject(this.unreachable(error));
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * A streaming GET (a watch). Resolves with the open response once a 2xx status arrives, so the
   * caller reads it as it flows; `timeoutMs` bounds only the wait for that status, because a watch
   * is meant to stay open (the server's `timeoutSeconds` and the caller's watchdog bound its life).
   * A non-2xx answer rejects with a KubeApiError, exactly as `request` does; aborting `signal`
   * destroys the request and the stream.
   */
  async watch(
    request: Omit<KubeRequest, 'method' | 'body' | 'contentType'>,
  ): Promise<http.IncomingMessage> {
    this.requestsSent++;
    const url = new URL(this.server.toString().replace(/\/$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const options = await this.options('GET');
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request(url, { ...options, signal: request.signal }, (res) => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          // An error answer is a small Status; keep at most 64 KiB of anything larger.
          if ((size += chunk.length) <= 65_536) chunks.push(chunk);
        });
        res.on('error', (error) => reject(this.unreachable(error)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text === '' ? null : (JSON.parse(text) as unknown);
          } catch {
            // Kept as text for the error message.
          }
          reject(this.statusError(status, body, res.headers['retry-after']));
        });
      });
      const timeoutMs = request.timeoutMs ?? 15_000;
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error('timed out'), { code: 'TimeoutError' }));
      }, timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        if (request.signal?.aborted) reject(request.signal.reason as Error);
        else reject(this.unreachable(error));
      });
      req.end();
    });
  }

  /** The kubeconfig this client speaks with (client-node's own helpers need it: port-forward). */
  get kubeConfig(): KubeConfig {
    return this.config;
  }

  /**
   * The options of a connection that is not a plain request (a WebSocket upgrade): the same
   * authentication, TLS and guard as every request, so a port-forward is checked like any call.
   */
  async connectionOptions(): Promise<https.RequestOptions> {
    this.requestsSent++;
    return this.options('GET');
  }

  /**
   * Authentication, TLS and the agent from client-node, then the guard: the server's and the
   * proxy's addresses are checked on every connection (a name may be re-pointed after
   * registration). A client-node error is an EngineError naming the cluster, never a 500.
   */
  private async options(method: KubeRequest['method']): Promise<https.RequestOptions> {
    const options: https.RequestOptions = { method, headers: { accept: 'application/json' } };
    try {
      await this.config.applyToHTTPSOptions(options);
    } catch (error) {
      throw new UnavailableError(
        `cluster ${this.label} cannot be used with its kubeconfig (authentication or TLS setup failed)`,
        error,
      );
    }
    const guard = this.guard;
    if (!guard) return options;
    const refuse = (reason: string): never => {
      throw new UnavailableError(
        `cluster ${this.label} is refused: ${reason}`,
        new AddressRefusedError(reason),
      );
    };
    const server = guard.checkLiteral(this.server.hostname);
    if (!server.allowed) refuse(server.reason ?? 'address refused');
    options.lookup = guard.lookup;
    const agent = options.agent as
      { proxy?: URL | { host?: string; type?: number }; proxyRequestOptions?: object } | undefined;
    if (agent?.proxyRequestOptions) {
      // hpagent (HTTP CONNECT): its request to the proxy resolves through the guard.
      const proxy = agent.proxy as URL;
      const literal = guard.checkLiteral(proxy.hostname);
      if (!literal.allowed) refuse(`proxy ${literal.reason ?? ''}`);
      agent.proxyRequestOptions = { ...agent.proxyRequestOptions, lookup: guard.lookup };
    } else if (agent?.proxy && 'type' in agent.proxy && typeof agent.proxy.host === 'string') {
      // socks-proxy-agent connects to the proxy by host: pin it to an address checked now.
      agent.proxy.host = await guard.pin(agent.proxy.host).catch((error: Error) => {
        return refuse(`proxy ${error instanceof AddressRefusedError ? error.reason : 'refused'}`);
      });
    }
    return options;
  }

  private unreachable(error: Error): UnavailableError {
    if (error instanceof AddressRefusedError)
      return new UnavailableError(`cluster ${this.label} is refused: ${error.reason}`, error);
    const code = (error as NodeJS.ErrnoException).code ?? error.name;
    const why =
      code === 'AbortError' || code === 'ABORT_ERR' || code === 'TimeoutError' ? 'timed out' : code;
    return new UnavailableError(`cluster ${this.label} is unreachable (${why})`, error);
  }

  private statusError(
    status: number,
    body: unknown,
    retryAfter: string | string[] | undefined,
  ): KubeApiError {
    const statusBody = (typeof body === 'object' && body !== null ? body : {}) as {
      reason?: string;
      message?: string;
    };
    const message =
      typeof statusBody.message === 'string' ? statusBody.message.slice(0, 500) : `HTTP ${status}`;
    const retry = typeof retryAfter === 'string' ? Number(retryAfter) : undefined;
    const text = `cluster ${this.label} answered ${status}: ${message}`;
    const retryAfterSeconds = Number.isFinite(retry) ? retry : undefined;
    if (status === 409 && statusBody.reason === 'Conflict')
      return new KubeConflictError(text, retryAfterSeconds);
    return new KubeApiError(status, statusBody.reason ?? String(status), text, retryAfterSeconds);
  }
}
