#include "app/carts.h"

#include <boost/json.hpp>

#include "app/outbox.h"
#include "core/limits.h"
#include "core/money.h"
#include "core/text.h"

namespace patron::app {

namespace json = boost::json;

namespace {

constexpr const char* kCartUse = "#cart";  // not a rule id: ids are [a-z0-9_]
constexpr std::size_t kItemsMax = 100;
constexpr int64_t kQuantityMax = 1'000'000;

Result<void> check_cart(const Cart& cart) {
  if (auto ok = check_text(cart.id, "id", true, 128); !ok) return ok;
  if (auto ok = check_text(cart.url, "url", false, 2048); !ok) return ok;
  if (cart.items.size() > kItemsMax) {
    return fail(ErrorCode::kInvalidArgument, "items", "has more than 100 items");
  }
  for (std::size_t i = 0; i < cart.items.size(); ++i) {
    const CartItem& item = cart.items[i];
    const std::string at = "items[" + std::to_string(i) + "]";
    if (auto ok = check_text(item.sku, at + ".sku", true, 128); !ok) return ok;
    if (auto ok = check_text(item.name, at + ".name", false, 200); !ok) return ok;
    if (auto ok = check_text(item.category, at + ".category", false, 128); !ok) return ok;
    if (item.quantity < 1 || item.quantity > kQuantityMax) {
      return fail(ErrorCode::kInvalidArgument, at + ".quantity", "must be 1 to 1000000");
    }
    if (item.unit_price < 0 || item.unit_price > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, at + ".unit_price",
                  "must be 0 to " + std::to_string(limits::kAmountMax));
    }
  }
  if (cart.total < 0 || cart.total > limits::kAmountMax) {
    return fail(ErrorCode::kInvalidArgument, "total",
                "must be 0 to " + std::to_string(limits::kAmountMax));
  }
  return {};
}

}  // namespace

json::array cart_items_json(const std::vector<CartItem>& items) {
  json::array out;
  for (const CartItem& i : items) {
    out.emplace_back(json::object{{"sku", i.sku},
                                  {"name", i.name},
                                  {"category", i.category},
                                  {"quantity", i.quantity},
                                  {"unit_price", i.unit_price}});
  }
  return out;
}

json::object cart_json(const Cart& cart) {
  return json::object{{"id", cart.id},
                      {"member_id", cart.member_id},
                      {"items", cart_items_json(cart.items)},
                      {"total", cart.total},
                      {"url", cart.url},
                      {"created_at", format_instant(cart.created_at)},
                      {"updated_at", format_instant(cart.updated_at)}};
}

Result<Executed> put_cart(Store& store, const Command& c, const PutCart& put,
                          const std::optional<Member>& member, Instant now) {
  Cart cart = put.cart;
  cart.program_id = c.program_id;
  cart.member_id = c.member_id;
  if (auto ok = check_cart(cart); !ok) return std::unexpected(ok.error());
  if (!member) {
    return fail(ErrorCode::kNotFound, "member_id",
                "no member '" + c.member_id + "' in program " + c.program_id);
  }
  if (cart.total == 0) {  // not given: the items' sum
    int64_t sum = 0;
    for (const CartItem& i : cart.items) {
      auto line = checked_mul(i.quantity, i.unit_price);
      auto next = line ? checked_add(sum, *line) : std::nullopt;
      if (!next || *next > limits::kAmountMax) {
        return fail(ErrorCode::kInvalidArgument, "items", "sum to more than the largest amount");
      }
      sum = *next;
    }
    cart.total = sum;
  }
  auto existing = store.find_cart(c.program_id, cart.id);
  if (!existing) return std::unexpected(existing.error());
  if (*existing && (*existing)->member_id != cart.member_id) {
    return fail(ErrorCode::kConflict, "id", "cart '" + cart.id + "' belongs to another member");
  }
  if (cart.updated_at == Instant{}) cart.updated_at = now;
  if (cart.updated_at > now + std::chrono::seconds(limits::kClockSkewSecondsMax)) {
    return fail(ErrorCode::kInvalidArgument, "at",
                "is more than an hour in the future: a cart changes now or in the past");
  }
  // An older event arriving late changes nothing.
  if (*existing && cart.updated_at < (*existing)->updated_at) {
    Executed e;
    e.write.program_id = c.program_id;
    e.response = json::serialize(
        json::object{{"cart", cart_json(**existing)}, {"created", false}, {"stale", true}});
    return e;
  }
  cart.created_at = *existing ? (*existing)->created_at : now;
  Executed e;
  e.write.program_id = c.program_id;
  e.write.member_id = c.member_id;
  e.response = json::serialize(
      json::object{{"cart", cart_json(cart)}, {"created", !*existing}, {"stale", false}});
  e.write.cart = std::move(cart);
  return e;
}

Result<Executed> remind_cart(Store& store, const ResolvedProgram& program, const Command& c,
                             const RemindCart& remind, const Member& member, Instant now) {
  const rules::Carts& rules = program.program.rules.carts;
  Executed e;
  e.write.program_id = c.program_id;
  e.write.member_id = c.member_id;
  auto answer = [&](std::string_view outcome) {
    e.response = json::serialize(json::object{{"cart_id", remind.cart_id}, {"outcome", outcome}});
    return e;
  };
  auto cart = store.find_cart(c.program_id, remind.cart_id);
  if (!cart) return std::unexpected(cart.error());
  if (!*cart || (*cart)->member_id != member.id) {
    return fail(ErrorCode::kNotFound, "cart_id", "no cart '" + remind.cart_id + "' of the member");
  }
  const Cart& k = **cart;
  if (!rules.enabled) return answer("off");
  auto sent = store.rule_use_exists(c.program_id, member.id, kCartUse, k.id);
  if (!sent) return std::unexpected(sent.error());
  if (*sent) return answer("sent_before");
  if (k.items.empty()) return answer("empty");
  if (k.total < rules.min_total) return answer("below_min_total");
  const auto idle = std::chrono::duration_cast<std::chrono::hours>(now - k.updated_at);
  if (idle.count() < rules.remind_after_hours) return answer("not_idle");
  if (idle.count() >= rules.ignore_after_hours) return answer("stale");
  auto orders = store.member_order_summaries(c.program_id, member.id);
  if (!orders) return std::unexpected(orders.error());
  for (const OrderSummary& o : *orders) {
    if (o.placed_at >= k.updated_at) {
      // Bought since: recorded, so the job does not come back to it.
      e.write.rule_uses.push_back(RuleUse{c.program_id, member.id, kCartUse, k.id, "", 0, 0, now});
      return answer("ordered");
    }
  }
  int64_t count = 0;
  for (const CartItem& i : k.items) count += i.quantity;
  const CartItem& first = k.items.front();
  json::object data{{"cart_id", k.id},
                    {"items", cart_items_json(k.items)},
                    {"item_count", count},
                    {"first_item", first.name.empty() ? first.sku : first.name},
                    {"total", k.total},
                    {"url", k.url},
                    {"updated_at", format_instant(k.updated_at)},
                    {"hours_idle", idle.count()}};
  e.write.rule_uses.push_back(RuleUse{c.program_id, member.id, kCartUse, k.id, "", 0, 0, now});
  e.write.events.push_back(
      make_event(c.program_id, event_type::kCartAbandoned, member.id, data, now));
  return answer("sent");
}

}  // namespace patron::app
