/** The baselines: a plain nginx reverse proxy, the Node floor proxy, and the Portkey gateway. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chatBody } from '../lib/request-spec.ts';
import { GATEWAY_CORE, findExecutable, freePort, startPinned, waitForHttp } from '../lib/processes.ts';
import { writeReverseProxyConfig } from '../upstreams/nginx-config.ts';
import { BENCH_ROOT, REPOSITORY_ROOT } from './paths.ts';
import type { RunningTarget, StartContext, TargetDefinition } from './target.ts';

function openAiRequester(origin: string, headers: Readonly<Record<string, string>>) {
  return (stream: boolean, maxTokens?: number) => ({
    url: `${origin}/v1/chat/completions`,
    headers,
    body: chatBody('bench', stream, maxTokens),
  });
}

export const nginxProxy: TargetDefinition = {
  name: 'nginx reverse proxy',
  format: 'openai',
  isDirect: false,
  unavailable: () =>
    findExecutable('nginx') === undefined
      ? 'nginx is not installed (apt-get install -y nginx-light)'
      : undefined,
  async start(context: StartContext): Promise<RunningTarget> {
    const port = await freePort();
    const upstreamPort = Number(new URL(context.upstreamOrigin).port);
    const config = writeReverseProxyConfig(context.workDirectory, port, upstreamPort);
    const errorLog = join(context.workDirectory, 'error.log');
    const started = startPinned({
      name: 'nginx proxy',
      command: 'nginx',
      args: ['-p', context.workDirectory, '-c', config, '-e', errorLog],
      core: GATEWAY_CORE,
    });
    const origin = `http://127.0.0.1:${port}`;
    await waitForHttp(`${origin}/`, started);
    return {
      pid: started.pid,
      streamEndMarker: '[DONE]',
      request: openAiRequester(origin, { authorization: 'Bearer x' }),
      stop: started.stop,
    };
  },
};

/** The floor every Portico ratio is quoted against: plain JavaScript, no TypeScript loader in it. */
export const nodeFloor: TargetDefinition = {
  name: 'Node floor proxy',
  format: 'openai',
  isDirect: false,
  unavailable: () => undefined,
  async start(context: StartContext): Promise<RunningTarget> {
    const port = await freePort();
    const started = startPinned({
      name: 'node floor',
      command: process.execPath,
      args: [
        join(BENCH_ROOT, 'baselines/node-floor.js'),
        '--port',
        String(port),
        '--upstream',
        context.upstreamOrigin,
      ],
      core: GATEWAY_CORE,
      cwd: REPOSITORY_ROOT,
    });
    const origin = `http://127.0.0.1:${port}`;
    await waitForHttp(`${origin}/`, started);
    return {
      pid: started.pid,
      streamEndMarker: '[DONE]',
      request: openAiRequester(origin, { authorization: 'Bearer x' }),
      stop: started.stop,
    };
  },
};

const PORTKEY_SERVER = join(BENCH_ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');

export const portkey: TargetDefinition = {
  name: 'Portkey gateway',
  format: 'openai',
  isDirect: false,
  unavailable: () =>
    existsSync(PORTKEY_SERVER) ? undefined : 'Portkey gateway is not installed (npm install --prefix bench)',
  async start(context: StartContext): Promise<RunningTarget> {
    const port = await freePort();
    const started = startPinned({
      name: 'portkey',
      command: process.execPath,
      args: [PORTKEY_SERVER, `--port=${port}`],
      core: GATEWAY_CORE,
      cwd: context.workDirectory,
    });
    const origin = `http://127.0.0.1:${port}`;
    await waitForHttp(`${origin}/`, started);
    return {
      pid: started.pid,
      streamEndMarker: '[DONE]',
      request: openAiRequester(origin, {
        authorization: 'Bearer x',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${context.upstreamOrigin}/v1`,
      }),
      stop: started.stop,
    };
  },
};
