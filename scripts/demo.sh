#!/usr/bin/env bash
# `make run`: a fresh demo database with members and a year of wallet activity
# (scripts/demo_data.sh), then `patron serve` on it in the foreground.
#
#   scripts/demo.sh BINARY [DB]        DB defaults to build/demo.db (replaced)
#   PATRON_LISTEN=127.0.0.1:8090 ...   another address (default 127.0.0.1:8080)
#
# Prints the API base URL, an admin API key and curl commands to paste; Ctrl-C
# stops the server. There is no web dashboard yet: only the HTTP API.
set -euo pipefail

patron=${1:-build/patron}
db=${2:-build/demo.db}
listen=${PATRON_LISTEN:-127.0.0.1:8080}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "demo: $*" >&2; exit 1; }
[[ -x "$patron" ]] || die "no executable $patron (run: make build)"
[[ "$listen" == *:* ]] || die "PATRON_LISTEN must be HOST:PORT, got '$listen'"
host=${listen%:*}
port=${listen##*:}
[[ "$port" =~ ^[0-9]+$ && "$port" -gt 0 ]] || die "PATRON_LISTEN needs a fixed port, got '$listen'"
[[ "$host" == "0.0.0.0" || -z "$host" ]] && url_host=127.0.0.1 || url_host=$host
base="http://$url_host:$port"

# Before spending time on the data: is something already listening there?
if timeout 2 bash -c ": <>/dev/tcp/$url_host/$port" 2>/dev/null; then
  die "$url_host:$port is already in use (an earlier \`make run\` still running?).
      Stop it, or pick another address: PATRON_LISTEN=127.0.0.1:8090 make run"
fi

echo "== demo database $db"
bash "$here/demo_data.sh" "$patron" "$db"
# The example program's configuration, stored as version 2 of `default`
# (version 1 is the built-in default the data above was loaded under).
"$patron" --db "$db" program apply "$here/../examples/taiwan-fashion.toml"
showcase=$(head -n 1 "$db.showcase")
tour=$(tail -n +2 "$db.showcase")
rm -f "$db.showcase"

echo
echo "== scheduled jobs, as of now (maturation after the 7-day return window, expiry, hold TTL)"
"$patron" --db "$db" jobs run all

echo
echo "== patron verify"
if ! "$patron" --db "$db" verify; then
  echo >&2
  echo "demo: VERIFY FAILED on $db: the ledger invariants do not hold (report above)." >&2
  exit 1
fi

# One checkout in progress right now, so the member below has an open hold.
available=$("$patron" --db "$db" member show "$showcase" | awk '/^credit:/ { sub(/,$/, "", $3); print $3 }')
if [[ "$available" =~ ^[0-9]+$ ]] && ((available > 0)); then
  # Credit has redemption rules (NT$500 orders and up, at most NT$100 or
  # 10%): it is held through a checkout with a cart, never a raw hold.
  amount=$((available < 100 ? available : 100))
  cart="$db.cart.json"
  echo '{"lines":[{"line_id":"1","sku":"TEE-1","category":"tops","quantity":1,"unit_price":1000}]}' >"$cart"
  "$patron" --db "$db" checkout reserve --member "$showcase" --order DEMO-CHECKOUT \
    --cart "$cart" --use "credit=$amount" --ttl 3600 >/dev/null
  rm -f "$cart"
fi

echo
echo "== one member: $showcase (every command of the demo is in $db.commands)"
sed 's/^/  $ /; s/@HOLD/HOLD_ID/' <<<"$tour"
[[ -n "${amount:-}" ]] &&
  echo "  \$ patron checkout reserve --member $showcase --order DEMO-CHECKOUT --cart cart.json --use credit=$amount --ttl 3600   # now"
"$patron" --db "$db" member show "$showcase" | sed 's/^/  /'

key=$("$patron" --db "$db" keys create --role admin --label "make run demo" | tail -n 1)
[[ "$key" == pat_* ]] || die "could not create an API key (got: $key)"

cat <<EOF

================================================================================
 patron demo: HTTP API at $base/v1   (OpenAPI: $base/v1/openapi.json)
 Web dashboard: not built yet (a later issue); today there is the API and the CLI.

 Admin API key (shown once; \`patron --db $db keys list\` lists keys):
   $key

 Try, in another terminal:
   curl -s -w '\\n' -H 'Authorization: Bearer $key' \\
     $base/v1/members/$showcase

   curl -s -w '\\n' -X POST -H 'Authorization: Bearer $key' \\
     -H 'Idempotency-Key: demo-adjust-1' -H 'Content-Type: application/json' \\
     -d '{"wallet":"credit","amount":50,"reason":"goodwill"}' \\
     $base/v1/members/$showcase/adjustments

   curl -s $base/metrics | grep -v -e '^#' -e _bucket

 What happened, as webhook events (register a URL to get them POSTed, signed:
 docs/webhooks.md):
   curl -s -w '\\n' -H 'Authorization: Bearer $key' '$base/v1/events?limit=3'

 The CLI works on the same file: $patron --db $db member show $showcase
 Database: $db (recreated by every \`make run\`). Ctrl-C stops the server.
================================================================================

EOF

exec "$patron" --db "$db" serve --listen "$listen"
