#!/usr/bin/env bash
# Online Retail import (issue 4 target: <= 3 s), with sqlite3's own `.import`
# of the same uncompressed CSV into a bare table as the baseline, in the same
# run. Usage: bench/import/run.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data="$root/../shared/data/online_retail.csv.gz"
patron="$root/$build/patron"
[[ -x "$patron" ]] || patron="$build/patron"
dir=$(mktemp -d "${TMPDIR:-/tmp}/patron-import.XXXXXX")
trap 'rm -rf "$dir"' EXIT
zcat "$data" > "$dir/online_retail.csv"

seconds() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
# A phase's seconds from the import's --json report ("read_s": 6.8E-1,).
phase() { sed -n "s/.*\"$1\": *\([-0-9.eE+]*\).*/\1/p" "$dir/report.json" | awk '{ printf "%.2f", $1 }'; }

runs=${RUNS:-3}
for run in $(seq 1 "$runs"); do
  rm -f "$dir"/*.db*
  start=$(date +%s.%N)
  sqlite3 "$dir/bare.db" <<SQL
.mode csv
.import $dir/online_retail.csv orders
SQL
  sqlite_s=$(seconds "$start")

  "$patron" --db "$dir/gz.db" --program uk program apply "$root/examples/online-retail-gbp.toml" >/dev/null
  start=$(date +%s.%N)
  "$patron" --db "$dir/gz.db" --program uk import orders "$data" --preset online-retail >/dev/null 2>&1 || true
  gz_s=$(seconds "$start")

  "$patron" --db "$dir/csv.db" --program uk program apply "$root/examples/online-retail-gbp.toml" >/dev/null
  start=$(date +%s.%N)
  "$patron" --db "$dir/csv.db" --program uk --json import orders "$dir/online_retail.csv" \
    --preset online-retail 2>/dev/null > "$dir/report.json" || true
  csv_s=$(seconds "$start")
  phases="read $(phase read_s) + prepare $(phase prepare_s) + apply $(phase apply_s) + jobs $(phase jobs_s)"
  rows=$(sqlite3 "$dir/bare.db" 'SELECT count(*) FROM orders')
  printf 'run %d: sqlite3 .import %s rows %.2f s | patron import .csv %.2f s (%s) | .gz %.2f s | patron/sqlite3 %.1fx\n' \
    "$run" "$rows" "$sqlite_s" "$csv_s" "$phases" "$gz_s" "$(awk -v a="$csv_s" -v b="$sqlite_s" 'BEGIN { print a / b }')"
done
"$patron" --db "$dir/csv.db" --program uk verify | tail -1
