#!/usr/bin/env bash
# HTTP benchmark: starts `patron serve` on a SQLite database seeded with
# members, then drives it with wrk (client and server share the 2 cores).
#   bench/http/run.sh [BUILD_DIR]   env: MEMBERS (default 1000000), DURATION (10s)
# The program is examples/taiwan-fashion.toml; every member has a NT$500
# credit lot. Prints req/s, p50 and p99 at 64 connections for durable order
# events (a paid order that earns), durable grants, checkout quotes and member
# reads, single-connection quote latency, and the server's RSS. When nginx is
# installed it also serves a static JSON body of the quote's size in the same
# run and prints patron's quote rate as a ratio of nginx's.
set -euo pipefail
build=${1:-build}
bin="$build/patron"
here=$(cd "$(dirname "$0")" && pwd)
members=${MEMBERS:-1000000}
duration=${DURATION:-10s}
port=${PORT:-18090}
command -v wrk >/dev/null || { echo "bench/http: wrk is not installed (make setup)" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/patron-http-bench.XXXXXX")
server=""
nginx_pid=""
cleanup() {
  [[ -n "$server" ]] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
db="$dir/bench.db"

"$bin" --db "$db" program apply "$here/../../examples/taiwan-fashion.toml" >/dev/null
key=$("$bin" --db "$db" keys create --role admin | tail -1)
start=$(date +%s.%N)
sqlite3 "$db" "BEGIN;
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $members)
  INSERT INTO members (program_id, id, birthday, email, phone, created_at, updated_at)
  SELECT 'default', 'm' || i, NULL, '', '', 1790000000, 1790000000 FROM c;
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $members)
  INSERT INTO lots SELECT i, 'default', 'm' || i, 'credit', 'adjustment', 500, 500, 0, 0,
    'available', 1790000000, 1790000000, NULL, '{}', '', '[]', 'bench' FROM c;
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $members)
  INSERT INTO transfers SELECT i, i, 'default', 'm' || i, 'credit', 'grant',
    'issued:adjustment', 'member:available', 500, i, 1790000000 FROM c;
  COMMIT;"
echo "seeded $members members, each with a NT\$500 lot, in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"

"$bin" --db "$db" serve --listen "127.0.0.1:$port" --quiet --jobs-interval 0 \
  --threads "${THREADS:-1}" >"$dir/serve.out" 2>"$dir/serve.err" &
server=$!
for _ in $(seq 100); do grep -q listening "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q listening "$dir/serve.out" || { cat "$dir/serve.err"; exit 1; }

export PATRON_BENCH_KEY="$key" PATRON_BENCH_MEMBERS="$members"
summary() {  # name, wrk output
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$2")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$2")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$2")
  printf '%-34s %10s req/s   p50 %8s   p99 %8s\n' "$1" "$rps" "$p50" "$p99"
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$2" || true)
  [[ -z "$errors" ]] || echo "    $errors"
}
url="http://127.0.0.1:$port"
out=$(wrk -t2 -c64 -d"$duration" --latency -s "$here/order_events.lua" "$url" 2>"$dir/wrk.err")
summary "order events (durable), 64 conns" "$out"
out=$(wrk -t2 -c64 -d"$duration" --latency -s "$here/grants.lua" "$url" 2>>"$dir/wrk.err")
summary "grants (durable), 64 conns" "$out"
out=$(wrk -t2 -c64 -d"$duration" --latency -s "$here/quote.lua" "$url" 2>>"$dir/wrk.err")
patron_quotes=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
summary "quotes, 64 conns" "$out"
out=$(wrk -t1 -c1 -d"$duration" --latency -s "$here/quote.lua" "$url" 2>>"$dir/wrk.err")
summary "quotes, 1 conn" "$out"
out=$(wrk -t2 -c64 -d"$duration" --latency -s "$here/member_get.lua" "$url" 2>>"$dir/wrk.err")
summary "member reads, 64 conns" "$out"
if [[ -s "$dir/wrk.err" ]]; then echo "wrk reported:"; sort "$dir/wrk.err" | uniq -c | head -5; fi
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
echo "server RSS with $members members: $((rss_kb / 1024)) MiB"

if command -v nginx >/dev/null; then
  body_bytes=$(curl -s -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"member_id":"m1","cart":{"channel":"web","shipping":60,"lines":[{"line_id":"1","sku":"DRESS-7","category":"dresses","quantity":1,"unit_price":890},{"line_id":"2","sku":"SKIRT-9","category":"bottoms","quantity":2,"unit_price":590}]}}' \
    "$url/v1/checkout/quote" | wc -c)
  mkdir -p "$dir/www"
  head -c "$body_bytes" /dev/zero | tr '\0' ' ' >"$dir/www/m.json"
  chmod a+x "$dir" && chmod -R a+rX "$dir/www"  # nginx workers run as nobody when started as root
  cat >"$dir/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:$((port + 1)); root $dir/www; default_type application/json; }
}
NGINX
  nginx -c "$dir/nginx.conf" -p "$dir" &
  nginx_pid=$!
  sleep 0.5
  out=$(wrk -t2 -c64 -d"$duration" --latency "http://127.0.0.1:$((port + 1))/m.json")
  summary "nginx static $body_bytes B, 64 conns" "$out"
  grep -q 'Non-2xx' <<<"$out" && { echo "nginx did not serve the file: no baseline" >&2; exit 1; }
  nginx_rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  echo "patron quotes / nginx static: $(awk -v a="$patron_quotes" -v b="$nginx_rps" 'BEGIN {printf "%.2f", a / b}') (target >= 0.75)"
else
  echo "nginx not installed: no static-file baseline in this run"
fi
