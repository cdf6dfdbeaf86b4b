/**
 * The SPA's only door to the server. The session lives in an HttpOnly cookie the page cannot read; the
 * CSRF token is held here, in memory, and sent on every write. Nothing goes to localStorage or
 * sessionStorage. A 401 means the session ended (sign-out, expiry, revoked key): back to sign-in.
 */
export interface SessionInfo {
  role: 'admin' | 'account';
  csrf_token: string;
  account: { id: string; name: string; balance_usd: number } | null;
  key: { id: string; name: string | null; prefix: string; models: string[] | null } | null;
}

let csrfToken = '';
let onSignedOut: () => void = () => undefined;

export function setSession(session: SessionInfo | null): void {
  csrfToken = session?.csrf_token ?? '';
}

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  options: { quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && !options.quiet401) {
    setSession(null);
    onSignedOut();
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const message =
      (parsed as { error?: { message?: string } } | undefined)?.error?.message ?? response.statusText;
    throw new ApiError(response.status, message);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A write whose answer is read as a stream (the playground's SSE). */
export function streamPost(path: string, body: unknown, signal: AbortSignal): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, accept: 'text/event-stream' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
    signal,
  });
}
