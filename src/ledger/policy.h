// Per-wallet policy: unit, expiry rules per grant source, hold TTL, what to do
// when a refund finds earned value already spent (debt policy), and how to
// restore spent value whose lot has expired. Pure data plus expiry arithmetic.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/time.h"

namespace patron::ledger {

struct ExpiryRule {
  enum class Kind {
    kNever,
    kDays,         // usable through the end of the Nth local day after the grant day
    kEndOfPeriod,  // end of the grant's month/quarter/year (+ `count` more periods)
  };
  Kind kind = Kind::kNever;
  int64_t count = 0;                         // days for kDays; extra periods for kEndOfPeriod
  CalendarUnit unit = CalendarUnit::kMonth;  // kEndOfPeriod only

  static ExpiryRule never() { return {}; }
  static ExpiryRule days(int64_t n) { return {Kind::kDays, n, CalendarUnit::kDay}; }
  static ExpiryRule end_of(CalendarUnit u, int64_t extra = 0) {
    return {Kind::kEndOfPeriod, extra, u};
  }
  friend bool operator==(const ExpiryRule&, const ExpiryRule&) = default;
};

// Parses "never", "30d", "end_of_month", "end_of_quarter", "end_of_year",
// "end_of_year+1" (the end of the following year).
Result<ExpiryRule> parse_expiry_rule(std::string_view text, std::string_view field);
std::string to_string(const ExpiryRule& rule);

// The exclusive expiry instant of value granted at `granted_at`, or nullopt.
std::optional<Instant> expires_at(const ExpiryRule& rule, Instant granted_at,
                                  const date::time_zone* zone);

enum class DebtPolicy {
  kNegativeBalance,  // the balance goes negative; the next value that becomes available settles it
  kWriteOff,         // the shortfall is booked to written_off; the member keeps a zero balance
};
std::string_view to_string(DebtPolicy p);

enum class RestorePolicy {
  kNewLotIfExpired,  // restore to the original lot; if it has expired, to a new lot
  kOriginalLot,      // always the original lot; if it has expired the value expires at once
};
std::string_view to_string(RestorePolicy p);

struct WalletPolicy {
  std::string name;                                    // "credit", "points"
  std::string unit = "TWD";                            // ISO 4217 currency or "points"
  int minor_digits = 0;                                // TWD 0, GBP 2, points 0
  std::map<std::string, ExpiryRule> expiry_by_source;  // default rule per grant source
  ExpiryRule default_expiry = ExpiryRule::never();
  int64_t hold_ttl_s = 15 * 60;
  DebtPolicy debt = DebtPolicy::kNegativeBalance;
  RestorePolicy restore = RestorePolicy::kNewLotIfExpired;
  ExpiryRule restored_lot_expiry = ExpiryRule::days(30);
  const date::time_zone* zone = nullptr;  // program time zone, resolved by the app

  friend bool operator==(const WalletPolicy&, const WalletPolicy&) = default;
  const ExpiryRule& expiry_for(const std::string& source) const {
    auto it = expiry_by_source.find(source);
    return it == expiry_by_source.end() ? default_expiry : it->second;
  }
};

// The wallets of a new program: credit (TWD) and points, Taiwan defaults.
WalletPolicy default_credit_policy(const date::time_zone* zone);
WalletPolicy default_points_policy(const date::time_zone* zone);

}  // namespace patron::ledger
