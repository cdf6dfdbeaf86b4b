/** A minimal dashboard client for API tests: sign in, then call with the cookie and CSRF header. */
export interface Session {
  status: number;
  body: any;
  cookie: string;
  setCookie: string;
  csrf: string;
}

export async function signIn(
  url: string,
  key: string,
  forwardedFor?: string,
  origin = url,
): Promise<Session> {
  const response = await fetch(`${url}/dashboard/session`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin,
      ...(forwardedFor ? { 'x-test-ip': forwardedFor } : {}),
    },
    body: JSON.stringify({ key }),
  });
  const setCookie = response.headers.get('set-cookie') ?? '';
  const body: any = await response.json();
  return {
    status: response.status,
    body,
    setCookie,
    cookie: setCookie.split(';')[0] ?? '',
    csrf: body?.csrf_token ?? '',
  };
}

export async function withSession(
  url: string,
  session: Session,
  method: string,
  path: string,
  body?: unknown,
  options: { csrf?: boolean; origin?: string } = {},
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = { cookie: session.cookie, origin: options.origin ?? url };
  if (options.csrf !== false) headers['x-csrf-token'] = session.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}
