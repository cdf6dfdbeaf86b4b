/**
 * The one JSON body parser for every route: the body is read with a size limit and a deadline
 * (`read-body.ts`), then parsed (`json-body.ts`, in slices when large). Routes whose bodies carry long
 * arrays check each element as it is parsed, so a hostile body stops at its first bad element.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PorticoError } from '../errors.ts';
import { checkChatElement } from '../pipeline/validate-request.ts';
import type { Services } from '../services.ts';
import { parseJsonBodyAsync } from './json-body.ts';
import { BodyBufferPool, readBody } from './read-body.ts';

type ElementCheck = (path: string, index: number, value: unknown) => void;

const ELEMENT_CHECKS: Readonly<Record<string, ElementCheck>> = Object.freeze({
  '/v1/chat/completions': checkChatElement,
});

export function registerJsonBodyParser(app: FastifyInstance, services: Services): void {
  const limits = {
    maxBytes: services.config.maxBodyBytes,
    timeoutMs: services.config.hardening.bodyTimeoutMs,
  };
  const pool = new BodyBufferPool();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/*+json'],
    async (request: FastifyRequest, payload: IncomingMessage) => {
      const buffer = await readBody(payload, request.headers, limits, pool);
      try {
        if (buffer.length === 0) {
          throw new PorticoError('invalid_json', { message: 'The request body is empty' });
        }
        // The parsed value holds its own strings, never a view of the buffer: it can be reused after.
        return await parseJsonBodyAsync(buffer, ELEMENT_CHECKS[request.routeOptions.url ?? '']);
      } finally {
        pool.give(buffer);
      }
    },
  );
  // Any other content type on a route with a body is refused with the seed's error format.
  app.addContentTypeParser('*', (_request, _payload, done) =>
    done(new PorticoError('unsupported_media_type'), undefined),
  );
}
