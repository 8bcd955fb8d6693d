#!/usr/bin/env bash
# Runs every benchmark on the release build and prints the figures that
# docs/benchmarks.md records. Machines are shared: compare ratios from one run.
set -euo pipefail
build=${1:-build}
bash "$(dirname "$0")/setup.sh" nginx-light  # the HTTP benchmark's baseline
dir=$(mktemp -d "${TMPDIR:-/tmp}/patron-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "== core (one core, Google Benchmark)"
"$build/bench/core_bench" --benchmark_min_time=1
echo
echo "== durable earn commands through the app layer (SQLite)"
"$build/bench/durable_bench" --dir "$dir"
echo
echo "== earn evaluation, ten-line order (one core)"
"$build/bench/earn_bench" --benchmark_min_time=1
echo
echo "== Online Retail import vs sqlite3 .import (same run)"
bash "$(dirname "$0")/../bench/import/run.sh" "$build"
echo
echo "== expiry job over 1,000,000 lots (SQLite)"
"$build/bench/expiry_bench" --lots 1000000 --dir "$dir"
echo
echo "== reminders job over 100,000 members and 1,000,000 lots (SQLite)"
"$build/bench/expiry_bench" --lots 1000000 --job reminders --dir "$dir"
echo
echo "== replenishment and win-back jobs over 100,000 members and 1,000,000 order lines (SQLite)"
"$build/bench/expiry_bench" --job replenishment --members 100000 --lines 1000000 --dir "$dir"
echo
echo "== issue 7: reminders + replenishment + win-back on one file (100,000 members, 1,000,000 lots, 500,000 orders): first, daily and repeated run"
"$build/bench/expiry_bench" --job remarketing --members 100000 --lines 1000000 --dir "$dir"
echo
echo "== webhook delivery to a loopback receiver vs the bare sender (same run)"
"$build/bench/webhooks_bench" --events 20000 --in-flight 8 --dir "$dir"
echo
echo "== HTTP API (wrk against patron serve; nginx baseline when installed)"
bash "$(dirname "$0")/../bench/http/run.sh" "$build"
