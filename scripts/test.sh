#!/usr/bin/env bash
# The test command: the same set-up as the run command (plus Debian's Chromium), then every
# test: formatting and lints, unit and integration tests, then the release build driven in
# Chromium by Playwright. With DATABASE_URL=postgres://..., the integration tests and the
# end-to-end server run on PostgreSQL (each on databases of their own); otherwise on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export PREAU_DEMO_PASSWORD="cartable-violet-2026"
started=$SECONDS
step() { echo; echo "==> $* ($((SECONDS - started)) s)"; }

pg=""
case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) pg="$DATABASE_URL" ;;
esac

if [ -n "$pg" ]; then
  step "dropping test databases left by earlier runs"
  # Without FORCE: a database still in use belongs to a run going on beside this one (another
  # checkout on the same server) and is left to it; the drop fails and is skipped.
  for db in $(psql "$pg" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'preau\_t\_%' OR datname LIKE 'preau\_e2e\_%'"); do
    psql "$pg" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || echo "    $db is in use by another run: left alone"
  done
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (server side, then the browser side)"
cargo clippy -p domain -p app -p server --all-targets -- -D warnings
cargo clippy -p frontend -p app --features frontend/hydrate --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests (database: $([ -n "$pg" ] && echo PostgreSQL || echo SQLite))"
# --tests: libraries, binaries and integration tests, not the examples (load and benchmark
# binaries, which clippy has checked above; linking each would take another disk-full of
# debug binaries). There are no doc tests.
cargo test -p domain -p app -p server --tests

traces="${PREAU_EDITING_TRACES:-../shared/data/editing-traces}"
if [ -z "$pg" ]; then
  if [ -d "$traces" ]; then
    step "pad document: replaying the editing traces in $traces"
    cargo run --release -q -p domain --example trace_replay -- --check "$traces"
  else
    step "pad document: no editing traces at $traces (PREAU_EDITING_TRACES), replay skipped"
  fi
fi

step "release build (server and wasm, via cargo-leptos)"
cargo leptos build --release --precompress

step "end-to-end tests in Chromium"
rm -rf target/e2e && mkdir -p target/e2e
if [ -n "$pg" ]; then
  e2e_db="preau_e2e_$$"
  psql "$pg" -qc "CREATE DATABASE $e2e_db" >/dev/null
  export PREAU_E2E_DATABASE_URL="${pg%/*}/$e2e_db"
fi
export PREAU_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/preau"
(cd end2end && npx playwright test)
if [ -n "$pg" ]; then
  psql "$pg" -qc "DROP DATABASE IF EXISTS $e2e_db WITH (FORCE)" >/dev/null
fi

step "pad durability with the reference Yjs client (npm yjs): an update waiting for its dependency, SIGKILL, restart"
if [ -n "$pg" ]; then
  yjs_db="preau_e2e_yjs_$$"
  psql "$pg" -qc "CREATE DATABASE $yjs_db" >/dev/null
  export PREAU_YJS_DATABASE_URL="${pg%/*}/$yjs_db"
else
  export PREAU_YJS_DATABASE_URL="sqlite://$PWD/target/e2e/yjs.db?mode=rwc"
fi
node end2end/yjs/pending-kill.mjs
if [ -n "$pg" ]; then
  psql "$pg" -qc "DROP DATABASE IF EXISTS $yjs_db WITH (FORCE)" >/dev/null
fi

step "all tests passed (target/ holds $(du -sh "${CARGO_TARGET_DIR:-target}" | cut -f1))"
