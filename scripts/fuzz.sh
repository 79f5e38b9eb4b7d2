#!/usr/bin/env bash
# Hostile input, run long: every parser of outside input (GIFT, both CSV importers, pad import
# and Markdown, the pad's wire/awareness/presence frames, PadDoc::apply_update and diff_since,
# valid pad updates interleaved) gets PREAU_FUZZ_CASES generated cases each (default 20,000),
# in release. `cargo test` runs the same targets with 256 cases. Property-based (proptest),
# because it builds on stable Rust with nothing to install; see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PREAU_FUZZ_CASES="${PREAU_FUZZ_CASES:-20000}"
echo "==> $PREAU_FUZZ_CASES cases per target"
started=$SECONDS
cargo test --release -q -p domain --test fuzz -- --test-threads 2
echo "==> done in $((SECONDS - started)) s"
