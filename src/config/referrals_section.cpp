// The program file's referral program ([referrals], docs/config.md
// "[referrals]"): who gets what when a referee's first order settles, and
// which referrals wait for a person.
#include <toml++/toml.h>

#include <utility>

#include "config/reader.h"
#include "core/limits.h"

namespace patron::config::detail {

namespace {

constexpr std::string_view kExample = "{ per_month = 5, per_year = 20 }";

// review_over = { per_month = 5, per_year = 20 }: counts of at least 1, any
// of them; 0 (no check) for those left out.
Result<void> parse_review_over(const Reader& r, const toml::table& t, rules::ReferralRules& out) {
  const toml::node* n = t.get("review_over");
  if (n == nullptr) return {};
  const std::string k = "referrals.review_over";
  if (!n->is_table()) return r.error(n, k, "must be a table (" + std::string(kExample) + ")");
  const toml::table& rt = *n->as_table();
  if (auto ok = r.only(rt, k, {"per_month", "per_year"}); !ok) return std::unexpected(ok.error());
  for (auto [key, slot] : {std::pair{"per_month", &out.review_over_per_month},
                           std::pair{"per_year", &out.review_over_per_year}}) {
    auto v = r.integer(rt, k, key, 1, limits::kRewardCountMax);
    if (!v) return std::unexpected(v.error());
    if (*v) *slot = **v;
  }
  return {};
}

}  // namespace

Result<void> parse_referrals(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::node* n = root.get("referrals");
  if (n == nullptr) return {};
  if (!n->is_table()) {
    return r.error(n, "referrals", "must be a table ([referrals], not [[referrals]])");
  }
  const toml::table& t = *n->as_table();
  const std::string at = "referrals";
  if (auto ok = r.only(t, at,
                       {"wallet", "referrer_amount", "referee_amount", "source", "expires",
                        "min_order", "review_over", "review_same_contact"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::ReferralRules out;
  auto wallet = wallet_of(r, t, at, p, "the wallet both referral rewards are granted into");
  if (!wallet) return std::unexpected(wallet.error());
  out.wallet = std::move(*wallet);
  const Units u = units_of(p, out.wallet);

  auto referrer = r.amount(t, at, "referrer_amount", u.wallet_digits, u.wallet_unit);
  if (!referrer) return std::unexpected(referrer.error());
  if (*referrer) out.referrer_amount = **referrer;
  auto referee = r.amount(t, at, "referee_amount", u.wallet_digits, u.wallet_unit);
  if (!referee) return std::unexpected(referee.error());
  if (*referee) out.referee_amount = **referee;
  if (out.referrer_amount == 0 && out.referee_amount == 0) {
    // Point at the zero written, or at the table when both are left out.
    const toml::node* zero = t.get("referrer_amount");
    std::string key = at + ".referrer_amount";
    if (zero == nullptr && t.get("referee_amount") != nullptr) {
      zero = t.get("referee_amount");
      key = at + ".referee_amount";
    }
    return r.error(zero != nullptr ? zero : n, key,
                   "referrer_amount or referee_amount must be more than 0 (a referral program "
                   "that grants nothing)");
  }

  auto source = r.text(t, at, "source");
  if (!source) return std::unexpected(source.error());
  if (*source) {
    if (!is_name(**source)) {
      return r.error(t.get("source"), at + ".source", "a source is 1 to 32 of a-z, 0-9 and _");
    }
    out.source = **source;
  }
  auto expires = r.expiry(t, at, "expires");
  if (!expires) return std::unexpected(expires.error());
  out.expires = *expires;
  auto min_order = r.amount(t, at, "min_order", p.minor_digits, p.currency);
  if (!min_order) return std::unexpected(min_order.error());
  if (*min_order) out.min_order = **min_order;
  if (auto ok = parse_review_over(r, t, out); !ok) return std::unexpected(ok.error());
  auto same_contact = r.boolean(t, at, "review_same_contact");
  if (!same_contact) return std::unexpected(same_contact.error());
  if (*same_contact) out.review_same_contact = **same_contact;
  p.rules.referrals = std::move(out);
  return {};
}

toml::table referrals_table(const app::Program& p) {
  const rules::ReferralRules& ref = p.rules.referrals;
  const Units u = units_of(p, ref.wallet);
  toml::table t{{"wallet", ref.wallet}};
  insert_amount(t, "referrer_amount", ref.referrer_amount, u.wallet_digits);
  insert_amount(t, "referee_amount", ref.referee_amount, u.wallet_digits);
  t.insert("source", ref.source);
  if (ref.expires) t.insert("expires", ledger::to_string(*ref.expires));
  insert_amount(t, "min_order", ref.min_order, p.minor_digits);
  if (ref.review_over_per_month > 0 || ref.review_over_per_year > 0) {
    toml::table over;
    over.is_inline(true);
    if (ref.review_over_per_month > 0) over.insert("per_month", ref.review_over_per_month);
    if (ref.review_over_per_year > 0) over.insert("per_year", ref.review_over_per_year);
    t.insert("review_over", std::move(over));
  }
  t.insert("review_same_contact", ref.review_same_contact);
  return t;
}

}  // namespace patron::config::detail
