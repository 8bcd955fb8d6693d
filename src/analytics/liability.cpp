#include "analytics/liability.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string_view>

namespace patron::analytics {

namespace {

__extension__ using Wide = __int128;  // GCC builtin; pedantic wants the marker

constexpr std::string_view kIssuedPrefix = "issued:";
constexpr std::string_view kMemberPrefix = "member:";

// The system accounts of src/ledger/types.h besides issued:<source>.
constexpr std::string_view kRedeemed = "redeemed";
constexpr std::string_view kExpired = "expired";
constexpr std::string_view kClawedBack = "clawed_back";
constexpr std::string_view kWrittenOff = "written_off";
constexpr std::string_view kAdjusted = "adjusted";

Result<void> add_checked(int64_t& sum, int64_t value, const char* field) {
  if (__builtin_add_overflow(sum, value, &sum)) {
    return fail(ErrorCode::kFailedPrecondition, field, "sum overflows int64");
  }
  return {};
}

// Net inflow (inflow - outflow) of every account, per wallet.
using Accounts = std::map<std::string, int64_t, std::less<>>;
using WalletAccounts = std::map<std::string, Accounts, std::less<>>;

Result<WalletAccounts> net_by_wallet(std::span<const AccountFlow> flows) {
  WalletAccounts out;
  for (const auto& f : flows) {
    if (f.amount_minor < 0) {
      return fail(ErrorCode::kInvalidArgument, "amount", "a flow amount must not be negative");
    }
    Accounts& a = out[f.wallet];
    if (auto r = add_checked(a[f.to_account], f.amount_minor, "amount"); !r) {
      return std::unexpected(r.error());
    }
    if (auto r = add_checked(a[f.from_account], -f.amount_minor, "amount"); !r) {
      return std::unexpected(r.error());
    }
  }
  return out;
}

int64_t net(const Accounts& a, std::string_view account) {
  auto it = a.find(account);
  return it == a.end() ? 0 : it->second;
}

// `wallets` in their order, then every other wallet in `seen`, in name order.
std::vector<std::string> wallet_names(std::span<const std::string> wallets,
                                      const std::set<std::string>& seen) {
  std::vector<std::string> names(wallets.begin(), wallets.end());
  for (const auto& name : seen) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

Result<void> add_lot(WalletLiability& w, ExpiryBucket& b, const LotValue& v) {
  if (v.lots < 0 || v.available_minor < 0 || v.pending_minor < 0 || v.held_minor < 0) {
    return fail(ErrorCode::kInvalidArgument, "lots", "lot values must not be negative");
  }
  b.lots += v.lots;
  for (auto [sum, value] :
       {std::pair{&b.available_minor, v.available_minor},
        std::pair{&b.pending_minor, v.pending_minor},
        std::pair{&w.available_minor, v.available_minor},
        std::pair{&w.pending_minor, v.pending_minor}, std::pair{&w.held_minor, v.held_minor}}) {
    if (auto r = add_checked(*sum, value, "lots"); !r) return r;
  }
  int64_t remaining = 0;
  if (__builtin_add_overflow(v.available_minor, v.pending_minor, &remaining)) {
    return fail(ErrorCode::kFailedPrecondition, "lots", "sum overflows int64");
  }
  if (auto r = add_checked(b.remaining_minor, remaining, "lots"); !r) return r;
  if (v.past_expiry) return add_checked(b.past_expiry_minor, remaining, "lots");
  return {};
}

// The member accounts' balances must be what the lots hold: every transfer
// that moves member:available, member:pending or member:held names a lot.
Result<void> check_against_accounts(const WalletLiability& w, const Accounts& history) {
  const int64_t available = net(history, "member:available");
  const int64_t pending = net(history, "member:pending");
  const int64_t held = net(history, "member:held");
  if (available != w.available_minor || pending != w.pending_minor || held != w.held_minor) {
    return fail(ErrorCode::kCorruption, "lots",
                "wallet " + w.wallet + ": the lots' balances (" +
                    std::to_string(w.available_minor) + ", " + std::to_string(w.pending_minor) +
                    ", " + std::to_string(w.held_minor) +
                    ") differ from the member accounts' (available, pending, held: " +
                    std::to_string(available) + ", " + std::to_string(pending) + ", " +
                    std::to_string(held) + ")");
  }
  return {};
}

Result<void> finish_wallet(WalletLiability& w, const Accounts& history) {
  if (auto r = check_against_accounts(w, history); !r) return r;
  w.debt_minor = -net(history, "member:debt");
  w.outstanding_minor = 0;
  for (int64_t part : {w.available_minor, w.pending_minor, w.held_minor, -w.debt_minor}) {
    if (auto r = add_checked(w.outstanding_minor, part, "outstanding"); !r) return r;
  }
  w.history_redeemed_minor = net(history, kRedeemed);
  w.history_expired_minor = net(history, kExpired);
  int64_t used_or_lost = 0;
  if (__builtin_add_overflow(w.history_redeemed_minor, w.history_expired_minor, &used_or_lost)) {
    return fail(ErrorCode::kFailedPrecondition, "breakage_rate", "sum overflows int64");
  }
  // Refunds can take back more than a period redeemed, never more than all
  // history did: both stay >= 0 in a consistent ledger.
  const bool rate_defined =
      used_or_lost > 0 && w.history_expired_minor >= 0 && w.history_redeemed_minor >= 0;
  if (rate_defined) {
    w.breakage_rate =
        static_cast<double>(w.history_expired_minor) / static_cast<double>(used_or_lost);
  }
  for (ExpiryBucket& b : w.buckets) {
    if (!b.expiry_month) continue;  // never expires: no breakage by expiry
    const int64_t open = b.remaining_minor - b.past_expiry_minor;
    const int64_t expected =
        rate_defined ? scale_half_up(open, w.history_expired_minor, used_or_lost) : 0;
    b.expected_breakage_minor = b.past_expiry_minor + expected;
    if (auto r = add_checked(w.expected_breakage_minor, b.expected_breakage_minor, "breakage");
        !r) {
      return r;
    }
  }
  return {};
}

}  // namespace

int64_t scale_half_up(int64_t value, int64_t numerator, int64_t denominator) {
  const Wide product = static_cast<Wide>(value) * numerator;
  return static_cast<int64_t>((2 * product + denominator) / (2 * static_cast<Wide>(denominator)));
}

Result<std::vector<WalletLiability>> wallet_liability(std::span<const std::string> wallets,
                                                      std::span<const LotValue> lots,
                                                      std::span<const AccountFlow> history) {
  auto accounts = net_by_wallet(history);
  if (!accounts) return std::unexpected(accounts.error());
  // Per wallet, buckets keyed by month; the never-expiring one sorts last.
  constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  std::map<std::string, WalletLiability> by_wallet;
  std::map<std::string, std::map<int64_t, ExpiryBucket>> buckets;
  std::set<std::string> seen;
  for (const auto& v : lots) {
    seen.insert(v.wallet);
    WalletLiability& w = by_wallet[v.wallet];
    ExpiryBucket& b = buckets[v.wallet][v.expiry_month.value_or(kNever)];
    b.expiry_month = v.expiry_month;
    if (auto r = add_lot(w, b, v); !r) return std::unexpected(r.error());
  }
  for (const auto& [name, a] : *accounts) seen.insert(name);
  std::vector<WalletLiability> out;
  const Accounts none;
  for (const auto& name : wallet_names(wallets, seen)) {
    WalletLiability w = std::move(by_wallet[name]);
    w.wallet = name;
    for (auto& [month, b] : buckets[name]) w.buckets.push_back(std::move(b));
    auto a = accounts->find(name);
    if (auto r = finish_wallet(w, a == accounts->end() ? none : a->second); !r) {
      return std::unexpected(r.error());
    }
    out.push_back(std::move(w));
  }
  return out;
}

namespace {

Result<int64_t> member_balance(const Accounts& a) {
  int64_t sum = 0;
  for (const auto& [account, value] : a) {
    if (!account.starts_with(kMemberPrefix)) continue;
    if (auto r = add_checked(sum, value, "journal"); !r) return std::unexpected(r.error());
  }
  return sum;
}

Result<JournalRow> journal_row(const std::string& wallet, const Accounts& period,
                               const Accounts& history) {
  JournalRow row;
  row.wallet = wallet;
  for (const auto& [account, value] : period) {
    if (account.starts_with(kMemberPrefix)) continue;
    if (account.starts_with(kIssuedPrefix)) {
      if (__builtin_sub_overflow(row.issued_minor, value, &row.issued_minor)) {
        return fail(ErrorCode::kFailedPrecondition, "journal", "sum overflows int64");
      }
    } else if (account == kRedeemed) {
      row.redeemed_minor = value;
    } else if (account == kExpired) {
      row.expired_minor = value;
    } else if (account == kClawedBack) {
      row.clawed_back_minor = value;
    } else if (account == kWrittenOff) {
      row.written_off_minor = -value;
    } else if (account == kAdjusted) {
      row.adjusted_minor = value;
    } else {
      return fail(ErrorCode::kCorruption, "journal",
                  "wallet " + wallet + ": unknown ledger account " + account);
    }
  }
  auto closing = member_balance(history);
  if (!closing) return std::unexpected(closing.error());
  auto moved_in = member_balance(period);
  if (!moved_in) return std::unexpected(moved_in.error());
  row.closing_minor = *closing;
  row.opening_minor = 0;
  if (auto r = add_checked(row.opening_minor, *closing, "journal"); !r) {
    return std::unexpected(r.error());
  }
  if (__builtin_sub_overflow(row.opening_minor, *moved_in, &row.opening_minor)) {
    return fail(ErrorCode::kFailedPrecondition, "journal", "sum overflows int64");
  }
  // Every transfer sums to zero, so the movements add up to the members'
  // change whenever every account is known (computed wide: no overflow).
  const Wide moved = static_cast<Wide>(row.issued_minor) - row.redeemed_minor - row.expired_minor -
                     row.clawed_back_minor + row.written_off_minor - row.adjusted_minor;
  if (moved != *moved_in) {
    return fail(ErrorCode::kCorruption, "journal",
                "wallet " + wallet + ": the movements do not add up to the closing balance");
  }
  return row;
}

}  // namespace

Result<std::vector<JournalRow>> journal_rows(std::span<const std::string> wallets,
                                             std::span<const AccountFlow> period,
                                             std::span<const AccountFlow> history) {
  auto in_period = net_by_wallet(period);
  if (!in_period) return std::unexpected(in_period.error());
  auto to_end = net_by_wallet(history);
  if (!to_end) return std::unexpected(to_end.error());
  std::set<std::string> seen;
  for (const auto* m : {&*in_period, &*to_end}) {
    for (const auto& [name, a] : *m) seen.insert(name);
  }
  std::vector<JournalRow> out;
  const Accounts none;
  for (const auto& name : wallet_names(wallets, seen)) {
    auto p = in_period->find(name);
    auto h = to_end->find(name);
    auto row = journal_row(name, p == in_period->end() ? none : p->second,
                           h == to_end->end() ? none : h->second);
    if (!row) return std::unexpected(row.error());
    out.push_back(std::move(*row));
  }
  return out;
}

}  // namespace patron::analytics
