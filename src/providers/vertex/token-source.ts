/**
 * OAuth 2.0 access tokens for Vertex AI, minted with google-auth-library from a service account (a JSON
 * file or the JSON itself) or Application Default Credentials, and refreshed ahead of expiry on a timer,
 * so a request only reads the current token: minting is never on the request path. Only when no valid
 * token exists at all (the first one still coming at start-up, or refreshes failing past expiry) does a
 * request wait for the refresh under way, and fails as an unbilled upstream error if there is none.
 *
 * A service account's `token_uri` is honoured (google-auth-library always posts to Google's default
 * endpoint): private-service-connect deployments and the simulator's local endpoint use their own.
 */
import { readFileSync } from 'node:fs';
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import { UpstreamError } from '../shared/upstream-error.ts';

export const VERTEX_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Refresh this long before expiry (tokens live an hour), or at half the lifetime when that is shorter. */
const DEFAULT_REFRESH_AHEAD_MS = 5 * 60_000;
/** After a failed refresh, try again this soon (doubling, capped). */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

export interface TokenSourceOptions {
  /** A service account JSON file's path, or the JSON text (starts with `{`); null: ADC. */
  credentials: string | null;
  refreshAheadMs?: number;
  /** Hears refresh failures (the process logs them). */
  onError?: (error: Error) => void;
  clock?: () => number;
}

interface ServiceAccountJson {
  type?: string;
  client_email?: string;
  private_key?: string;
  token_uri?: string;
}

function readCredentials(credentials: string): ServiceAccountJson {
  const text = credentials.trimStart().startsWith('{') ? credentials : readFileSync(credentials, 'utf8');
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('credentials are not a JSON object');
  return parsed as ServiceAccountJson;
}

/** ADC's file, when it is one (for its token_uri); the library finds the credentials itself. */
function adcFile(): ServiceAccountJson | undefined {
  const path = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!path) return undefined;
  try {
    return readCredentials(path);
  } catch {
    return undefined;
  }
}

export class VertexTokenSource {
  readonly #auth: GoogleAuth;
  readonly #tokenUri: string | undefined;
  readonly #refreshAheadMs: number;
  readonly #onError: (error: Error) => void;
  readonly #clock: () => number;
  #client: AuthClient | undefined;
  #token: { value: string; expiresAt: number } | undefined;
  #pending: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retryMs = RETRY_MIN_MS;
  #closed = false;
  /** Tokens minted so far (tests and `/admin` read it). */
  minted = 0;

  constructor(options: TokenSourceOptions) {
    this.#refreshAheadMs = options.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS;
    this.#onError = options.onError ?? (() => undefined);
    this.#clock = options.clock ?? Date.now;
    const json = options.credentials === null ? adcFile() : readCredentials(options.credentials);
    if (options.credentials !== null && (!json?.client_email || !json.private_key)) {
      throw new Error('the credentials are not a service account key (client_email and private_key)');
    }
    this.#tokenUri = json?.token_uri && json.token_uri !== GOOGLE_TOKEN_URL ? json.token_uri : undefined;
    this.#auth = new GoogleAuth({
      scopes: [VERTEX_SCOPE],
      ...(options.credentials !== null ? { credentials: json } : {}),
      clientOptions: { eagerRefreshThresholdMillis: this.#refreshAheadMs },
    });
  }

  /** Mint the first token now (start-up), then keep it fresh. */
  start(): void {
    void this.#refresh();
  }

  /** The current token's expiry (ms), or undefined before the first one. */
  get expiresAt(): number | undefined {
    return this.#token?.expiresAt;
  }

  /** `Authorization` for one call: the current token, read, not minted. */
  async headers(): Promise<Record<string, string>> {
    if (!this.#valid()) await (this.#pending ?? this.#refresh());
    const token = this.#token;
    if (!token || !this.#valid()) {
      throw new UpstreamError({
        kind: 'connect',
        code: 'upstream_unavailable',
        message: 'vertex: no valid access token (the token endpoint is failing)',
      });
    }
    return { authorization: `Bearer ${token.value}` };
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #valid(): boolean {
    return this.#token !== undefined && this.#token.expiresAt > this.#clock();
  }

  #refresh(): Promise<void> {
    this.#pending ??= this.#mint().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #mint(): Promise<void> {
    try {
      const client = await this.#authClient();
      const { token } = await client.getAccessToken();
      const expiry = client.credentials.expiry_date;
      if (!token || typeof expiry !== 'number') throw new Error('the token endpoint returned no token');
      if (token !== this.#token?.value) this.minted++;
      this.#token = { value: token, expiresAt: expiry };
      this.#retryMs = RETRY_MIN_MS;
      const lifetime = expiry - this.#clock();
      this.#schedule(lifetime - Math.min(this.#refreshAheadMs, lifetime / 2));
    } catch (error) {
      this.#onError(error instanceof Error ? error : new Error(String(error)));
      this.#schedule(this.#retryMs);
      this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    }
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#refresh(), Math.max(100, delayMs));
    this.#timer.unref();
  }

  async #authClient(): Promise<AuthClient> {
    if (this.#client) return this.#client;
    const client = (await this.#auth.getClient()) as AuthClient;
    const tokenUri = this.#tokenUri;
    if (tokenUri) {
      client.transporter.interceptors.request.add({
        resolved: async (config) => {
          if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
          return config;
        },
      });
    }
    this.#client = client;
    return client;
  }
}
