#include "analytics/kpis.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "core/limits.h"

namespace patron::analytics {

namespace {

constexpr std::string_view kIssuedPrefix = "issued:";
constexpr std::string_view kMemberPrefix = "member:";

Result<void> add_checked(int64_t& sum, int64_t value, const char* field) {
  if (__builtin_add_overflow(sum, value, &sum)) {
    return fail(ErrorCode::kFailedPrecondition, field, "sum overflows int64");
  }
  return {};
}

std::optional<double> ratio(int64_t numerator, int64_t denominator) {
  if (denominator == 0) return std::nullopt;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

// The net inflow of every account of one wallet: inflow - outflow.
using Balances = std::map<std::string, int64_t, std::less<>>;

Result<void> add_flow(Balances& balances, const AccountFlow& flow) {
  if (flow.amount_minor < 0) {
    return fail(ErrorCode::kInvalidArgument, "amount", "a flow amount must not be negative");
  }
  if (auto r = add_checked(balances[flow.to_account], flow.amount_minor, "amount"); !r) return r;
  return add_checked(balances[flow.from_account], -flow.amount_minor, "amount");
}

Result<std::map<std::string, Balances>> balances_by_wallet(std::span<const AccountFlow> flows) {
  std::map<std::string, Balances> out;
  for (const auto& f : flows) {
    if (auto r = add_flow(out[f.wallet], f); !r) return std::unexpected(r.error());
  }
  return out;
}

int64_t balance(const Balances& b, std::string_view account) {
  auto it = b.find(account);
  return it == b.end() ? 0 : it->second;
}

Result<WalletKpis> one_wallet(const std::string& name, const Balances& period,
                              const Balances& history) {
  WalletKpis k;
  k.wallet = name;
  for (const auto& [account, net] : period) {
    if (!account.starts_with(kIssuedPrefix)) continue;
    k.issued_by_source_minor[account.substr(kIssuedPrefix.size())] = -net;
    if (auto r = add_checked(k.issued_minor, -net, "issued"); !r) return std::unexpected(r.error());
  }
  k.redeemed_minor = balance(period, "redeemed");
  k.expired_minor = balance(period, "expired");
  k.clawed_back_minor = balance(period, "clawed_back");
  k.written_off_minor = -balance(period, "written_off");
  k.adjusted_minor = balance(period, "adjusted");
  for (const auto& [account, net] : history) {
    if (!account.starts_with(kMemberPrefix)) continue;
    if (auto r = add_checked(k.outstanding_minor, net, "outstanding"); !r) {
      return std::unexpected(r.error());
    }
  }
  k.redemption_rate = ratio(k.redeemed_minor, k.issued_minor);
  int64_t used_or_lost = 0;
  if (__builtin_add_overflow(k.redeemed_minor, k.expired_minor, &used_or_lost)) {
    return fail(ErrorCode::kFailedPrecondition, "breakage_rate", "sum overflows int64");
  }
  k.breakage_rate = ratio(k.expired_minor, used_or_lost);
  return k;
}

}  // namespace

Result<void> validate_period(const KpiPeriod& period) {
  if (period.from > period.to) {
    return fail(ErrorCode::kInvalidArgument, "from", "the period must not start after it ends");
  }
  if (period.churn_days < 1 || period.churn_days > kChurnDaysMax) {
    return fail(ErrorCode::kInvalidArgument, "churn_days",
                "must be between 1 and " + std::to_string(kChurnDaysMax));
  }
  return {};
}

Result<void> add_member_purchases(OrderKpis& totals, std::span<const Purchase> purchases,
                                  const KpiPeriod& period) {
  int64_t in_period = 0;
  std::optional<Instant> last_before_to;
  for (const auto& p : purchases) {
    if (p.value_minor < 0 || p.value_minor > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, "value", "must be between 0 and 10^14");
    }
    if (p.placed_at >= period.to) continue;
    last_before_to = std::max(last_before_to.value_or(p.placed_at), p.placed_at);
    if (p.placed_at < period.from) continue;
    ++in_period;
    if (auto r = add_checked(totals.revenue_minor, p.value_minor, "revenue"); !r) return r;
  }
  totals.orders += in_period;
  totals.buyers += in_period >= 1 ? 1 : 0;
  totals.repeat_buyers += in_period >= 2 ? 1 : 0;
  if (last_before_to) {
    const Instant lapse_at = period.to - std::chrono::seconds{period.churn_days * kSecondsPerDay};
    ++(*last_before_to >= lapse_at ? totals.active_members : totals.churned_members);
  }
  return {};
}

void finish_order_kpis(OrderKpis& totals) {
  totals.repurchase_rate = ratio(totals.repeat_buyers, totals.buyers);
  totals.average_order_value_minor = ratio(totals.revenue_minor, totals.orders);
  totals.purchase_frequency = ratio(totals.orders, totals.buyers);
}

Result<std::vector<WalletKpis>> wallet_kpis(std::span<const std::string> wallets,
                                            std::span<const AccountFlow> period,
                                            std::span<const AccountFlow> history) {
  auto in_period = balances_by_wallet(period);
  if (!in_period) return std::unexpected(in_period.error());
  auto to_date = balances_by_wallet(history);
  if (!to_date) return std::unexpected(to_date.error());
  std::vector<std::string> names(wallets.begin(), wallets.end());
  std::set<std::string> others;
  for (const auto* seen : {&*in_period, &*to_date}) {
    for (const auto& [name, b] : *seen) {
      if (std::find(names.begin(), names.end(), name) == names.end()) others.insert(name);
    }
  }
  names.insert(names.end(), others.begin(), others.end());
  std::vector<WalletKpis> out;
  const Balances none;
  for (const auto& name : names) {
    auto p = in_period->find(name);
    auto h = to_date->find(name);
    auto k = one_wallet(name, p == in_period->end() ? none : p->second,
                        h == to_date->end() ? none : h->second);
    if (!k) return std::unexpected(k.error());
    out.push_back(std::move(*k));
  }
  return out;
}

}  // namespace patron::analytics
