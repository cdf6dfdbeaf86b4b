/**
 * Providers and models managed live (issue 14). The YAML file seeds them; entries written through the
 * admin API are kept in the database (as settings `config:provider:<name>` / `config:model:<name>`, a
 * deleted one as a tombstone) and win over the file's entry of the same name (docs/decisions/017).
 * Every change bumps `config:version`; every process polls it (every 2 s by default) and re-resolves
 * its providers and models, so a change reaches all processes within seconds without a restart.
 * Resolution is the config loader's own, so an entry the file would refuse is refused here too (400).
 * Secrets (`api_key`, `api_keys[].key`, `credentials`) are write-only: never returned.
 */
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { ConfigError, resolveUpstreams, type ResolvedConfig } from '../config/load-config.ts';
import type { ConfigFile } from '../config/schema.ts';
import { PorticoError } from '../errors.ts';
import type { AuditStore, ConfigurationStore } from '../store/types.ts';

export type ConfigKind = 'provider' | 'model';
type Entry = Record<string, unknown>;

const PREFIX: Record<ConfigKind, string> = { provider: 'config:provider:', model: 'config:model:' };
const SECTION: Record<ConfigKind, 'providers' | 'models'> = { provider: 'providers', model: 'models' };
const VERSION = 'config:version';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const SET = '[set]';

interface Stored {
  /** null: deleted (hides the file's entry of that name). */
  body: Entry | null;
  updatedAt: string;
  actor: string;
}

export interface ConfigView {
  name: string;
  /** Where the entry in effect comes from. */
  source: 'file' | 'database';
  updated_at: string | null;
  [field: string]: unknown;
}

/** The entry as shown: every secret replaced by `[set]`. */
export function redactEntry(body: Entry): Entry {
  const shown: Entry = { ...body };
  if (typeof shown.api_key === 'string') shown.api_key = SET;
  if (typeof shown.credentials === 'string') shown.credentials = SET;
  if (Array.isArray(shown.api_keys)) {
    shown.api_keys = shown.api_keys.map((entry) =>
      typeof entry === 'string' ? SET : { ...(entry as Entry), key: SET },
    );
  }
  return shown;
}

export interface LiveConfigOptions {
  store: ConfigurationStore & AuditStore;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Hears every new configuration (services rebuild providers). */
  onChange: (config: ResolvedConfig) => void;
  pollMs?: number;
}

