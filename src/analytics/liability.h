// Program liability (issue 8 item 5; docs/analytics.md "analytics liability"
// defines every figure): the value members still hold, by wallet and by the
// month its lots expire, the breakage that history suggests for it, and the
// deferred-revenue journal (what moved the liability month by month). Pure:
// the caller reads lot values and ledger account flows (kpis.h AccountFlow)
// and converts instants to local months; thread-safe (no shared state).
//
// Liability at an instant `at`, per wallet:
//   available, pending, held  the member:* account balances of the wallet's
//                             lots at `at` (rebuilt from the transfers that
//                             name a lot); a lot's remaining value is its
//                             available + pending
//   debt                      minus the member:debt balance (what members owe)
//   outstanding               available + pending + held - debt: the same
//                             figure as kpis' outstanding
//   buckets                   remaining value per expiry month (the local
//                             month of the lot's last usable second,
//                             expires_at - 1 s), months ascending, then the
//                             lots that never expire (month empty)
//   breakage_rate             expired / (expired + redeemed), both net inflows
//                             over all history before `at`; empty when 0 / 0
//   expected_breakage         per bucket: all of the value of lots already
//                             past their expiry at `at` (the expiry job has
//                             not booked it yet), plus round_half_up(rate x
//                             the rest) for lots with an expiry; 0 for lots
//                             that never expire. The wallet's figure is the
//                             sum of its buckets'.
//
// Journal row of one wallet over one period [start, end):
//   opening      the member:* balances at start (= the previous row's closing)
//   issued       value out of every issued:<source> account (net)
//   redeemed     net inflow of `redeemed`
//   expired      net inflow of `expired` (clawbacks of lapsed value reduce it)
//   clawed_back  net inflow of `clawed_back`
//   written_off  net outflow of `written_off` (debt the program absorbed:
//                raises the liability)
//   adjusted     net inflow of `adjusted` (admin removals)
//   closing      the member:* balances at end; always
//                opening + issued - redeemed - expired - clawed_back
//                + written_off - adjusted
//
// Fails (kInvalidArgument, field named) on a negative flow or lot value;
// (kCorruption) when the lots' balances disagree with the member accounts or
// a journal flow names an account the ledger does not define (the identity
// above would not hold); (kFailedPrecondition) when a sum overflows int64.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analytics/kpis.h"
#include "core/error.h"

namespace patron::analytics {

// Lot values of one wallet with one expiry, summed (the store's per-lot
// balances grouped by the caller).
struct LotValue {
  std::string wallet;
  std::optional<int64_t> expiry_month;  // month_number (cohorts.h); empty: never expires
  bool past_expiry = false;             // expires_at <= the report's instant
  int64_t lots = 0;                     // lots with remaining value > 0
  int64_t available_minor = 0;
  int64_t pending_minor = 0;
  int64_t held_minor = 0;
};

struct ExpiryBucket {
  std::optional<int64_t> expiry_month;  // empty: never expires
  int64_t lots = 0;
  int64_t available_minor = 0;
  int64_t pending_minor = 0;
  int64_t remaining_minor = 0;    // available + pending
  int64_t past_expiry_minor = 0;  // of remaining: lots already past their expiry
  int64_t expected_breakage_minor = 0;
};

struct WalletLiability {
  std::string wallet;
  int64_t available_minor = 0;
  int64_t pending_minor = 0;
  int64_t held_minor = 0;
  int64_t debt_minor = 0;
  int64_t outstanding_minor = 0;
  std::vector<ExpiryBucket> buckets;
  int64_t history_redeemed_minor = 0;
  int64_t history_expired_minor = 0;
  std::optional<double> breakage_rate;
  int64_t expected_breakage_minor = 0;
};

// One entry per name in `wallets`, then one per other wallet seen, in name
// order. `history` are the flows of all transfers before the report's instant.
Result<std::vector<WalletLiability>> wallet_liability(std::span<const std::string> wallets,
                                                      std::span<const LotValue> lots,
                                                      std::span<const AccountFlow> history);

// round_half_up(value x numerator / denominator) without overflow for values
// and counts up to int64; requires value >= 0, 0 <= numerator <= denominator,
// denominator > 0.
int64_t scale_half_up(int64_t value, int64_t numerator, int64_t denominator);

struct JournalRow {
  std::string wallet;
  int64_t opening_minor = 0;
  int64_t issued_minor = 0;
  int64_t redeemed_minor = 0;
  int64_t expired_minor = 0;
  int64_t clawed_back_minor = 0;
  int64_t written_off_minor = 0;
  int64_t adjusted_minor = 0;
  int64_t closing_minor = 0;
};

// The journal rows of one period: one per name in `wallets`, then one per
// other wallet seen, in name order. `period` are the flows in the period,
// `history` those of all transfers before its end.
Result<std::vector<JournalRow>> journal_rows(std::span<const std::string> wallets,
                                             std::span<const AccountFlow> period,
                                             std::span<const AccountFlow> history);

}  // namespace patron::analytics
