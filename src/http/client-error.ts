/**
 * Errors Node's HTTP parser answers before any route runs (issue 17, Low): malformed requests (400),
 * oversized headers (431) and header timeouts (408), in the seed's error format like every other
 * answer, and always with `Connection: close` (the connection's framing can no longer be trusted).
 */
import type { Socket } from 'node:net';
import { PorticoError } from '../errors.ts';
import { errorHeaders } from './error-response.ts';

function errorFor(code: string | undefined): PorticoError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new PorticoError('headers_too_large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new PorticoError('request_timeout', { message: 'The request did not arrive in time' });
    default:
      return new PorticoError('invalid_request', { message: 'Malformed HTTP request' });
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer (and is not worth a log line).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const portico = errorFor(error.code);
  const body = JSON.stringify(portico.toBody());
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...errorHeaders(portico),
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${portico.status} ${REASONS[portico.status] ?? 'Error'}\r\n${head}\r\n\r\n${body}`);
  } else socket.destroy();
}
