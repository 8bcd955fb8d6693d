#!/usr/bin/env bash
# A short scripted tour of the wallet ledger on a fresh SQLite file: 入會禮,
# birthday credit, a purchase rebate pending through the 7-day 鑑賞期, a checkout
# hold, a partial refund with clawback, expiry, and `patron verify`.
set -euo pipefail
patron=${1:-build/patron}
db=${PATRON_DEMO_DB:-build/demo.db}
rm -f "$db" "$db-wal" "$db-shm"
p() { echo "\$ patron $*" | sed "s|--db $db |--db demo.db |"; "$patron" "$@"; echo; }

p --db "$db" --now 2026-11-01T10:00 member upsert amy --birthday 1995-11-20 --email amy@example.com
p --db "$db" --now 2026-11-01T10:00 wallet grant amy --wallet credit --amount 100 --source signup --reason "入會禮" --key signup-amy
p --db "$db" --now 2026-11-01T10:00 wallet grant amy --wallet credit --amount 100 --source signup --reason "入會禮" --key signup-amy
p --db "$db" --now 2026-11-01T10:05 wallet grant amy --wallet credit --amount 200 --source birthday --reason "生日禮"
p --db "$db" --now 2026-11-02T12:00 wallet grant amy --wallet credit --amount 50 --source purchase --order A1001 --line L1=30 --line L2=20 --available-at 2026-11-09T12:00 --reason "每滿1000送50"
p --db "$db" --now 2026-11-03T09:00 member show amy
p --db "$db" --now 2026-11-03T09:00 hold reserve amy --wallet credit --amount 120 --order A1002 --ttl 900
p --db "$db" --now 2026-11-03T09:05 hold capture 1 --amount 100
p --db "$db" --now 2026-11-05T15:00 wallet clawback amy --wallet credit --order A1001 --line L2
p --db "$db" --now 2026-11-10T00:00 jobs run all
p --db "$db" --now 2026-11-10T00:00 member show amy
p --db "$db" --now 2027-01-15T00:00 jobs run expire
p --db "$db" --now 2027-01-15T00:00 member show amy
p --db "$db" ledger amy
p --db "$db" verify
echo "demo database: $db (try: $patron --db $db member show amy --json)"
