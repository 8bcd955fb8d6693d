#include "app/checkout.h"

#include <boost/json.hpp>
#include <map>

#include "app/coupons.h"
#include "app/json_codec.h"
#include "app/orders.h"
#include "app/read_snapshot.h"
#include "app/rewards.h"
#include "app/tiering.h"
#include "app/wallets.h"
#include "core/limits.h"
#include "core/text.h"

namespace patron::app {

namespace json = boost::json;

namespace {

Result<void> check_use(const ResolvedProgram& program, const CheckoutRequest& request) {
  for (std::size_t i = 0; i < request.use.size(); ++i) {
    const auto& [wallet, amount] = request.use[i];
    std::string field = "use." + wallet;
    if (!program.wallets.count(wallet)) {
      return fail(ErrorCode::kInvalidArgument, field, "is not a wallet of the program");
    }
    if (amount < 0 || amount > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, field, "must be between 0 and 10^14");
    }
    int64_t step = checkout::effective_step(program.program.rules.redeem_rule(wallet));
    if (amount % step != 0) {
      return fail(ErrorCode::kInvalidArgument, field,
                  "must be a multiple of " + std::to_string(step) + " (the wallet's step)");
    }
    for (std::size_t k = 0; k < i; ++k) {
      if (request.use[k].first == wallet) {
        return fail(ErrorCode::kInvalidArgument, field, "is given twice");
      }
    }
  }
  if (request.coupons.size() > limits::kCouponsPerOrderMax) {
    return fail(ErrorCode::kInvalidArgument, "coupons",
                "has more than " + std::to_string(limits::kCouponsPerOrderMax) + " codes");
  }
  return {};
}

// Everything the pure quote reads, owned here so the QuoteInput's pointers
// stay valid while it runs.
struct Loaded {
  rules::Order cart;
  rules::TierState tier_state;
  std::string tier;
  std::vector<rules::CountedOrder> counted;
  CampaignPick campaigns;
  LoadedCoupons coupons;
  std::vector<checkout::WalletInput> wallets;
};

// Loads and runs the quote for `member` (absent: a member with nothing yet)
// on the wallets in `wallets` (settled at `now`).
// A quote uses as much of a wallet not named in `use` as the rules allow; a
// reserve (`only_named`) holds only the wallets the shopper named.
Result<checkout::Quote> run_quote(Store& store, const ResolvedProgram& program,
                                  const std::optional<Member>& member, const std::string& member_id,
                                  const CheckoutRequest& request, Wallets& wallets, Instant now,
                                  bool only_named, Loaded& in) {
  if (auto ok = check_use(program, request); !ok) return std::unexpected(ok.error());
  in.cart = request.cart;
  in.cart.member_id = member_id;
  in.cart.placed_at = now;
  if (auto ok = checkout::check_cart(in.cart); !ok) return std::unexpected(ok.error());
  const rules::Rules& rules = program.program.rules;
  if (member) in.tier_state = member->tier;
  if (rules.tiers.enabled() && member) {
    auto orders = counted_orders(store, program, member_id, nullptr);
    if (!orders) return std::unexpected(orders.error());
    in.counted = std::move(*orders);
    in.tier_state =
        rules::on_anniversary(rules.tiers, member->tier, in.counted, now, program.zone).state;
  }
  in.tier = rules::effective_tier(rules.tiers, in.tier_state);
  if (!rules.campaigns.empty() && member) {
    RuleLimits limits(store, program, member_id);
    OrderRecord record;
    record.order = in.cart;
    auto pick = pick_campaigns(store, program, limits, record, in.tier, member->tags, now);
    if (!pick) return std::unexpected(pick.error());
    in.campaigns = std::move(*pick);
  }
  if (auto ok = load_coupons(store, program.program.id, member_id, in.cart.id, request.coupons, now,
                             in.coupons);
      !ok) {
    return std::unexpected(ok.error());
  }
  for (const WalletConfig& w : program.program.wallets) {
    checkout::WalletInput input;
    input.policy = &program.wallets.at(w.name);
    input.rule = rules.redeem_rule(w.name);
    if (only_named) input.requested = 0;
    for (const auto& [wallet, amount] : request.use) {
      if (wallet == w.name) input.requested = amount;
    }
    auto loaded = wallets.with(w.name, [&](ledger::WalletLedger& ledger, WalletEffect&) {
      input.state = &ledger.state();
      return Result<void>{};
    });
    if (!loaded) return std::unexpected(loaded.error());
    in.wallets.push_back(input);
  }
  checkout::QuoteInput q;
  q.rules = &rules;
  q.cart = &in.cart;
  q.tier = in.tier;
  q.zone = program.zone;
  q.now = now;
  q.wallets = in.wallets;
  q.coupons = &in.coupons.inputs;
  q.campaigns = in.campaigns.treated;
  if (rules.tiers.enabled()) {
    q.tier_state = &in.tier_state;
    q.counted_orders = &in.counted;
  }
  return checkout::quote(q);
}

json::array caps_json(const std::vector<checkout::Cap>& caps) {
  json::array out;
  for (checkout::Cap c : caps) out.emplace_back(checkout::to_string(c));
  return out;
}

json::object wallet_quote_json(const ResolvedProgram& program, const checkout::WalletQuote& w) {
  json::array lots;
  for (const checkout::LotUse& l : w.lots) {
    lots.emplace_back(
        json::object{{"lot_id", l.lot_id}, {"line_id", l.line_id}, {"amount", l.amount}});
  }
  json::array excluded;
  for (const std::string& id : w.excluded_lines) excluded.emplace_back(id);
  auto opt = [](const std::optional<int64_t>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  return json::object{{"unit", program.wallets.at(w.wallet).unit},
                      {"balance", w.balance},
                      {"max_usable", w.max_usable},
                      {"max_usable_value", w.max_usable_value},
                      {"capped_by", caps_json(w.capped_by)},
                      {"limits", json::object{{"max_amount", opt(w.max_amount)},
                                              {"max_percent", opt(w.max_percent)},
                                              {"payable", w.payable}}},
                      {"use", w.use},
                      {"use_value", w.use_value},
                      {"lots", std::move(lots)},
                      {"excluded_lines", std::move(excluded)}};
}

json::object earn_json(const ResolvedProgram& program, const checkout::Quote& q) {
  const rules::Rules& rules = program.program.rules;
  json::object out;
  for (const WalletConfig& w : program.program.wallets) {
    int64_t total = q.earn.total(w.name);
    json::array by_rule;
    for (const rules::RuleEarn& r : q.earn.rules) {
      if (r.rule->wallet != w.name || r.amount == 0) continue;
      json::array campaigns;
      for (const rules::Campaign* c : r.campaigns) campaigns.emplace_back(c->id);
      by_rule.emplace_back(json::object{
          {"rule", r.rule->id},
          {"amount", r.amount},
          {"base", r.base},
          {"member_day", r.member_day ? json::value(r.member_day->id) : json::value(nullptr)},
          {"campaigns", std::move(campaigns)}});
    }
    if (total == 0 && by_rule.empty()) continue;
    out[w.name] = json::object{{"amount", total},
                               {"rules", std::move(by_rule)},
                               {"earn_on", rules::to_string(rules.earn_on)},
                               {"pending_days_after_fulfilment", rules.return_window_days}};
  }
  return out;
}

json::object quote_json(const ResolvedProgram& program, const std::string& member_id,
                        bool known_member, const Loaded& in, const checkout::Quote& q) {
  json::array coupons;
  for (const checkout::CouponResult& c : q.coupons) {
    json::object o{{"code", c.code},
                   {"valid", c.valid},
                   {"discount", c.discount},
                   {"shipping_discount", c.shipping_discount}};
    if (!c.valid) o["reason"] = c.reason;
    json::array lines;
    for (std::size_t i = 0; i < c.line_discounts.size(); ++i) {
      if (c.line_discounts[i] == 0) continue;
      lines.emplace_back(
          json::object{{"line_id", in.cart.lines[i].line_id}, {"discount", c.line_discounts[i]}});
    }
    o["lines"] = std::move(lines);
    coupons.emplace_back(std::move(o));
  }
  json::object wallets;
  for (const checkout::WalletQuote& w : q.wallets)
    wallets[w.wallet] = wallet_quote_json(program, w);
  json::object out{{"member_id", member_id},
                   {"member_known", known_member},
                   {"currency", program.program.currency},
                   {"subtotal", q.subtotal},
                   {"coupon_discount", q.coupon_discount},
                   {"shipping", q.shipping},
                   {"shipping_discount", q.shipping_discount},
                   {"order_value", q.order_value},
                   {"value_used", q.value_used},
                   {"total", q.total},
                   {"coupons", std::move(coupons)},
                   {"wallets", std::move(wallets)},
                   {"earn", earn_json(program, q)}};
  if (q.tier_after) {
    const rules::Tiers& tiers = program.program.rules.tiers;
    auto level = [&](const std::string& id) { return tiers.levels[rules::level_index(tiers, id)]; };
    const rules::TierProgress& p = *q.tier_after;
    json::object after{{"id", q.tier_after_id},
                       {"name", level(q.tier_after_id).name},
                       {"value", p.value},
                       {"next", p.next.empty() ? json::value(nullptr) : json::value(p.next)},
                       {"to_next", p.to_next}};
    out["tier"] = json::object{{"current", in.tier},
                               {"current_name", level(in.tier).name},
                               {"after", std::move(after)},
                               {"upgrade", q.tier_after_id != in.tier}};
  }
  return out;
}

// The cart lines a wallet pays, with what the quote took from each.
std::vector<ledger::PayLine> pay_lines(const rules::Order& cart, const checkout::WalletQuote& w) {
  std::map<std::string, int64_t> per_line;
  for (const checkout::LotUse& l : w.lots) per_line[l.line_id] += l.amount;
  std::vector<ledger::PayLine> out;
  for (const rules::OrderLine& line : cart.lines) {
    auto it = per_line.find(line.line_id);
    if (it == per_line.end()) continue;
    out.push_back({line.line_id, line.sku, line.category, line.brand, cart.channel, it->second});
  }
  if (auto it = per_line.find(rules::kShippingLine); it != per_line.end()) {
    out.push_back({rules::kShippingLine, "", "", "", cart.channel, it->second});
  }
  return out;
}

}  // namespace

Result<std::string> quote_view(Store& store, const Programs& programs,
                               const std::string& program_id, const std::string& member_id,
                               const CheckoutRequest& request, Instant now) {
  auto program = programs.find(program_id);
  if (!program) return std::unexpected(program.error());
  if (auto ok = check_text(member_id, "member_id", true, limits::kIdBytesMax); !ok)
    return std::unexpected(ok.error());
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  auto member = store.find_member(program_id, member_id);
  if (!member) return std::unexpected(member.error());
  ScratchIds ids;
  Wallets wallets(store, **program, ids, now, member_id, request.cart.id);
  Loaded in;
  auto q = run_quote(store, **program, *member, member_id, request, wallets, now, false, in);
  if (!q) return std::unexpected(q.error());
  return json::serialize(quote_json(**program, member_id, member->has_value(), in, *q));
}

Result<Executed> checkout_reserve(Store& store, const ResolvedProgram& program,
                                  ledger::IdSource& ids, const Command& c,
                                  const CheckoutReserve& reserve, const Member& member,
                                  Instant now) {
  const CheckoutRequest& request = reserve.request;
  if (request.cart.id.empty() || request.cart.id.size() > limits::kIdBytesMax) {
    return fail(ErrorCode::kInvalidArgument, "order_id", "must be 1 to 128 bytes");
  }
  if (reserve.ttl_s && (*reserve.ttl_s <= 0 || *reserve.ttl_s > limits::kHoldTtlSecondsMax)) {
    return fail(ErrorCode::kInvalidArgument, "ttl_s", "must be between 1 and 604800 seconds");
  }
  Wallets wallets(store, program, ids, now, member.id, request.cart.id);
  // The order's open holds go back first: the new reservation replaces them.
  json::array released;
  auto release_open = wallets.each([&](ledger::WalletLedger& w, WalletEffect&) -> Result<void> {
    std::vector<int64_t> open;
    for (const ledger::Hold& h : w.state().holds) {
      if (h.order_id == request.cart.id && h.state == ledger::HoldState::kOpen)
        open.push_back(h.id);
    }
    for (int64_t id : open) {
      auto r = w.release(id);
      if (!r) return std::unexpected(r.error());
      released.emplace_back(id);
    }
    return {};
  });
  if (!release_open) return std::unexpected(release_open.error());
  Loaded in;
  auto q = run_quote(store, program, member, member.id, request, wallets, now, true, in);
  if (!q) return std::unexpected(q.error());
  for (const auto& [wallet, amount] : request.use) {
    for (const checkout::WalletQuote& w : q->wallets) {
      if (w.wallet != wallet || amount <= w.use) continue;
      std::string why;
      for (checkout::Cap cap : w.capped_by) {
        why += (why.empty() ? "" : ", ") + std::string(checkout::to_string(cap));
      }
      return fail(ErrorCode::kFailedPrecondition, "use." + wallet,
                  "at most " + std::to_string(w.use) + " of " + wallet + " is usable on this cart" +
                      (why.empty() ? "" : " (" + why + ")"));
    }
  }
  json::array holds;
  for (const checkout::WalletQuote& w : q->wallets) {
    if (w.use <= 0) continue;
    auto made =
        wallets.with(w.wallet, [&](ledger::WalletLedger& ledger, WalletEffect&) -> Result<void> {
          ledger::Reserve r{w.use, request.cart.id, reserve.ttl_s, pay_lines(in.cart, w)};
          auto hold = ledger.reserve(r);
          if (!hold) return std::unexpected(hold.error());
          holds.emplace_back(json::object{{"wallet", w.wallet},
                                          {"hold_id", hold->hold_id},
                                          {"amount", hold->amount},
                                          {"value", w.use_value},
                                          {"expires_at", format_instant(hold->expires_at)}});
          return {};
        });
    if (!made) return std::unexpected(made.error());
  }
  // The coupons that apply are used while the holds last (the longest TTL).
  int64_t ttl_s = 0;
  for (const WalletConfig& w : program.program.wallets) {
    ttl_s = std::max(ttl_s, reserve.ttl_s.value_or(program.wallets.at(w.name).hold_ttl_s));
  }
  auto redemptions = reserve_coupons(store, c.program_id, member.id, request.cart.id, q->coupons,
                                     in.coupons, now, now + std::chrono::seconds(ttl_s));
  if (!redemptions) return std::unexpected(redemptions.error());
  json::object out{{"order_id", request.cart.id},
                   {"member_id", member.id},
                   {"holds", std::move(holds)},
                   {"released", std::move(released)},
                   {"quote", quote_json(program, member.id, true, in, *q)}};
  Executed e;
  e.response = json::serialize(out);
  CommandWrite first;
  first.program_id = c.program_id;
  first.member_id = member.id;
  first.coupon_redemptions = std::move(*redemptions);
  wallets.finish(e, std::move(first));
  return e;
}

}  // namespace patron::app