export class LiveConfig {
  readonly #base: ResolvedConfig;
  readonly #store: ConfigurationStore & AuditStore;
  readonly #logger: Logger;
  readonly #env: NodeJS.ProcessEnv;
  readonly #onChange: (config: ResolvedConfig) => void;
  readonly #pollMs: number;
  #config: ResolvedConfig;
  #version: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(base: ResolvedConfig, options: LiveConfigOptions) {
    this.#base = base;
    this.#config = base;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#env = options.env ?? process.env;
    this.#onChange = options.onChange;
    this.#pollMs = options.pollMs ?? 2_000;
  }

  get config(): ResolvedConfig {
    return this.#config;
  }

  /** Load the database entries once, then poll for changes. */
  async start(): Promise<void> {
    await this.#refresh();
    this.#timer = setInterval(() => void this.#poll(), this.#pollMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  async list(kind: ConfigKind): Promise<ConfigView[]> {
    const stored = await this.#stored(kind);
    const file = (this.#base.source[SECTION[kind]] ?? {}) as Record<string, Entry>;
    const names = new Set([...Object.keys(file), ...stored.keys()]);
    const views: ConfigView[] = [];
    for (const name of [...names].sort()) {
      const view = this.#view(name, file[name], stored.get(name));
      if (view) views.push(view);
    }
    return views;
  }

  async get(kind: ConfigKind, name: string): Promise<ConfigView> {
    const stored = (await this.#stored(kind)).get(name);
    const file = (this.#base.source[SECTION[kind]] ?? {}) as Record<string, Entry>;
    const view = this.#view(name, file[name], stored);
    if (!view) throw notFound(kind, name);
    return view;
  }

  /** Create (`create`: refused if it exists) or change (fields given replace those fields). */
  async put(kind: ConfigKind, name: string, patch: Entry, options: { create: boolean; actor: string }) {
    if (!NAME.test(name)) {
      throw new PorticoError('invalid_request', { message: `invalid ${kind} name "${name}"`, param: 'name' });
    }
    const current = await this.#effective(kind);
    const existing = current[name];
    if (options.create && existing) {
      throw new PorticoError('invalid_request', { message: `${kind} ${name} already exists`, param: 'name' });
    }
    if (!options.create && !existing) throw notFound(kind, name);
    const body = { ...(existing ?? {}), ...patch };
    for (const [field, value] of Object.entries(patch)) if (value === null) delete body[field];
    await this.#validate(kind, name, body);
    await this.#write(
      kind,
      name,
      body,
      options.actor,
      options.create ? 'create' : 'update',
      Object.keys(patch),
    );
    return this.get(kind, name);
  }

  async remove(kind: ConfigKind, name: string, actor: string): Promise<void> {
    const current = await this.#effective(kind);
    if (!current[name]) throw notFound(kind, name);
    await this.#validate(kind, name, null);
    await this.#write(kind, name, null, actor, 'delete', []);
  }

  #view(name: string, fileEntry: Entry | undefined, stored: Stored | undefined): ConfigView | undefined {
    if (stored) {
      if (stored.body === null) return undefined;
      return { name, source: 'database', updated_at: stored.updatedAt, ...redactEntry(stored.body) };
    }
    return fileEntry ? { name, source: 'file', updated_at: null, ...redactEntry(fileEntry) } : undefined;
  }

  async #stored(kind: ConfigKind): Promise<Map<string, Stored>> {
    const rows = await this.#store.listSettings(PREFIX[kind]);
    const entries = new Map<string, Stored>();
    for (const row of rows) {
      try {
        entries.set(row.name.slice(PREFIX[kind].length), JSON.parse(row.value) as Stored);
      } catch {
        this.#logger.error({ setting: row.name }, 'live config: an unreadable entry is ignored');
      }
    }
    return entries;
  }

  /** The entries in effect for a kind: the file's, overlaid with the database's. */
  async #effective(kind: ConfigKind): Promise<Record<string, Entry>> {
    const merged: Record<string, Entry> = {
      ...((this.#base.source[SECTION[kind]] ?? {}) as Record<string, Entry>),
    };
    for (const [name, stored] of await this.#stored(kind)) {
      if (stored.body === null) delete merged[name];
      else merged[name] = stored.body;
    }
    return merged;
  }

  async #file(change?: { kind: ConfigKind; name: string; body: Entry | null }): Promise<ConfigFile> {
    const providers = await this.#effective('provider');
    const models = await this.#effective('model');
    if (change) {
      const target = change.kind === 'provider' ? providers : models;
      if (change.body === null) delete target[change.name];
      else target[change.name] = change.body;
    }
    return { ...this.#base.source, providers, models } as ConfigFile;
  }

  async #validate(kind: ConfigKind, name: string, body: Entry | null): Promise<void> {
    try {
      resolveUpstreams(await this.#file({ kind, name, body }), this.#env);
    } catch (error) {
      if (error instanceof ConfigError) {
        throw new PorticoError('invalid_request', {
          message: error.message.replace(/^config /, ''),
          param: kind,
        });
      }
      throw error;
    }
  }

  async #write(
    kind: ConfigKind,
    name: string,
    body: Entry | null,
    actor: string,
    action: string,
    fields: string[],
  ) {
    const stored: Stored = { body, updatedAt: new Date().toISOString(), actor };
    await this.#store.setSetting(`${PREFIX[kind]}${name}`, JSON.stringify(stored));
    await this.#store.setSetting(VERSION, `${stored.updatedAt}:${randomBytes(4).toString('hex')}`);
    // The audit names the fields changed, never their values (secrets among them).
    await this.#store.recordAudit({
      actor,
      action: `${kind}.${action}`,
      target: `${kind}:${name}`,
      detail: { fields },
    });
    await this.#refresh();
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const version = await this.#store.getSetting(VERSION);
      if (version !== this.#version) await this.#refresh();
    } catch (error) {
      this.#logger.warn(
        { error: (error as Error).message },
        'live config: poll failed; keeping the current configuration',
      );
    } finally {
      this.#polling = false;
    }
  }

  async #refresh(): Promise<void> {
    const version = await this.#store.getSetting(VERSION);
    if (version === undefined && this.#version === undefined) return;
    try {
      const resolved = resolveUpstreams(await this.#file(), this.#env);
      this.#config = Object.freeze({ ...this.#base, ...resolved });
      this.#version = version;
      this.#onChange(this.#config);
    } catch (error) {
      // Entries were valid when written; a later file change can still conflict: keep what runs.
      this.#logger.error(
        { error: (error as Error).message },
        'live config: could not apply the stored entries',
      );
      this.#version = version;
    }
  }
}

function notFound(kind: ConfigKind, name: string): PorticoError {
  return new PorticoError('resource_not_found', { message: `No ${kind} named ${name}` });
}
