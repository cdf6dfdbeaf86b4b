/**
 * Sends attack requests from a worker thread, so the attacker's own work (writing 15 MB bodies) does
 * not run on the gateway's event loop and blur what the health probe measures.
 */
import { Worker } from 'node:worker_threads';

export interface WorkerResponse {
  status: number;
  text: string;
}

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, path, headers, body, parallel } = workerData;
function once() {
  return new Promise((resolve) => {
    const target = new URL(path, url);
    const request = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search,
      method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    request.on('error', (error) => resolve({ status: 0, text: String(error && error.code || error) }));
    request.end(Buffer.from(body));
  });
}
parentPort.once('message', () => {
  Promise.all(Array.from({ length: parallel }, once)).then((results) => parentPort.postMessage(results));
});
parentPort.postMessage('ready');
`;

export interface PreparedAttack {
  /** Sends the requests (all at once) and resolves with their answers. */
  fire(): Promise<WorkerResponse[]>;
}

/**
 * Starts the worker and waits until it is ready: starting a worker costs the parent's event loop a
 * noticeable pause, which must not fall inside the measured attack.
 */
export async function prepareAttack(options: {
  url: string;
  path: string;
  body: Buffer;
  headers?: Record<string, string>;
  parallel?: number;
}): Promise<PreparedAttack> {
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: {
      url: options.url,
      path: options.path,
      headers: options.headers ?? {},
      body: new Uint8Array(options.body),
      parallel: options.parallel ?? 1,
    },
  });
  const results = new Promise<WorkerResponse[]>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: 'ready' | WorkerResponse[]) => {
      if (message === 'ready') return;
      resolve(message);
      void worker.terminate();
    });
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  return {
    fire() {
      worker.postMessage('go');
      return results;
    },
  };
}
