/**
 * Starting the fake upstreams, all pinned to the load core: Portico's simulator, a static nginx, and the
 * light Node upstream (the only one used for streams, whose shape it fixes from its command line).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import {
  LOAD_CORE,
  findExecutable,
  freePort,
  startPinned,
  waitForHttp,
  type Started,
} from '../lib/processes.ts';
import { BENCH_ROOT, REPOSITORY_ROOT, TSX_IMPORT } from '../targets/paths.ts';
import { writeStaticUpstreamConfig } from './nginx-config.ts';

export type UpstreamKind = 'simulator' | 'nginx-static' | 'light';

export interface RunningUpstream {
  readonly kind: UpstreamKind;
  readonly origin: string;
  readonly process: Started;
}

export interface StreamShape {
  readonly chunks: number;
  readonly chunkDelayMs: number;
}

export function upstreamUnavailable(kind: UpstreamKind): string | undefined {
  switch (kind) {
    case 'simulator':
      return existsSync(join(REPOSITORY_ROOT, 'src/simulator/index.ts'))
        ? undefined
        : 'src/simulator/index.ts does not exist yet';
    case 'nginx-static':
      return findExecutable('nginx') === undefined ? 'nginx is not installed' : undefined;
    case 'light':
      return undefined;
  }
}

function shapeArgs(shape: StreamShape | undefined): string[] {
  return ['--chunks', String(shape?.chunks ?? 8), '--chunk-delay-ms', String(shape?.chunkDelayMs ?? 0)];
}

export async function startUpstream(
  kind: UpstreamKind,
  temporaryRoot: string,
  shape?: StreamShape,
): Promise<RunningUpstream> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let started: Started;
  switch (kind) {
    case 'simulator':
      started = startPinned({
        name: 'simulator',
        command: process.execPath,
        args: [
          ...TSX_IMPORT,
          join(BENCH_ROOT, 'upstreams/simulator-entry.ts'),
          '--port',
          String(port),
          ...shapeArgs(shape),
        ],
        core: LOAD_CORE,
        cwd: REPOSITORY_ROOT,
      });
      break;
    case 'nginx-static': {
      const directory = mkdtempSync(join(temporaryRoot, 'nginx-upstream-'));
      const config = writeStaticUpstreamConfig(directory, port);
      started = startPinned({
        name: 'nginx static upstream',
        command: 'nginx',
        args: ['-p', directory, '-c', config, '-e', join(directory, 'error.log')],
        core: LOAD_CORE,
      });
      break;
    }
    case 'light':
      started = startPinned({
        name: 'light upstream',
        command: process.execPath,
        args: [
          ...TSX_IMPORT,
          join(BENCH_ROOT, 'upstreams/light-upstream.ts'),
          '--port',
          String(port),
          ...shapeArgs(shape),
        ],
        core: LOAD_CORE,
        cwd: REPOSITORY_ROOT,
      });
      break;
  }
  try {
    await waitForHttp(`${origin}/`, started);
  } catch (error) {
    await started.stop();
    throw error;
  }
  return { kind, origin, process: started };
}
