/**
 * nginx configurations generated into a temporary directory and run as our own foreground process
 * (`nginx -p dir -c conf -e log`, `daemon off`, one process), either as a static fake upstream or as the
 * plain reverse-proxy baseline.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GEMINI_COMPLETION, OPENAI_COMPLETION } from './fixed-bodies.ts';

function preamble(directory: string): string {
  for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(directory, name), { recursive: true });
  return `daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 40000;
pid ${join(directory, 'nginx.pid')};
error_log ${join(directory, 'error.log')} warn;
events { worker_connections 30000; }
`;
}

function httpCommon(directory: string): string {
  return `  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path ${join(directory, 'client_body')};
  proxy_temp_path ${join(directory, 'proxy')};
  fastcgi_temp_path ${join(directory, 'fastcgi')};
  uwsgi_temp_path ${join(directory, 'uwsgi')};
  scgi_temp_path ${join(directory, 'scgi')};
`;
}

/** nginx `return` takes a quoted string in which `$` would start a variable; the bodies contain neither. */
function literal(body: string): string {
  if (body.includes("'") || body.includes('$'))
    throw new Error('fixed body cannot be embedded in nginx config');
  return `'${body}'`;
}

export function writeStaticUpstreamConfig(directory: string, port: number): string {
  const text = `${preamble(directory)}http {
${httpCommon(directory)}
  server {
    listen 127.0.0.1:${port};
    location /v1/chat/completions { default_type application/json; return 200 ${literal(OPENAI_COMPLETION)}; }
    location ~ :generateContent$ { default_type application/json; return 200 ${literal(GEMINI_COMPLETION)}; }
    location / { default_type text/plain; return 200 'ok'; }
  }
}
`;
  const path = join(directory, 'static-upstream.conf');
  writeFileSync(path, text);
  return path;
}

export function writeReverseProxyConfig(directory: string, port: number, upstreamPort: number): string {
  const text = `${preamble(directory)}http {
${httpCommon(directory)}
  upstream backend {
    server 127.0.0.1:${upstreamPort};
    keepalive 512;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 120s;
    }
  }
}
`;
  const path = join(directory, 'reverse-proxy.conf');
  writeFileSync(path, text);
  return path;
}
