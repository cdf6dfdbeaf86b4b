/**
 * What a test file needs from outside its own code (PostgreSQL, Redis, Chromium, the dashboard build,
 * the recorded fixtures) and what happens when it is missing:
 *
 * - under CI (`CI=true`) the file fails as it loads, with an error naming what is missing, so a green CI
 *   run means every suite ran;
 * - elsewhere each of its tests is skipped with the reason (a skip per test, so the runner's `skipped`
 *   count shows them: on Node 20 a skipped `describe` counts nothing), and the reason is printed once.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { test, type TestContext } from 'node:test';

const UNDER_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/**
 * `false` when `missing` is undefined. Otherwise, under CI, throws; elsewhere prints and returns the
 * reason to pass as `{ skip }`.
 */
export function required(what: string, missing: string | undefined): string | false {
  if (missing === undefined) return false;
  if (UNDER_CI) throw new Error(`CI=true and ${what} is missing: ${missing}`);
  const reason = `${what} missing (${missing}); skipped here, required under CI=true`;
  console.log(reason);
  return reason;
}

/** Why a TCP connection to `host:port` cannot be made within `timeoutMs`, or undefined when it can. */
function unreachable(host: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason: string | undefined): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(`${host}:${port}: ${error.message}`));
  });
}

interface Service {
  /** The URL from the environment; set whenever `skip` is false. */
  url: string | undefined;
  skip: string | false;
}

/** A service named by an environment variable, present when the variable is set and its port answers. */
async function service(what: string, variable: string, defaultPort: number): Promise<Service> {
  const url = process.env[variable];
  let missing: string | undefined;
  if (!url) missing = `${variable} is not set`;
  else {
    const parsed = new URL(url);
    missing = await unreachable(parsed.hostname || '127.0.0.1', Number(parsed.port || defaultPort));
    if (missing) missing = `${variable}=${url} does not answer: ${missing}`;
  }
  return { url, skip: required(what, missing) };
}

export const postgres = (): Promise<Service> => service('PostgreSQL', 'PORTICO_TEST_POSTGRES_URL', 5432);
export const redis = (): Promise<Service> => service('Redis', 'PORTICO_TEST_REDIS_URL', 6379);

/** A file or folder the tests need (a build output, a fixture set). */
export function file(what: string, path: string | URL, hint: string): string | false {
  return required(what, existsSync(path) ? undefined : `${String(path)} not found (${hint})`);
}

type Body = (context: TestContext) => void | Promise<void>;

/**
 * `test` (or `it`) that skips every test it registers with `skip` when that is a reason: for suites
 * whose tests all need one missing thing, with each skip counted.
 */
export function testsSkippedWhen(skip: string | false): {
  (name: string, body: Body): void;
  (name: string, options: { skip?: string | boolean; timeout?: number }, body: Body): void;
} {
  return (
    name: string,
    optionsOrBody: { skip?: string | boolean; timeout?: number } | Body,
    maybeBody?: Body,
  ): void => {
    const options = typeof optionsOrBody === 'function' ? {} : optionsOrBody;
    const body = typeof optionsOrBody === 'function' ? optionsOrBody : maybeBody;
    void test(name, { ...options, skip: skip || options.skip }, body);
  };
}
