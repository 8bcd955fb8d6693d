#!/usr/bin/env bash
# `make run` (scripts/demo.sh) on a fresh file, as a newcomer runs it: it must
# end with a running server and a printed admin key, every curl command it
# prints must answer without a problem document, the CLI command it prints
# must work on the same file, and SIGTERM must stop the server cleanly with
# the ledger verified afterwards.
#   tests/cli/make_run_test.sh PATRON_BINARY SOURCE_DIR
set -euo pipefail
patron=$1
src=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/patron-make-run.XXXXXX")
pid=""
cleanup() {
  # The whole group: demo.sh, its data loaders, the server.
  [[ -n "$pid" ]] && kill -KILL -- "-$pid" 2>/dev/null || true
  [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "make_run_test: $*" >&2
  echo "---- what make run printed:" >&2
  cat "$dir/out" >&2 || true
  exit 1
}

command -v jq >/dev/null && command -v curl >/dev/null && command -v setsid >/dev/null ||
  fail "needs jq, curl and setsid (scripts/setup.sh installs them)"

# demo.sh needs a fixed port: a free one outside the ephemeral range.
port=""
for _ in $(seq 50); do
  p=$((20000 + RANDOM % 10000))
  if ! timeout 1 bash -c ": <>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
    port=$p
    break
  fi
done
[[ -n "$port" ]] || fail "no free port found"

# In a process group of its own, so that a failure stops all of it.
PATRON_LISTEN="127.0.0.1:$port" setsid bash "$src/scripts/demo.sh" "$patron" "$dir/demo.db" \
  >"$dir/out" 2>&1 </dev/null &
pid=$!  # demo.sh ends with `exec patron serve`: this is the server
for _ in $(seq 1200); do
  grep -q "patron: listening on http://127.0.0.1:$port" "$dir/out" && break
  kill -0 "$pid" 2>/dev/null || fail "exited before the server was listening"
  sleep 0.25
done
grep -q "patron: listening on" "$dir/out" || fail "the server did not start within 300 s"

key=$(grep -A1 "Admin API key" "$dir/out" | tail -n 1 | tr -d ' ' || true)
[[ "$key" =~ ^pat_[0-9a-f]{16}_[0-9a-f]{64}$ ]] || fail "no admin key printed (got '$key')"

# The commands under "Try, in another terminal:", continuation lines joined.
commands=$(awk '/Try, in another terminal:/ {on = 1; next} /The CLI works/ {on = 0} on' "$dir/out" |
  sed 's/^ *//' | awk '/\\$/ {sub(/\\$/, ""); line = line $0; next} {print line $0; line = ""}' |
  grep '^curl ' || true)
count=$(grep -c . <<<"$commands" || true)
((count >= 4)) || fail "expected at least 4 curl commands, found $count"
while IFS= read -r command; do
  printed=$(timeout 30 bash -c "$command") || fail "failed: $command"
  [[ -n "$printed" ]] || fail "printed nothing: $command"
  if [[ "$command" == *"/metrics"* ]]; then
    grep -q '^patron_http_requests_total{route="GET /v1/members/{member_id}",status="200"}' \
      <<<"$printed" || fail "metrics without the member read: $printed"
    continue
  fi
  jq -e 'type == "object" and (has("type") | not)' >/dev/null <<<"$printed" ||
    fail "not a successful JSON reply to: $command
$printed"
done <<<"$commands"

# The CLI on the same file, while the server runs.
cli=$(grep "The CLI works on the same file:" "$dir/out" | sed 's/.*same file: //' || true)
[[ "$cli" == "$patron --db "* ]] || fail "no CLI command printed (got '$cli')"
timeout 60 bash -c "$cli" >"$dir/cli.out" || fail "failed: $cli"
grep -q "^credit:" "$dir/cli.out" || fail "'$cli' printed no credit wallet: $(cat "$dir/cli.out")"

kill -TERM "$pid"
for _ in $(seq 120); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.25
done
kill -0 "$pid" 2>/dev/null && fail "the server was still running 30 s after SIGTERM"
status=0
wait "$pid" || status=$?
pid=""
((status == 0)) || fail "the server exited with $status after SIGTERM"
grep -q "patron: stopped" "$dir/out" || fail "no 'patron: stopped' after SIGTERM"
"$patron" --db "$dir/demo.db" verify >/dev/null || fail "patron verify failed after the demo"
echo "make_run_test: ok ($count curl commands, key ${key:0:21}…, port $port)"
