#!/usr/bin/env bash
# The run command: set-up, then build and serve Préau at http://127.0.0.1:3000 on the embedded
# SQLite database (./data/preau.db) with the demo school.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export PREAU_DEMO="${PREAU_DEMO:-1}"
exec cargo leptos serve --release --precompress
