#!/usr/bin/env bash
# A local Portico cluster: N gateway processes behind nginx, sharing this machine's PostgreSQL and Redis.
#   scripts/cluster.sh [N]            (default 3; Ctrl-C stops everything this script started)
# Environment: PORTICO_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
# PORTICO_REDIS_URL (default redis://127.0.0.1:6379), PORTICO_ADMIN_KEY (generated if unset),
# CLUSTER_PORT (nginx, default 8787), CLUSTER_BASE_PORT (first gateway, default 8801), PORTICO_CONFIG.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-3}"
export PORTICO_DATABASE_URL="${PORTICO_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export PORTICO_REDIS_URL="${PORTICO_REDIS_URL:-redis://127.0.0.1:6379}"
export PORTICO_ADMIN_KEY="${PORTICO_ADMIN_KEY:-sk-admin-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)}"
export PORTICO_INSTANCES="$N"
CLUSTER_PORT="${CLUSTER_PORT:-8787}"
BASE="${CLUSTER_BASE_PORT:-8801}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
if [ ! -x "$NGINX" ]; then
  echo "nginx is not installed: apt-get install -y nginx" >&2
  exit 1
fi
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

node --import tsx src/main.ts migrate
SERVERS=""
for i in $(seq 0 $((N - 1))); do
  port=$((BASE + i))
  PORTICO_HOST=127.0.0.1 PORTICO_PORT="$port" node --import tsx src/main.ts start >"$WORK/portico-$i.log" 2>&1 &
  PIDS+=("$!")
  SERVERS="$SERVERS    server 127.0.0.1:$port;\n"
done
mkdir -p "$WORK/logs"
printf "worker_processes 1;\nerror_log %s/logs/error.log;\npid %s/nginx.pid;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  upstream portico {\n%b    keepalive 64;\n  }\n  server {\n    listen 127.0.0.1:%s;\n    client_max_body_size 16m;\n    location / {\n      proxy_pass http://portico;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_buffering off;\n      proxy_read_timeout 600s;\n    }\n  }\n}\n" \
  "$WORK" "$WORK" "$SERVERS" "$CLUSTER_PORT" >"$WORK/nginx.conf"
for i in $(seq 0 $((N - 1))); do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((BASE + i))/health" >/dev/null && break; sleep 0.2; done
done
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=("$!")
echo "Portico x$N behind nginx on http://127.0.0.1:$CLUSTER_PORT (gateways on $BASE..$((BASE + N - 1)))"
echo "Admin key: $PORTICO_ADMIN_KEY"
echo "Logs: $WORK"
wait
