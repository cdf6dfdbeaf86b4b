/**
 * A local OAuth 2.0 token endpoint (`POST /token`), as Google's answers a service account's JWT bearer
 * grant (RFC 7523): `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<signed JWT>` ->
 * `{access_token, expires_in, token_type}`. The simulator's Vertex routes then accept only tokens it
 * issued and that have not expired, so tests see exactly which token a request carried. The assertion's
 * claims are recorded (issuer, scope); its signature is not verified (no Google keys offline).
 */
import { randomBytes } from 'node:crypto';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface IssuedToken {
  readonly token: string;
  /** The assertion's `iss` (the service account's email). */
  readonly issuer: string | null;
  readonly scope: string | null;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

function claimsOf(assertion: string): Record<string, unknown> | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class TokenIssuer {
  readonly issued: IssuedToken[] = [];
  lifetimeSeconds: number;
  readonly #valid = new Map<string, number>();

  constructor(lifetimeSeconds: number) {
    this.lifetimeSeconds = lifetimeSeconds;
  }

  /** Answer one token request (form-encoded body). */
  grant(body: string, now = Date.now()): { status: number; json: Record<string, unknown> } {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== JWT_BEARER) {
      return { status: 400, json: { error: 'unsupported_grant_type', error_description: 'jwt-bearer only' } };
    }
    const claims = claimsOf(form.get('assertion') ?? '');
    if (!claims || typeof claims.iss !== 'string') {
      return { status: 400, json: { error: 'invalid_grant', error_description: 'Invalid JWT assertion.' } };
    }
    const token = `ya29.sim-${randomBytes(12).toString('hex')}`;
    const expiresAt = now + this.lifetimeSeconds * 1000;
    this.#valid.set(token, expiresAt);
    this.issued.push({
      token,
      issuer: claims.iss,
      scope: typeof claims.scope === 'string' ? claims.scope : null,
      issuedAt: now,
      expiresAt,
    });
    return {
      status: 200,
      json: { access_token: token, expires_in: this.lifetimeSeconds, token_type: 'Bearer' },
    };
  }

  /** A token this endpoint issued and that has not expired. */
  accepts(token: string | undefined, now = Date.now()): boolean {
    if (token === undefined) return false;
    const expiresAt = this.#valid.get(token);
    return expiresAt !== undefined && expiresAt > now;
  }
}
