import type { RoleBinding } from '../../../engine/domain';
import { ApiError, unwrap } from './client';

/** The signed-in user as `/auth/login` answers it. */
export interface SessionUser {
  id: string;
  username: string;
  bindings: RoleBinding[];
}

/** `POST /auth/login` and `/auth/refresh`. */
export interface TokenResponse {
  accessToken: string;
  /** Absent in the cookie form of the session: the daemon keeps it in an httpOnly cookie. */
  refreshToken?: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  user: SessionUser;
}

/** Where the refresh token survives a reload: the tab's sessionStorage, never localStorage. */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const REFRESH_KEY = 'dbaas.refreshToken';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

/** The part of the Web Locks API (`navigator.locks`) the session uses. */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** The daemon's script-readable marker cookie beside its httpOnly session cookie (no secret). */
export const SESSION_MARKER_COOKIE = 'dbaas_session';

/** How a browser page keeps its session (main, in Node, keeps it in memory instead). */
export interface SessionOptions {
  /**
   * The refresh token lives in the daemon's httpOnly cookie (`X-DBaaS-Session: cookie`), shared by
   * every tab of the browser and readable by no script; nothing is kept in `storage`.
   */
  cookie?: boolean;
  /**
   * Cookie form: whether this browser may hold a session cookie at all (the daemon sets a
   * script-readable marker beside the httpOnly cookie), so a fresh browser does not ask and get
   * a 401. True when absent.
   */
  mayHaveSessionCookie?: () => boolean;
  /**
   * Serialises refreshes across tabs. The token rotates on every refresh and a reused one ends
   * every session of the user, so two tabs must never refresh with the same cookie at once.
   */
  locks?: LockManagerLike;
}

export const SESSION_HEADER = 'x-dbaas-session';
const REFRESH_LOCK = 'dbaas.session.refresh';

/** Gives the HTTP client an access token, and a way to get a new one after a 401. */
export interface TokenSource {
  token(): Promise<string | null>;
  refresh(): Promise<boolean>;
}

/**
 * The daemon session of a browser tab: the access token lives only in memory and is refreshed a
 * minute before it expires; the rotating refresh token is kept in sessionStorage, or — with
 * `cookie` — in the daemon's httpOnly cookie, so that other tabs resume the same session.
 */
export class TokenManager implements TokenSource {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<boolean> | null = null;
  private readonly listeners = new Set<(user: SessionUser | null) => void>();
  user: SessionUser | null = null;
  /** Cookie form: the cookie may hold a session until the daemon says it does not. */
  private cookieMayResume: boolean;

  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly storage: TokenStorage | null,
    private readonly now: () => number = Date.now,
    private readonly options: SessionOptions = {},
  ) {
    this.cookieMayResume = options.cookie === true && (options.mayHaveSessionCookie?.() ?? true);
  }

  /** True when a refresh token from an earlier page load (or another tab) may resume the session. */
  get canResume(): boolean {
    if (this.options.cookie) return this.cookieMayResume;
    return Boolean(this.storage?.getItem(REFRESH_KEY));
  }

  /** Subscribes to sign-in and sign-out; returns the unsubscribe function. */
  onChange(listener: (user: SessionUser | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async login(username: string, password: string): Promise<SessionUser> {
    const tokens = await this.post<TokenResponse>('/api/v1/auth/login', { username, password });
    this.accept(tokens);
    return tokens.user;
  }

  async token(): Promise<string | null> {
    if (this.accessToken && this.now() > this.expiresAt - REFRESH_MARGIN_MS) await this.refresh();
    return this.accessToken;
  }

  /** Rotates the refresh token; one refresh at a time. False (and signed out) when it fails. */
  refresh(): Promise<boolean> {
    const locks = this.options.locks;
    const run = (): Promise<boolean> => this.doRefresh();
    this.inFlight ??= (locks ? locks.request(REFRESH_LOCK, run) : run()).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  logout(): void {
    if (this.options.cookie && this.cookieMayResume) {
      this.cookieMayResume = false;
      // Clears the cookie for every tab; the daemon answers whether or not a session was there.
      void this.fetchImpl(`${this.baseUrl}/api/v1/auth/refresh`, {
        method: 'DELETE',
        headers: { [SESSION_HEADER]: 'cookie' },
        credentials: 'same-origin',
      }).catch(() => undefined);
    }
    this.accessToken = null;
    this.expiresAt = 0;
    this.storage?.removeItem(REFRESH_KEY);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.user !== null) {
      this.user = null;
      this.notify();
    }
  }

  private async doRefresh(): Promise<boolean> {
    if (this.options.cookie) {
      try {
        this.accept(await this.post<TokenResponse>('/api/v1/auth/refresh', {}));
        return true;
      } catch (error) {
        if (error instanceof ApiError) {
          this.cookieMayResume = false;
          this.logout();
        }
        return false;
      }
    }
    const refreshToken = this.storage?.getItem(REFRESH_KEY);
    if (!refreshToken) {
      this.logout();
      return false;
    }
    try {
      this.accept(await this.post<TokenResponse>('/api/v1/auth/refresh', { refreshToken }));
      return true;
    } catch (error) {
      // An unreachable daemon is no reason to forget the session: keep the token for later.
      if (error instanceof ApiError) this.logout();
      return false;
    }
  }

  private accept(tokens: TokenResponse): void {
    this.accessToken = tokens.accessToken;
    this.expiresAt = this.now() + tokens.expiresIn * 1000;
    if (this.options.cookie) this.cookieMayResume = true;
    else if (tokens.refreshToken) this.storage?.setItem(REFRESH_KEY, tokens.refreshToken);
    this.user = tokens.user;
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.max(5_000, tokens.expiresIn * 1000 - REFRESH_MARGIN_MS);
    this.timer = setTimeout(() => void this.refresh(), delay);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.user);
  }

  private async post<T>(url: string, body: unknown): Promise<T> {
    const response = await this.fetchImpl(`${this.baseUrl}${url}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.cookie ? { [SESSION_HEADER]: 'cookie' } : {}),
      },
      ...(this.options.cookie ? { credentials: 'same-origin' as const } : {}),
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return unwrap<T>(response.status, text ? (JSON.parse(text) as unknown) : null);
  }
}
