#include "app/products.h"

#include <boost/json.hpp>

#include "app/outbox.h"
#include "core/limits.h"
#include "core/text.h"

namespace patron::app {

namespace json = boost::json;

namespace {

constexpr const char* kProductUse = "#product";  // not a rule id: ids are [a-z0-9_]

Result<Product> found_product(Store& store, const std::string& program_id, const std::string& sku) {
  auto p = store.find_product(program_id, sku);
  if (!p) return std::unexpected(p.error());
  if (!*p) return fail(ErrorCode::kNotFound, "sku", "no product '" + sku + "' was announced");
  return std::move(**p);
}

}  // namespace

json::object product_json(const Product& p) {
  return json::object{
      {"sku", p.sku},
      {"name", p.name},
      {"category", p.category},
      {"brand", p.brand},
      {"url", p.url},
      {"price", p.price},
      {"announced_at", format_instant(p.announced_at)},
      {"state", p.state},
      {"notified", p.notified},
      {"sent_at", p.sent_at ? json::value(format_instant(*p.sent_at)) : json::value(nullptr)}};
}

Result<Executed> announce_product(Store& store, const Command& c, const AnnounceProduct& announce,
                                  Instant now) {
  Product p = announce.product;
  p.program_id = c.program_id;
  if (auto ok = check_text(p.sku, "sku", true, 128); !ok) return std::unexpected(ok.error());
  if (auto ok = check_text(p.name, "name", true, 200); !ok) return std::unexpected(ok.error());
  if (auto ok = check_text(p.category, "category", false, 128); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_text(p.brand, "brand", false, 128); !ok) return std::unexpected(ok.error());
  if (auto ok = check_text(p.url, "url", false, 2048); !ok) return std::unexpected(ok.error());
  if (p.category.empty() && p.brand.empty()) {
    return fail(ErrorCode::kInvalidArgument, "category",
                "give a category or a brand: members are matched on it");
  }
  if (p.price < 0 || p.price > limits::kAmountMax) {
    return fail(ErrorCode::kInvalidArgument, "price",
                "must be 0 to " + std::to_string(limits::kAmountMax));
  }
  auto existing = store.find_product(c.program_id, p.sku);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) {
    return fail(ErrorCode::kConflict, "sku", "product '" + p.sku + "' was already announced");
  }
  if (p.announced_at == Instant{}) p.announced_at = now;
  p.state = "pending";
  p.notified = 0;
  p.sent_at.reset();
  Executed e;
  e.write.program_id = c.program_id;
  e.response = json::serialize(product_json(p));
  e.write.audit.push_back(AuditEntry{0, c.program_id, c.actor, "product.announce", p.sku,
                                     json::serialize(product_json(p)), now});
  e.write.product = std::move(p);
  return e;
}

Result<Executed> notify_product(Store& store, const Command& c, const NotifyProduct& notify,
                                const Member& member, Instant now) {
  auto p = found_product(store, c.program_id, notify.sku);
  if (!p) return std::unexpected(p.error());
  Executed e;
  e.write.program_id = c.program_id;
  e.write.member_id = member.id;
  auto answer = [&](std::string_view outcome) {
    e.response = json::serialize(json::object{{"sku", notify.sku}, {"outcome", outcome}});
    return e;
  };
  if (p->state != "pending") return answer("finished");
  auto sent = store.rule_use_exists(c.program_id, member.id, kProductUse, p->sku);
  if (!sent) return std::unexpected(sent.error());
  if (*sent) return answer("sent_before");
  json::object data{{"sku", p->sku},
                    {"product_name", p->name},
                    {"category", p->category},
                    {"brand", p->brand},
                    {"url", p->url},
                    {"price", p->price},
                    {"matched_by", notify.matched_by}};
  e.write.rule_uses.push_back(RuleUse{c.program_id, member.id, kProductUse, p->sku, "", 0, 0, now});
  e.write.events.push_back(make_event(c.program_id, event_type::kProductNew, member.id, data, now));
  return answer("sent");
}

Result<Executed> finish_product(Store& store, const Command& c, const FinishProduct& finish,
                                Instant now) {
  auto p = found_product(store, c.program_id, finish.sku);
  if (!p) return std::unexpected(p.error());
  Executed e;
  e.write.program_id = c.program_id;
  if (p->state == "pending") {
    p->state = "sent";
    p->notified = finish.notified;
    p->sent_at = now;
    e.write.product = *p;
  }
  e.response = json::serialize(product_json(*p));
  return e;
}

}  // namespace patron::app
