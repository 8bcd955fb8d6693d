#!/usr/bin/env bash
# Loads demo members and a year of wallet activity into a patron SQLite file
# through the CLI (`--now` back-dates each command). Used by scripts/demo.sh;
# runs on its own too:
#
#   scripts/demo_data.sh BINARY DB
#
# Members and their orders come from the UCI Online Retail file
# (../shared/data/online_retail.csv.gz, or $PATRON_DEMO_DATA): every 35th new
# customer of the file, $PATRON_DEMO_MEMBERS of them (default 120), with the
# file's timeline moved so that its last day (2011-12-09) is yesterday. Without
# the file, members and orders are generated (deterministically). Amounts: GBP
# x 40 = TWD, the credit wallet's unit.
#
# What each member gets (there is no order engine yet, so "orders" are what the
# ledger supports today):
#   - member upsert (birthday, e-mail) and a 入會禮 of NT$100 at signup, which
#     expires after 60 days (most have: breakage);
#   - for the last two orders: a purchase rebate, 每滿1000送50 (max 500), pending
#     for the 7-day 鑑賞期 (some instead pending until an explicit release);
#   - every 4th member pays part of the last order with credit through a
#     checkout hold (reserve, capture), every 4th more by a direct spend, a few
#     abandon a checkout (reserve, release);
#   - some return half of the last order (clawback, and restore of the credit
#     they paid with), a few return a previous order whose rebate they already
#     spent (debt, settled by later rebates);
#   - a 生日禮 of NT$200 on the 1st of the birth month when that was in the
#     last 75 days (valid 30 days), and a few 客服補償 adjustments.
#
# The commands run two at a time (odd and even members apart); the database
# is built on /dev/shm when it can be, then moved to DB. The whole plan is kept
# in DB.commands (one `patron` command per line; @HOLD is the id the
# reserve before it printed).
set -euo pipefail

patron=${1:?usage: scripts/demo_data.sh BINARY DB}
db=${2:?usage: scripts/demo_data.sh BINARY DB}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=${PATRON_DEMO_DATA:-$here/../../shared/data/online_retail.csv.gz}
members=${PATRON_DEMO_MEMBERS:-120}
[[ -x "$patron" ]] || { echo "demo_data: no executable $patron" >&2; exit 1; }
[[ "$members" =~ ^[0-9]+$ && "$members" -ge 4 ]] || { echo "demo_data: PATRON_DEMO_MEMBERS must be >= 4" >&2; exit 1; }

work=$(mktemp -d -p /dev/shm patron-demo.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
tmpdb=$work/demo.db

# 1. Orders: one line per invoice line in the Online Retail CSV layout.
if [[ -r "$data" ]]; then
  source_note="UCI Online Retail ($(basename "$data"))"
  step=$((4300 / members > 0 ? 4300 / members : 1))  # ~4,300 customers: spread over the year
  orders() { gzip -dc "$data"; }
else
  source_note="generated (no $data)"
  step=1
  orders() {
    awk -v n="$members" 'BEGIN {
      print "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
      seed = 20111209
      # n members, first orders spread over the year, 1 to 6 orders each
      for (i = 0; i < n; i++) {
        cust = 20001 + i * 7
        k = 1 + rnd() % 6
        first = int(i * 365 / n)        # day 0 = 2010-12-01
        for (j = 0; j < k; j++) {
          day = first + (j == 0 ? 0 : rnd() % (373 - first))
          if (day > 372) day = 372
          inv[i, j] = day * 1440 + 480 + rnd() % 720
          tot[i, j] = 50 + rnd() % 900
        }
        for (a = 1; a < k; a++)
          for (b = a; b > 0 && inv[i, b] < inv[i, b - 1]; b--) {
            x = inv[i, b]; inv[i, b] = inv[i, b - 1]; inv[i, b - 1] = x
          }
        for (j = 0; j < k; j++) {
          t = inv[i, j]; d = int(t / 1440); m = t % 1440
          ymd = civil(d + 14944)  # 2010-12-01 is day 14944 since 1970-01-01
          printf "G%06d,DEMO,GENERATED ORDER,1,%s %02d:%02d:00,%d.%02d,%d.0,Taiwan\n", \
                 ++seq, ymd, int(m / 60), m % 60, tot[i, j], rnd() % 100, cust
        }
      }
    }
    function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return int(seed / 65536) }
    function civil(z,   era, doe, yoe, y, doy, mp, d, m) {
      z += 719468; era = int(z / 146097); doe = z - era * 146097
      yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
      y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
      mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
      m = mp < 10 ? mp + 3 : mp - 9
      return sprintf("%04d-%02d-%02d", y + (m <= 2), m, d)
    }'
  }
