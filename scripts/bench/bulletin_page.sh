#!/usr/bin/env bash
# Load on a parent's bulletin page: the release server on 127.0.0.1 with the demo school on a
# fresh SQLite file (or DATABASE_URL=postgres://...@127.0.0.1/...), the first trimester closed
# by direction, then wrk requesting /bulletin (server-rendered HTML, the parent's session) for
# DURATION seconds with CONNECTIONS connections. Needs `cargo leptos build --release` first and
# Debian's wrk (apt-get install wrk). Stops by itself.
#   scripts/bench/bulletin_page.sh [CONNECTIONS=32] [DURATION=20]
# PAGE=/ (or another path) measures that page instead, with the same session, for comparison;
# KEEP=file.html keeps the page that was measured. Requests say `Accept-Encoding: gzip, deflate,
# br, zstd` as Chromium does, so the server compresses each page as it would for a browser;
# ENCODING=identity measures without compression.
set -euo pipefail
cd "$(dirname "$0")/../.."
connections="${1:-32}"
duration="${2:-20}"
port=3290
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp "$work/page.html" "$KEEP"; rm -rf "$work"' EXIT
bin="${PREAU_BIN:-${CARGO_TARGET_DIR:-target}/release/preau}"
password="bench-cartable-2026"

DATABASE_URL="${DATABASE_URL:-sqlite://$work/preau.db}" PREAU_DEMO=1 PREAU_DEMO_PASSWORD="$password" \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn "$bin" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

login() { # user cookie-jar
  curl -fs -c "$2" -H "Origin: $base" -H 'Accept: application/json' \
    --data-urlencode "identifiant=$1" --data-urlencode "mot_de_passe=$password" "$base/api/connexion" >/dev/null
}
login demo.direction "$work/direction"
login demo.parent "$work/parent"
period=$(curl -fs -b "$work/direction" "$base/bulletins" | grep -o 'name="periode" value="[0-9]*"' | head -1 | grep -o '[0-9]*')
# The first trimester, closed unless the demo closed it already (created after it ended: 409).
curl -s -b "$work/direction" -H "Origin: $base" -H 'Accept: application/json' \
  -d "periode=$period&cloturer=1" "$base/api/bulletins/periode" >/dev/null
page="$base${PAGE:-/bulletin?periode=$period}"
cookie=$(awk '$6 ~ /session/ {print $6"="$7}' "$work/parent")
bytes=$(curl -fs -H "Cookie: $cookie" "$page" | tee "$work/page.html" | wc -c)
[ -n "${PAGE:-}" ] || grep -q 'Bulletin publié le' "$work/page.html" || { echo "the bulletin page did not show the issued bulletin"; exit 1; }
echo "GET ${PAGE:-/bulletin} as demo.parent: $bytes bytes of HTML; wrk -t1 -c$connections -d${duration}s"
encoding="${ENCODING:-gzip, deflate, br, zstd}"
wire=$(curl -fs -H "Cookie: $cookie" -H "Accept-Encoding: $encoding" -o /dev/null -w '%{size_download} bytes (%header{content-encoding})' "$page")
echo "on the wire with Accept-Encoding: $encoding: $wire"
wrk -t1 -c"$connections" -d"${duration}s" --latency -H "Cookie: $cookie" -H "Accept-Encoding: $encoding" "$page"
ps -o rss=,cputime= -p "$server" | awk '{printf "server RSS after the run: %.0f MiB, CPU time %s\n", $1/1024, $2}'
