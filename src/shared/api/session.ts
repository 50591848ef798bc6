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
  refreshToken: string;
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

/** Gives the HTTP client an access token, and a way to get a new one after a 401. */
export interface TokenSource {
  token(): Promise<string | null>;
  refresh(): Promise<boolean>;
}

/**
 * The daemon session of a browser tab: the access token lives only in memory and is refreshed a
 * minute before it expires; the rotating refresh token is kept in sessionStorage.
 */
export class TokenManager implements TokenSource {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<boolean> | null = null;
  private readonly listeners = new Set<(user: SessionUser | null) => void>();
  user: SessionUser | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly storage: TokenStorage | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a refresh token from an earlier page load may resume the session. */
  get canResume(): boolean {
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
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  logout(): void {
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
    this.storage?.setItem(REFRESH_KEY, tokens.refreshToken);
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
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return unwrap<T>(response.status, text ? (JSON.parse(text) as unknown) : null);
  }
}