fi

# 2. The plan: "SHARD<TAB>MEMBER<TAB>patron arguments", in time order per member.
now=$(date -u +%s)
orders | awk -F, -v n="$members" -v step="$step" -v now_s="$now" '
function days(y, m, d,   era, yoe, doy, doe) {   # days since 1970-01-01
  y -= (m <= 2); era = int(y / 400); if (y < 0 && y % 400) era--
  yoe = y - era * 400
  doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
  return era * 146097 + doe - 719468
}
function civil(z,   era, doe, yoe, y, doy, mp, d, m) {
  z += 719468; era = int(z / 146097); doe = z - era * 146097
  yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
  y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
  mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
  m = mp < 10 ? mp + 3 : mp - 9
  Y = y + (m <= 2); M = m; D = d
  return sprintf("%04d-%02d-%02d", Y, M, D)
}
function ts(t) {   # minutes (Asia/Taipei wall clock) -> ISO 8601 without offset
  return sprintf("%sT%02d:%02d", civil(int(t / 1440)), int((t % 1440) / 60), t % 60)
}
function ev(t, cmd) { ne++; et[ne] = t; ec[ne] = cmd }
BEGIN {
  nc = 0; seen = 0
  now = int(now_s / 60) + 480                     # Asia/Taipei is UTC+8, no DST
  today = int(now / 1440)
  shift = (today - days(2011, 12, 10)) * 1440     # the file ends on 2011-12-09
  civil(today); ty = Y; tm = M
}
NR == 1 { next }
{
  c = $(NF - 1); sub(/\.0$/, "", c)
  if (c == "" || $1 ~ /^C/) next                  # guests; cancellations
  if (!(c in idx)) {
    if (nc >= n || seen++ % step) { idx[c] = -1; next }
    idx[c] = nc; cust[nc++] = c
  }
  if (idx[c] < 0) next
  i = idx[c]; inv = $1
  if (!((i, inv) in total)) {
    split($(NF - 3), dt, /[- :]/)
    k = ++norders[i]; oid[i, k] = inv
    otime[i, k] = days(dt[1], dt[2], dt[3]) * 1440 + dt[4] * 60 + dt[5] + shift
  }
  total[i, inv] += $(NF - 4) * $(NF - 2)
}
END {
  D7 = 7 * 1440
  for (i = 0; i < nc; i++) {
    id = cust[i]; ne = 0
    # orders with a positive total, in time order
    k = 0
    for (j = 1; j <= norders[i]; j++) {
      gbp = total[i, oid[i, j]]
      if (gbp <= 0) continue
      k++; T[k] = otime[i, j]; O[k] = oid[i, j]; TWD[k] = int(gbp * 40 + 0.5)
    }
    for (a = 2; a <= k; a++)
      for (b = a; b > 1 && T[b] < T[b - 1]; b--) {
        x = T[b]; T[b] = T[b - 1]; T[b - 1] = x
        x = O[b]; O[b] = O[b - 1]; O[b - 1] = x
        x = TWD[b]; TWD[b] = TWD[b - 1]; TWD[b - 1] = x
      }
    if (k == 0) continue
    nmem++
    S = T[1] - 10
    cid = id + 0
    bm = cid % 12 + 1; bd = int(cid / 12) % 28 + 1; by = 1960 + int(cid / 7) % 45
    ev(S, sprintf("member upsert %s --birthday %04d-%02d-%02d --email c%s@example.com", id, by, bm, bd, id))
    ev(S, "wallet grant " id " --wallet credit --amount 100 --source signup --reason 入會禮 --key signup-" id)
    st["signup"]++; issued += 100

    # the order before the last: a rebate, matured by the last order or not
    avail = (T[k] < S + 59 * 1440) ? 100 : 0
    p = k - 1; rp = 0
    if (p >= 1) {
      rp = int(TWD[p] / 1000) * 50; if (rp > 500) rp = 500
      if (rp > 0) {
        rel = T[p] + 3 * 1440; if (rel > T[k] - 5) rel = int((T[p] + T[k]) / 2)
        if (i % 10 == 3 && rel > T[p] + 2) {
          ev(T[p] + 1, sprintf("wallet grant %s --wallet credit --amount %d --source purchase --reason 每滿1000送50 --order %s --pending", id, rp, O[p]))
          ev(rel, sprintf("wallet release %s --wallet credit --order %s", id, O[p]))
          avail += rp; st["released"]++
        } else {
          ev(T[p] + 1, sprintf("wallet grant %s --wallet credit --amount %d --source purchase --reason 每滿1000送50 --order %s --available-at %s", id, rp, O[p], ts(T[p] + 1 + D7)))
          if (T[k] >= T[p] + 1 + D7) avail += rp
        }
        st["rebate"]++; issued += rp
      }
    }

    # the last order: paid partly with credit, then its rebate
    use = avail; if (use > int(TWD[k] / 2)) use = int(TWD[k] / 2)
    paid = 0
    if (use > 0 && i % 4 == 1) {
      ev(T[k], sprintf("hold reserve %s --wallet credit --amount %d --order %s --ttl 900", id, use, O[k]))
      ev(T[k] + 1, "hold capture @HOLD")
      paid = use; st["hold"]++; redeemed += use
    } else if (use > 0 && i % 4 == 2) {
      ev(T[k], sprintf("wallet spend %s --wallet credit --amount %d --order %s", id, use, O[k]))
      paid = use; st["spend"]++; redeemed += use
    } else if (use > 0 && i % 8 == 3) {
      ev(T[k], sprintf("hold reserve %s --wallet credit --amount %d --order %s --ttl 900", id, use, O[k]))
      ev(T[k] + 1, "hold release @HOLD")
      st["abandoned"]++
    }
    rk = int(TWD[k] / 1000) * 50; if (rk > 500) rk = 500
    if (rk > 0) {
      ev(T[k] + 2, sprintf("wallet grant %s --wallet credit --amount %d --source purchase --reason 每滿1000送50 --order %s --available-at %s", id, rk, O[k], ts(T[k] + 2 + D7)))
      st["rebate"]++; issued += rk
      if (T[k] + 2 + D7 > now) st["pending"]++
    }

    # returns
    debtor = 0
    if (i % 12 == 5 && rk > 0 && T[k] + 2 * 1440 < now - 60) {
      ev(T[k] + 2 * 1440, sprintf("wallet clawback %s --wallet credit --order %s --fraction 1/2", id, O[k]))
      if (int(paid / 2) > 0)
        ev(T[k] + 2 * 1440 + 1, sprintf("wallet restore %s --wallet credit --order %s --amount %d", id, O[k], int(paid / 2)))
      st["refund"]++
    } else if (i % 8 == 1 && paid > 0 && rp > 0 && T[p] + 1 + D7 <= T[k] && T[k] + 3 * 1440 < now - 60) {
      ev(T[k] + 3 * 1440, sprintf("wallet clawback %s --wallet credit --order %s", id, O[p]))
      st["debt"]++; debtor = 1
    }

    # 生日禮 on the 1st of the birth month, if that was in the last 75 days
    bt = days(bm <= tm ? ty : ty - 1, bm, 1) * 1440 + 5
    if (bt > S && bt > now - 75 * 1440 && bt < now - 5) {
      ev(bt, "wallet grant " id " --wallet credit --amount 200 --source birthday --reason 生日禮")
      st["birthday"]++; issued += 200
    }
    if (i % 25 == 12 && T[k] + 1440 < now - 60) {
      ev(T[k] + 1440, "wallet adjust " id " --wallet credit --amount 50 --reason 客服補償")
      st["adjust"]++; issued += 50
    }

    # print in time order (stable)
    for (a = 2; a <= ne; a++)
      for (b = a; b > 1 && et[b] < et[b - 1]; b--) {
        x = et[b]; et[b] = et[b - 1]; et[b - 1] = x
        x = ec[b]; ec[b] = ec[b - 1]; ec[b - 1] = x
      }
    for (a = 1; a <= ne; a++) {
      printf "%d\t%s\t--now %s %s\n", i % 2, id, ts(et[a]), ec[a]
      ncmd++
    }
    # the member the banner shows: paid with credit, most activity, credit left
    score = (paid > 0) * 10000000 + ne * 100000 + rk + rp
    if (!debtor && i % 12 != 5 && rk + rp > 0 && score > best) { best = score; showcase = id }
  }
  printf "#showcase\t%s\n", showcase
  printf "#stats\t%d members, %d commands: %d signup, %d purchase rebates (%d still in the 7-day return window, %d released early), %d birthday grants, %d checkout holds captured, %d direct spends, %d abandoned checkouts, %d partial returns, %d returns after the rebate was spent (debt), %d adjustments\n", \
    nmem, ncmd, st["signup"], st["rebate"], st["pending"], st["released"], st["birthday"], st["hold"], st["spend"], st["abandoned"], st["refund"], st["debt"], st["adjust"]
}' >"$work/plan"

