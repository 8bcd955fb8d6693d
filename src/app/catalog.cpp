#include "app/catalog.h"

#include <boost/json.hpp>
#include <map>
#include <tuple>

#include "app/coupons.h"
#include "app/json_codec.h"
#include "app/rewards.h"
#include "app/wallets.h"
#include "core/limits.h"
#include "rules/catalog.h"

namespace patron::app {

namespace json = boost::json;

namespace {

// What stops `member` from redeeming `item` now beyond the item itself:
// "out_of_stock" or "limit_<period>"; empty when nothing does. `left` gets
// the redemptions left under each limit (and the stock) for views.
Result<std::string> limits_blocked(Store& store, const ResolvedProgram& program,
                                   const rules::CatalogItem& item, const std::string& member_id,
                                   Instant now, json::object* left) {
  const std::string& pid = program.program.id;
  std::string blocked;
  if (item.stock > 0) {
    auto used = store.count_reward_redemptions(pid, item.id, "", Instant::min());
    if (!used) return std::unexpected(used.error());
    int64_t stock_left = std::max<int64_t>(0, item.stock - *used);
    if (left != nullptr) (*left)["stock"] = stock_left;
    if (stock_left == 0) blocked = "out_of_stock";
  }
  if (member_id.empty() || !item.limits.any()) return blocked;
  rules::PeriodStarts starts = rules::period_starts(now, program.zone);
  for (auto [name, limit, since] :
       {std::tuple{"limit_per_day", item.limits.per_day, starts.day},
        std::tuple{"limit_per_month", item.limits.per_month, starts.month},
        std::tuple{"limit_per_year", item.limits.per_year, starts.year},
        std::tuple{"limit_lifetime", item.limits.lifetime, Instant::min()}}) {
    if (limit == 0) continue;
    auto used = store.count_reward_redemptions(pid, item.id, member_id, since);
    if (!used) return std::unexpected(used.error());
    int64_t n = std::max<int64_t>(0, limit - *used);
    if (left != nullptr) (*left)[std::string(name).substr(6)] = n;  // "per_day" ...
    if (n == 0 && blocked.empty()) blocked = name;
  }
  return blocked;
}

std::string why_text(const std::string& reason, const rules::CatalogItem& item) {
  if (reason == "disabled") return "is switched off";
  if (reason == "not_started") return "cannot be redeemed yet";
  if (reason == "ended") return "can no longer be redeemed";
  if (reason == "tier") return "is only for some tiers";
  if (reason == "out_of_stock") return "is out of stock (" + std::to_string(item.stock) + ")";
  return "was redeemed as often as the member may (" + reason + ")";
}

json::object item_json(const rules::CatalogItem& item) {
  json::object o{{"id", item.id},
                 {"name", item.name},
                 {"wallet", item.wallet},
                 {"price", item.price},
                 {"kind", rules::to_string(item.kind)},
                 {"enabled", item.enabled}};
  switch (item.kind) {
    case rules::CatalogItem::Kind::kCoupon: {
      CouponBatch shape;
      shape.terms = item.coupon.terms;
      json::object terms = coupon_batch_json(shape);
      json::object coupon;
      for (const char* key : {"kind", "amount", "percent_bp", "max_discount", "min_spend",
                              "categories", "brands", "skus", "stackable"}) {
        if (const json::value* v = terms.if_contains(key)) coupon[key] = *v;
      }
      coupon["valid_days"] = item.coupon.valid_days;
      o["coupon"] = std::move(coupon);
      break;
    }
    case rules::CatalogItem::Kind::kGift:
      o["sku"] = item.sku;
      break;
    case rules::CatalogItem::Kind::kCredit:
      o["credit"] = json::object{{"wallet", item.credit_wallet}, {"amount", item.credit_amount}};
      break;
  }
  o["stock"] = item.stock > 0 ? json::value(item.stock) : json::value(nullptr);
  o["limits"] = json::object{{"per_day", item.limits.per_day},
                             {"per_month", item.limits.per_month},
                             {"per_year", item.limits.per_year},
                             {"lifetime", item.limits.lifetime}};
  json::array tiers;
  for (const auto& t : item.tiers) tiers.emplace_back(t);
  o["tiers"] = std::move(tiers);
  o["starts_at"] = item.starts_at ? json::value(format_instant(*item.starts_at)) : nullptr;
  o["ends_at"] = item.ends_at ? json::value(format_instant(*item.ends_at)) : nullptr;
  return o;
}

}  // namespace

json::object reward_redemption_json(const RewardRedemption& r) {
  json::object o{{"id", r.id},
                 {"member_id", r.member_id},
                 {"item_id", r.item_id},
                 {"kind", r.kind},
                 {"wallet", r.wallet},
                 {"price", r.price},
                 {"program_version", r.program_version},
                 {"state", r.state},
                 {"at", format_instant(r.at)}};
  o["refunded_at"] = r.refunded_at ? json::value(format_instant(*r.refunded_at)) : nullptr;
  if (r.kind == "coupon") o["coupon_code"] = r.coupon_code;
  if (r.kind == "gift") o["sku"] = r.sku;
  if (r.kind == "credit") {
    o["credit"] = json::object{
        {"wallet", r.credit_wallet}, {"amount", r.credit_amount}, {"lot_id", r.lot_id}};
  }
  return o;
}

Result<Executed> redeem_reward(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                               const Command& c, const RedeemReward& redeem, const Member& member,
                               Instant now) {
  const rules::CatalogItem* item = program.program.rules.catalog_item(redeem.item_id);
  if (item == nullptr) {
    return fail(ErrorCode::kNotFound, "item_id", "no catalog item '" + redeem.item_id + "'");
  }
  std::string why = rules::catalog_blocked(*item, member_tier(program, member), now);
  if (why.empty()) {
    auto limited = limits_blocked(store, program, *item, c.member_id, now, nullptr);
    if (!limited) return std::unexpected(limited.error());
    why = *limited;
  }
  if (!why.empty()) {
    return fail(ErrorCode::kFailedPrecondition, "item_id",
                "catalog item '" + item->id + "' " + why_text(why, *item));
  }

  RewardRedemption r;
  r.program_id = c.program_id;
  r.id = ids.next_redemption_id();
  r.member_id = c.member_id;
  r.item_id = item->id;
  r.kind = std::string(rules::to_string(item->kind));
  r.wallet = item->wallet;
  r.price = item->price;
  r.program_version = program.program.version;
  r.at = now;
  const std::string order_id = catalog_order_id(r.id);

  Wallets wallets(store, program, ids, now, c.member_id, order_id);
  auto spent =
      wallets.with(item->wallet, [&](ledger::WalletLedger& w, WalletEffect&) -> Result<void> {
        int64_t available = w.balances().available;
        if (available < item->price) {
          return fail(ErrorCode::kFailedPrecondition, "wallet",
                      "'" + item->id + "' costs " + std::to_string(item->price) + " " +
                          item->wallet + "; the member has " +
                          std::to_string(std::max<int64_t>(0, available)) + " available");
        }
        ledger::Spend spend;
        spend.amount = item->price;
        spend.order_id = order_id;
        auto s = w.spend(spend);
        if (!s) return std::unexpected(s.error());
        return {};
      });
  if (!spent) return std::unexpected(spent.error());

  CommandWrite first;
  first.program_id = c.program_id;
  first.member_id = c.member_id;
  switch (item->kind) {
    case rules::CatalogItem::Kind::kCoupon: {
      auto code = issue_coupon(store, c.program_id, "catalog-" + std::to_string(r.id), item->name,
                               c.member_id, item->coupon, now, c.actor, first);
      if (!code) return std::unexpected(code.error());
      r.coupon_code = *code;
      break;
    }
    case rules::CatalogItem::Kind::kGift:
      r.sku = item->sku;
      break;
    case rules::CatalogItem::Kind::kCredit: {
      RewardLot lot;
      lot.order_id = order_id;
      auto granted = grant_lot(program, wallets, item->credit_wallet, item->credit_amount,
                               "catalog", "catalog item " + item->id, item->credit_expires, lot);
      if (!granted) return std::unexpected(granted.error());
      r.credit_wallet = item->credit_wallet;
      r.credit_amount = item->credit_amount;
      r.lot_id = granted->lot_id;
      break;
    }
  }
  first.reward_redemption = r;
  json::object out = reward_redemption_json(r);
  out["wallets"] = wallets.effects_json();
  Executed e;
  e.response = json::serialize(out);
  wallets.finish(e, std::move(first));
  return e;
}

Result<Executed> refund_redemption(Store& store, const ResolvedProgram& program,
                                   ledger::IdSource& ids, const Command& c,
                                   const RefundRedemption& refund, Instant now) {
  auto found = store.find_reward_redemption(c.program_id, refund.redemption_id);
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return fail(ErrorCode::kNotFound, "redemption_id",
                "no catalog redemption " + std::to_string(refund.redemption_id));
  }
  RewardRedemption r = **found;
  if (r.state == "refunded") {
    return fail(ErrorCode::kFailedPrecondition, "redemption_id",
                "redemption " + std::to_string(r.id) + " was already refunded");
  }
  const std::string order_id = catalog_order_id(r.id);
  CommandWrite first;
  first.program_id = c.program_id;
  first.member_id = r.member_id;
  Wallets wallets(store, program, ids, now, r.member_id, order_id);
  json::object out;
  if (r.kind == "coupon") {
    auto coupon = store.find_coupon(c.program_id, r.coupon_code);
    if (!coupon) return std::unexpected(coupon.error());
    if (!*coupon)
      return fail(ErrorCode::kStorage, "coupon_code", "the redemption's coupon is gone");
    auto uses =
        store.coupon_uses(c.program_id, r.coupon_code, (*coupon)->batch_id, r.member_id, now);
    if (!uses) return std::unexpected(uses.error());
    if (uses->code > 0) {
      return fail(ErrorCode::kFailedPrecondition, "redemption_id",
                  "coupon " + r.coupon_code +
                      " is used on an order (or held by a checkout): cancel or refund that order "
                      "first");
    }
    auto batch = store.find_coupon_batch(c.program_id, (*coupon)->batch_id);
    if (!batch) return std::unexpected(batch.error());
    if (!*batch) return fail(ErrorCode::kStorage, "coupon_code", "the coupon's batch is gone");
    CouponBatch disabled = **batch;
    disabled.terms.enabled = false;
    first.coupon_batch = std::move(disabled);
    out["coupon_disabled"] = r.coupon_code;
  }
  if (r.kind == "credit") {
    auto taken = wallets.with(r.credit_wallet,
                              [&](ledger::WalletLedger& w, WalletEffect& effect) -> Result<void> {
                                ledger::Clawback back;
                                back.order_id = order_id;
                                auto result = w.clawback(back);
                                if (!result) return std::unexpected(result.error());
                                effect.clawed_back += result->from_pending + result->from_available;
                                effect.debt_added += result->debt_added;
                                effect.written_off += result->written_off;
                                return {};
                              });
    if (!taken) return std::unexpected(taken.error());
  }
  auto restored =
      wallets.with(r.wallet, [&](ledger::WalletLedger& w, WalletEffect& effect) -> Result<void> {
        ledger::Restore back;
        back.order_id = order_id;
        auto result = w.restore(back);
        if (!result) return std::unexpected(result.error());
        effect.restored += result->restored;
        return {};
      });
  if (!restored) return std::unexpected(restored.error());
  r.state = "refunded";
  r.refunded_at = now;
  first.reward_redemption = r;
  AuditEntry audit;
  audit.program_id = c.program_id;
  audit.actor = c.actor;
  audit.action = "redemption.refund";
  audit.target = std::to_string(r.id);
  audit.detail = json::serialize(
      json::object{{"member_id", r.member_id}, {"item_id", r.item_id}, {"reason", refund.reason}});
  audit.at = now;
  first.audit.push_back(std::move(audit));
  json::object body = reward_redemption_json(r);
  for (auto& [k, v] : out) body[k] = v;
  body["wallets"] = wallets.effects_json();
  Executed e;
  e.response = json::serialize(body);
  wallets.finish(e, std::move(first));
  return e;
}

