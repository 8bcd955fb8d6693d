// The ledger's data: lots, holds, redemptions and transfers of one member's
// wallet. Plain values, no behaviour beyond small predicates; the rules live
// in wallet_ledger.h. Amounts are int64 minor units of the wallet's unit.
//
// Accounts are strings. Member accounts (per member and wallet):
//   member:available  spendable value: the sum of available lot remainders
//   member:pending    granted, not yet spendable (return window, explicit release)
//   member:held       reserved by an open checkout hold
//   member:debt       minus what the member owes after a refund found earned
//                     value already spent; value becoming available pays it
// System accounts (per program and wallet, summed over members):
//   issued:<source>   where granted value comes from (signup, purchase, ...)
//   redeemed          spent value
//   expired           breakage
//   clawed_back       value taken back by refunds
//   written_off       debt the program absorbed instead of recovering
//   adjusted          value removed by admin adjustments
// A transfer moves `amount` > 0 from one account to another, so every journal
// sums to zero by construction; an account's balance is inflow minus outflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace patron::ledger {

namespace account {
inline constexpr const char* kAvailable = "member:available";
inline constexpr const char* kPending = "member:pending";
inline constexpr const char* kHeld = "member:held";
inline constexpr const char* kDebt = "member:debt";
inline constexpr const char* kRedeemed = "redeemed";
inline constexpr const char* kExpired = "expired";
inline constexpr const char* kClawedBack = "clawed_back";
inline constexpr const char* kWrittenOff = "written_off";
inline constexpr const char* kAdjusted = "adjusted";
inline std::string issued(const std::string& source) {
  return "issued:" + source;
}
}  // namespace account

// What a lot may pay for. An empty list means "any"; a non-empty list must
// contain the line's value. An entirely empty scope covers everything.
struct Scope {
  std::vector<std::string> channels;
  std::vector<std::string> categories;
  std::vector<std::string> brands;
  std::vector<std::string> skus;

  bool unrestricted() const {
    return channels.empty() && categories.empty() && brands.empty() && skus.empty();
  }
  friend bool operator==(const Scope&, const Scope&) = default;
};

// An order line being paid with wallet value (spend, reserve).
struct PayLine {
  std::string line_id;
  std::string sku;
  std::string category;
  std::string brand;
  std::string channel;
  int64_t amount = 0;  // the most wallet value this line may take
};

bool covers(const Scope& scope, const PayLine& line);

// How much of a lot an order line funded (line-level attribution for clawback).
struct LineShare {
  std::string line_id;
  int64_t amount = 0;  // value of the lot this line earned
  int64_t clawed = 0;  // already taken back by refunds
  friend bool operator==(const LineShare&, const LineShare&) = default;
};

enum class LotState { kPending, kAvailable, kExpired };
std::string_view to_string(LotState s);
std::optional<LotState> lot_state_from(std::string_view s);

struct Lot {
  int64_t id = 0;
  std::string wallet;
  std::string source;     // signup, birthday, purchase, adjustment, restore, ...
  int64_t amount = 0;     // granted value
  int64_t remaining = 0;  // free value: not spent, not held, not clawed back, not expired
  int64_t expired = 0;    // value that expired and no refund has claimed back yet
  // Refund shortfall of this lot that the program wrote off (DebtPolicy::kWriteOff)
  // and has not recovered: value coming back to the lot (a released hold, a
  // restored spend) repays it first, so the order of refunds does not matter.
  int64_t written_off = 0;
  LotState state = LotState::kAvailable;
  Instant granted_at{};
  std::optional<Instant>
      available_at;                   // pending until then; nullopt while pending = until released
  std::optional<Instant> expires_at;  // exclusive; nullopt = never expires
  Scope scope;
  std::string order_id;  // the order that funded it, empty when none
  std::vector<LineShare> line_shares;
  std::string reason;
  friend bool operator==(const Lot&, const Lot&) = default;
};

// A piece of a lot taken by a hold or a redemption, and how much of it went back.
struct Allocation {
  int64_t lot_id = 0;
  std::string line_id;  // the paid line, empty for a spend without lines
  int64_t amount = 0;
  int64_t restored = 0;  // redemptions only: value returned by refunds
  friend bool operator==(const Allocation&, const Allocation&) = default;
};

enum class HoldState { kOpen, kCaptured, kReleased, kExpired };
std::string_view to_string(HoldState s);
std::optional<HoldState> hold_state_from(std::string_view s);

struct Hold {
  int64_t id = 0;
  std::string wallet;
  std::string order_id;
  int64_t amount = 0;    // reserved
  int64_t captured = 0;  // set when captured
  HoldState state = HoldState::kOpen;
  Instant created_at{};
  Instant expires_at{};
  std::vector<Allocation> allocations;
  friend bool operator==(const Hold&, const Hold&) = default;
};

// Value spent on an order (a direct spend or a captured hold).
struct Redemption {
  int64_t id = 0;
  std::string wallet;
  std::string order_id;
  int64_t hold_id = 0;  // 0 for a direct spend
  Instant at{};
  std::vector<Allocation> allocations;
  friend bool operator==(const Redemption&, const Redemption&) = default;
};

struct Transfer {
  int64_t id = 0;
  int64_t journal_id = 0;  // transfers of one ledger operation share it
  std::string wallet;
  std::string kind;  // grant, mature, spend, reserve, capture, release, expire, ...
  std::string from;
  std::string to;
  int64_t amount = 0;
  int64_t lot_id = 0;  // 0 when not about one lot
  Instant at{};
  friend bool operator==(const Transfer&, const Transfer&) = default;
};

// The lots a partial WalletState left out, in sum (see leave_out()).
struct LeftOut {
  std::string order_id;   // the order whose lots were all kept
  Instant through{};      // lots due to expire by then were kept
  int64_t lots = 0;       // how many were left out
  int64_t available = 0;  // the sum of their remainders
  friend bool operator==(const LeftOut&, const LeftOut&) = default;
};

// Everything the core needs about one member's wallet to run a command.
// Loaded by the app: every lot that is not expired, plus lots and redemptions
// tied to the order a command names; every open hold plus that order's holds.
// A partial state (`left_out` set, see leave_out() in wallet_ledger.h) holds
// only the lots that a grant, the jobs and the named order's own commands can
// touch; WalletLedger fetches the rest before a command that picks among them.
struct WalletState {
  std::string wallet;
  std::vector<Lot> lots;
  std::vector<Hold> holds;
  std::vector<Redemption> redemptions;
  int64_t debt = 0;  // value owed after a clawback found it already spent
  std::optional<LeftOut> left_out = std::nullopt;
};

// What a command changed: final versions of touched rows, and new transfers.
struct Changes {
  std::vector<Lot> lots;
  // The ids of the lots above that these changes create (in id order): a
  // store inserts them without first looking for a row to update.
  std::vector<int64_t> new_lots;
  std::vector<Hold> holds;
  std::vector<Redemption> redemptions;
  std::vector<Transfer> transfers;
  std::optional<int64_t> debt;  // the new debt, when it changed
  bool empty() const {
    return lots.empty() && holds.empty() && redemptions.empty() && transfers.empty() && !debt;
  }
};

// Sums for display and for the invariant checks.
struct Balances {
  int64_t available = 0;  // spendable now, net of debt (can be negative)
  int64_t pending = 0;
  int64_t held = 0;
  int64_t debt = 0;
};

}  // namespace patron::ledger
