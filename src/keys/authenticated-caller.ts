/**
 * The key (and its account) the client gate authenticated for one request, carried on that request's
 * headers object under a symbol: the pipeline's `authenticate` stage reuses it instead of a second
 * lookup. A symbol cannot come from the wire, is not enumerable, and so never reaches a log or a client.
 */
import type { Account, ApiKeyRecord } from '../store/types.ts';

const AUTHENTICATED = Symbol('portico.authenticated');

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface AuthenticatedCaller {
  readonly key: ApiKeyRecord;
  readonly account: Account;
}

export function rememberCaller(headers: Headers, caller: AuthenticatedCaller): void {
  Object.defineProperty(headers, AUTHENTICATED, { value: caller, enumerable: false });
}

export function authenticatedCaller(headers: Headers): AuthenticatedCaller | undefined {
  return (headers as Headers & { [AUTHENTICATED]?: AuthenticatedCaller })[AUTHENTICATED];
}