Result<json::object> catalog_json(Store& store, const ResolvedProgram& program,
                                  const Member* member, Instant now) {
  json::array items;
  // Whether the member's wallet could pay `price` now, as redeem would: a
  // spend without a cart, which only lots without a scope pay, tried on a
  // copy of the wallet.
  std::map<std::string, ledger::WalletState> states;
  auto can_pay = [&](const std::string& wallet, int64_t price) -> Result<bool> {
    auto it = states.find(wallet);
    if (it == states.end()) {
      auto state = store.load_wallet(program.program.id, member->id, wallet, {"", 0, true});
      if (!state) return std::unexpected(state.error());
      it = states.emplace(wallet, std::move(*state)).first;
    }
    ScratchIds ids;
    ledger::WalletLedger trial(it->second, program.wallets.at(wallet), ids, now);
    ledger::Spend spend;
    spend.amount = price;
    spend.order_id = "catalog:trial";
    return trial.spend(spend).has_value();
  };
  for (const rules::CatalogItem& item : program.program.rules.catalog) {
    json::object o = item_json(item);
    json::object left;
    std::string why =
        member != nullptr ? rules::catalog_blocked(item, member_tier(program, *member), now) : "";
    auto limited =
        limits_blocked(store, program, item, member != nullptr ? member->id : "", now, &left);
    if (!limited) return std::unexpected(limited.error());
    if (why.empty()) why = *limited;
    if (left.contains("stock")) o["stock_left"] = left.at("stock");
    if (member != nullptr) {
      left.erase("stock");
      if (why.empty()) {
        auto ok = can_pay(item.wallet, item.price);
        if (!ok) return std::unexpected(ok.error());
        if (!*ok) why = "balance";
      }
      o["available"] = why.empty();
      o["reason"] = why.empty() ? json::value(nullptr) : json::value(why);
      o["member_left"] = std::move(left);
    }
    items.emplace_back(std::move(o));
  }
  json::object out{{"items", std::move(items)}};
  if (member != nullptr) out["member_id"] = member->id;
  return out;
}

}  // namespace patron::app
