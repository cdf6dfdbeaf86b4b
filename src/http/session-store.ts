/**
 * Dashboard sessions (issue 8, DASHBOARD.md §3 and §d): opaque 256-bit ids kept only in this process's
 * memory, with idle and absolute timeouts. The browser holds the id in an HttpOnly cookie and nothing
 * else; the CSRF token is returned in JSON and kept in page memory. A restart signs everyone out, which
 * is the safe failure for a console.
 */
import { randomBytes } from 'node:crypto';

export type SessionRole = 'admin' | 'account';

export interface DashboardSession {
  readonly id: string;
  readonly csrf: string;
  readonly role: SessionRole;
  readonly accountId: string | null;
  readonly keyId: string | null;
  readonly keyHash: string | null;
  /**
   * The customer's key, kept in server memory only so the playground can call `/v1/chat/completions`
   * as that key (billed and logged like any call). Never sent to the browser, never logged or stored.
   */
  readonly key: string | null;
  readonly createdAt: number;
  lastSeenAt: number;
}

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
  /** Oldest sessions are dropped past this many, so memory stays bounded. */
  maxSessions: number;
}

export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  idleMs: 60 * 60 * 1000,
  absoluteMs: 12 * 60 * 60 * 1000,
  maxSessions: 10_000,
};

const token = () => randomBytes(32).toString('base64url');

export class SessionStore {
  readonly #sessions = new Map<string, DashboardSession>();
  readonly #timeouts: SessionTimeouts;
  readonly #now: () => number;

  constructor(timeouts: Partial<SessionTimeouts> = {}, now: () => number = Date.now) {
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
    this.#now = now;
  }

  create(
    input: Pick<DashboardSession, 'role' | 'accountId' | 'keyId' | 'keyHash' | 'key'>,
  ): DashboardSession {
    while (this.#sessions.size >= this.#timeouts.maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    const now = this.#now();
    const session: DashboardSession = {
      ...input,
      id: token(),
      csrf: token(),
      createdAt: now,
      lastSeenAt: now,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session for this id (and marks it used), or undefined when unknown or timed out. */
  get(id: string): DashboardSession | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = this.#now();
    if (
      now - session.lastSeenAt > this.#timeouts.idleMs ||
      now - session.createdAt > this.#timeouts.absoluteMs
    ) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session signed in with this key (revocation, rotation). */
  deleteForKey(keyId: string): number {
    let ended = 0;
    for (const [id, session] of this.#sessions) {
      if (session.keyId === keyId) {
        this.#sessions.delete(id);
        ended++;
      }
    }
    return ended;
  }

  get size(): number {
    return this.#sessions.size;
  }
}
