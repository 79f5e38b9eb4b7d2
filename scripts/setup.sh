#!/usr/bin/env bash
# Installs what building and testing Préau needs on a fresh machine, skipping what is there:
# the wasm32 target, cargo-leptos 0.3.10, wasm-bindgen-cli 0.2.130, npm packages (binaryen 132
# for wasm-opt, Playwright), and with --browser Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "0.3.10" ]; then
  echo "==> cargo install cargo-leptos 0.3.10 (about 20 minutes, once)"
  cargo install cargo-leptos@0.3.10 --locked
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "0.2.130" ]; then
  echo "==> cargo install wasm-bindgen-cli 0.2.130 (about 7 minutes, once)"
  cargo install wasm-bindgen-cli --version =0.2.130
fi
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/@playwright/test ] || [ ! -d node_modules/yjs ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
fi
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  echo "==> apt-get install chromium"
  apt-get update -qq && apt-get install -y -qq chromium chromium-driver
fi
