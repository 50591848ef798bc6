/**
 * Faults of the simulated API server, switched at run time from code or `POST /_sim/faults`:
 * latency, error rates (500/503/429 with Retry-After), dropped or silent watches, a forced 410 Gone
 * on the next watch, and an unreachable server.
 */

/** An error-rate rule: the share of matching requests that fail. */
export interface ErrorRule {
  rate: number;
  statuses: (500 | 503 | 429)[];
  verbs?: string[];
  pathPrefix?: string;
  retryAfterSeconds?: number;
}

/** The API server's fault switches. */
export interface ApiFaults {
  setLatency(ms: number, jitterMs?: number): void;
  /** Share of requests failing, per verb and/or path prefix; 429 carries Retry-After. */
  setErrors(rule: ErrorRule | null): void;
  /** Close every open watch stream every N seconds. */
  dropWatchesEvery(seconds: number | null): void;
  /** Watches stay open but deliver nothing (no bookmarks either). */
  silentWatches(on: boolean): void;
  /** The next watch request gets 410 Gone (Status Expired). */
  failNextWatchWithGone(): void;
  /** Every new connection is destroyed at once; open watches end. */
  setUnreachable(on: boolean): void;
  reset(): void;
}

/** The current switches, as `GET /_sim/faults` shows them. */
export interface FaultSnapshot {
  latencyMs: number;
  jitterMs: number;
  errors: ErrorRule | null;
  dropWatchesEverySeconds: number | null;
  silentWatches: boolean;
  goneOnNextWatch: boolean;
  unreachable: boolean;
}

/** What the server does when a switch that acts on open connections flips. */
export interface FaultEffects {
  dropWatches(): void;
  unreachable(on: boolean): void;
}

/** Fault state plus the checks the request path asks. */
export class FaultController implements ApiFaults {
  private s: FaultSnapshot = FaultController.initial();
  private dropTimer: NodeJS.Timeout | undefined;
  private rand: () => number;

  constructor(
    private readonly effects: FaultEffects,
    seed: number,
  ) {
    let x = (seed ^ 0x9e3779b9) >>> 0 || 7;
    this.rand = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 4294967296;
    };
  }

  private static initial(): FaultSnapshot {
    return {
      latencyMs: 0,
      jitterMs: 0,
      errors: null,
      dropWatchesEverySeconds: null,
      silentWatches: false,
      goneOnNextWatch: false,
      unreachable: false,
    };
  }

  snapshot(): FaultSnapshot {
    return { ...this.s };
  }

  setLatency(ms: number, jitterMs = 0): void {
    this.s.latencyMs = Math.max(0, ms);
    this.s.jitterMs = Math.max(0, jitterMs);
  }

  setErrors(rule: ErrorRule | null): void {
    this.s.errors = rule
      ? { ...rule, statuses: rule.statuses.length ? rule.statuses : [500] }
      : null;
  }

  dropWatchesEvery(seconds: number | null): void {
    if (this.dropTimer) clearInterval(this.dropTimer);
    this.dropTimer = undefined;
    this.s.dropWatchesEverySeconds = seconds && seconds > 0 ? seconds : null;
    if (this.s.dropWatchesEverySeconds) {
      this.dropTimer = setInterval(
        () => this.effects.dropWatches(),
        this.s.dropWatchesEverySeconds * 1000,
      );
      this.dropTimer.unref();
    }
  }

  silentWatches(on: boolean): void {
    this.s.silentWatches = on;
  }

  failNextWatchWithGone(): void {
    this.s.goneOnNextWatch = true;
  }

  setUnreachable(on: boolean): void {
    this.s.unreachable = on;
    this.effects.unreachable(on);
  }

  reset(): void {
    this.dropWatchesEvery(null);
    const wasUnreachable = this.s.unreachable;
    this.s = FaultController.initial();
    if (wasUnreachable) this.effects.unreachable(false);
  }

  /** Applies a `POST /_sim/faults` body; returns false when it named nothing known. */
  applyJson(body: Record<string, unknown>): boolean {
    let known = false;
    if (body.reset === true) {
      this.reset();
      known = true;
    }
    if (typeof body.latencyMs === 'number') {
      this.setLatency(body.latencyMs, typeof body.jitterMs === 'number' ? body.jitterMs : 0);
      known = true;
    }
    if ('errors' in body) {
      this.setErrors((body.errors as ErrorRule | null) ?? null);
      known = true;
    }
    if ('dropWatchesEverySeconds' in body) {
      this.dropWatchesEvery((body.dropWatchesEverySeconds as number | null) ?? null);
      known = true;
    }
    if (typeof body.silentWatches === 'boolean') {
      this.silentWatches(body.silentWatches);
      known = true;
    }
    if (body.goneOnNextWatch === true) {
      this.failNextWatchWithGone();
      known = true;
    }
    if (typeof body.unreachable === 'boolean') {
      this.setUnreachable(body.unreachable);
      known = true;
    }
    return known;
  }

  /** The delay to add before answering. */
  delayMs(): number {
    if (this.s.latencyMs === 0 && this.s.jitterMs === 0) return 0;
    return Math.max(0, this.s.latencyMs + (this.rand() * 2 - 1) * this.s.jitterMs);
  }

  /** The injected failure for this request, if any. */
  injectedError(
    verb: string,
    path: string,
  ): { status: 500 | 503 | 429; retryAfterSeconds: number } | undefined {
    const r = this.s.errors;
    if (!r) return undefined;
    if (r.verbs && !r.verbs.includes(verb)) return undefined;
    if (r.pathPrefix && !path.startsWith(r.pathPrefix)) return undefined;
    if (this.rand() >= r.rate) return undefined;
    const status = r.statuses[Math.floor(this.rand() * r.statuses.length)] ?? 500;
    return { status, retryAfterSeconds: r.retryAfterSeconds ?? 1 };
  }

  /** Consumes the one-shot "410 on next watch". */
  takeGone(): boolean {
    const g = this.s.goneOnNextWatch;
    this.s.goneOnNextWatch = false;
    return g;
  }

  get silent(): boolean {
    return this.s.silentWatches;
  }

  get unreachable(): boolean {
    return this.s.unreachable;
  }

  dispose(): void {
    if (this.dropTimer) clearInterval(this.dropTimer);
    this.dropTimer = undefined;
  }
}