showcase=$(awk -F'\t' '$1 == "#showcase" { print $2 }' "$work/plan")
stats=$(awk -F'\t' '$1 == "#stats" { print $2 }' "$work/plan")
[[ -n "$showcase" ]] || { echo "demo_data: no members planned from $source_note" >&2; exit 1; }
echo "demo data: $source_note"
echo "  $stats"

# 3. Run it: two shards in parallel (SQLite serialises the writes; each
# invocation spends most of its time starting up, so two overlap well).
run_shard() {
  local shard=$1 sh cmd out hold=""
  local -a args
  while IFS=$'\t' read -r sh _ cmd; do
    [[ "$sh" == "$shard" ]] || continue
    read -ra args <<<"${cmd//@HOLD/$hold}"
    if ! out=$("$patron" --db "$tmpdb" "${args[@]}" 2>&1); then
      printf 'demo_data: FAILED: patron --db %s %s\n%s\n' "$db" "${args[*]}" "$out" >&2
      return 1
    fi
    if [[ "${args[2]} ${args[3]}" == "hold reserve" ]]; then
      hold=$(sed -n 's/^hold_id //p' <<<"$out")
    fi
  done <"$work/plan"
}

# Create the file (schema, program) once, as of the first member's signup.
first=$(awk -F'\t' '!/^#/ { split($3, a, " "); print a[2]; exit }' "$work/plan")
"$patron" --db "$tmpdb" --now "$first" jobs run all >/dev/null
start=$SECONDS
run_shard 0 & pid0=$!
run_shard 1 & pid1=$!
ok=1
wait "$pid0" || ok=0
wait "$pid1" || ok=0
((ok)) || { echo "demo_data: loading failed (see above)" >&2; exit 1; }
echo "  loaded in $((SECONDS - start)) s"

# 4. Move the finished file (no -wal/-shm left after a clean close) into place.
mkdir -p "$(dirname "$db")"
rm -f "$db" "$db-wal" "$db-shm"
mv "$tmpdb" "$db"
[[ -e "$tmpdb-wal" ]] && mv "$tmpdb-wal" "$db-wal"
[[ -e "$tmpdb-shm" ]] && mv "$tmpdb-shm" "$db-shm"
awk -F'\t' -v db="$db" '!/^#/ { print "patron --db " db " " $3 }' "$work/plan" >"$db.commands"
{ echo "$showcase"; awk -F'\t' -v m="$showcase" '!/^#/ && $2 == m { print "patron " $3 }' "$work/plan"; } >"$db.showcase"
