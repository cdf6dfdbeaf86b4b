#!/usr/bin/env bash
# One prompt from Google's Gemini CLI through Portico's Gemini-native door, fully offline: Portico runs on
# its built-in simulator (no upstream credentials), on a throw-away database, and the CLI talks to it with
# GOOGLE_GEMINI_BASE_URL and a Portico key. Prints the CLI's answer, then the ledger rows it produced.
#
#   scripts/gemini-cli-offline.sh ["prompt"]        (from the repository root; needs npm install)
#
# What the CLI needs (Gemini CLI 0.61.0):
# - GOOGLE_GEMINI_BASE_URL alone makes the CLI pick its "gateway" auth type, which the non-interactive
#   mode refuses ("Invalid auth method selected"); a settings file selecting "gemini-api-key" keeps the
#   base URL and sends GEMINI_API_KEY (a Portico key) as x-goog-api-key.
# - Headless runs need a trusted folder: GEMINI_CLI_TRUST_WORKSPACE=true.
# - The CLI resolves gemini-3.5-flash to its newest flash name (gemini-3.8-flash in 0.61.0), so the Portico
#   model gets that name as an alias.
set -euo pipefail

PORT="${PORTICO_PORT:-18787}"
CLI_VERSION="0.61.0"
PROMPT="${1:-Say hello in five words}"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/portico.yaml" <<YAML
models:
  gemini-3.5-flash:
    aliases: [gemini-3.8-flash]
YAML

PORTICO_PORT="$PORT" PORTICO_DATABASE_URL="sqlite:$work/portico.db" PORTICO_CONFIG="$work/portico.yaml" \
  node --import tsx src/main.ts start > "$work/portico.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  grep -q '"portico listening"' "$work/portico.log" 2>/dev/null && break
  sleep 0.5
done
grep -q '"portico listening"' "$work/portico.log" || { cat "$work/portico.log"; exit 1; }
key="$(grep -o 'sk-port-[A-Za-z0-9_-]*' "$work/portico.log" | head -1)"
admin="$(grep -o 'sk-admin-[A-Za-z0-9_-]*' "$work/portico.log" | head -1)"

mkdir -p "$work/home/.gemini"
cat > "$work/home/.gemini/settings.json" <<JSON
{
  "security": { "auth": { "selectedType": "gemini-api-key" } },
  "privacy": { "usageStatisticsEnabled": false },
  "general": { "disableAutoUpdate": true, "disableUpdateNag": true }
}
JSON

HOME="$work/home" GEMINI_CLI_TRUST_WORKSPACE=true GEMINI_CLI_NO_RELAUNCH=true \
  GOOGLE_GEMINI_BASE_URL="http://127.0.0.1:$PORT" GEMINI_API_KEY="$key" \
  npx --yes "@google/gemini-cli@$CLI_VERSION" -m gemini-3.5-flash -p "$PROMPT"

echo
echo "Ledger (model door status stream prompt_tokens completion_tokens cost_micros):"
curl -s "http://127.0.0.1:$PORT/admin/usage?limit=20" -H "authorization: Bearer $admin" |
  node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{for(const r of JSON.parse(s).data)console.log(r.model,r.door,r.status,r.stream,r.prompt_tokens,r.completion_tokens,r.cost_micros)})'
