// Coupons: POST /v1/coupons/batches (create: one shared code or unique
// codes), GET /v1/coupons/batches, GET /v1/coupons/batches/{batch_id}
// (?codes=true lists its codes, one page), GET /v1/coupons/{code} (the code
// and its counted uses). Amounts are minor units of the program currency.
#include "app/coupons.h"

#include <boost/json.hpp>

#include "core/limits.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

namespace {

Result<checkout::CouponTerms> terms_from(const json::object& body, const date::time_zone* zone) {
  checkout::CouponTerms t;
  auto kind = optional_string(body, "kind");
  if (!kind) return std::unexpected(kind.error());
  std::string k = kind->value_or("fixed");
  if (k == "fixed") {
    t.kind = checkout::CouponTerms::Kind::kFixed;
  } else if (k == "percent") {
    t.kind = checkout::CouponTerms::Kind::kPercent;
  } else if (k == "free_shipping") {
    t.kind = checkout::CouponTerms::Kind::kFreeShipping;
  } else {
    return fail(ErrorCode::kInvalidArgument, "kind", "must be fixed, percent or free_shipping");
  }
  for (auto [name, slot] :
       {std::pair{"amount", &t.amount}, std::pair{"percent_bp", &t.percent_bp},
        std::pair{"max_discount", &t.max_discount}, std::pair{"min_spend", &t.min_spend},
        std::pair{"limit_total", &t.limit_total},
        std::pair{"limit_per_member", &t.limit_per_member}}) {
    auto v = optional_integer(body, name);
    if (!v) return std::unexpected(v.error());
    *slot = v->value_or(0);
  }
  for (auto [name, slot] : {std::pair{"categories", &t.categories}, std::pair{"brands", &t.brands},
                            std::pair{"skus", &t.skus}}) {
    const json::value* v = body.if_contains(name);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_array()) return fail(ErrorCode::kInvalidArgument, name, "must be an array");
    for (const json::value& item : v->as_array()) {
      if (!item.is_string()) {
        return fail(ErrorCode::kInvalidArgument, name, "must be an array of strings");
      }
      slot->emplace_back(item.as_string());
    }
  }
  for (auto [name, slot] :
       {std::pair{"starts_at", &t.starts_at}, std::pair{"ends_at", &t.ends_at}}) {
    auto at = optional_instant(body, name, zone);
    if (!at) return std::unexpected(at.error());
    *slot = *at;
  }
  auto stackable = optional_bool(body, "stackable", true);
  if (!stackable) return std::unexpected(stackable.error());
  t.stackable = *stackable;
  return t;
}

}  // namespace

void coupon_batch_create(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(
          *body, {"id",           "name",      "kind",        "amount",           "percent_bp",
                  "max_discount", "min_spend", "categories",  "brands",           "skus",
                  "starts_at",    "ends_at",   "limit_total", "limit_per_member", "stackable",
                  "member_id",    "code",      "count",       "length",           "prefix"});
      !ok) {
    return call.respond(problem(ok.error()));
  }
  auto program = api.writer().programs().find(call.key.program_id);
  if (!program) return call.respond(problem(program.error()));
  app::CreateCouponBatch create;
  auto id = required_string(*body, "id");
  if (!id) return call.respond(problem(id.error()));
  create.batch.id = *id;
  auto terms = terms_from(*body, (*program)->zone);
  if (!terms) return call.respond(problem(terms.error()));
  create.batch.terms = std::move(*terms);
  for (auto [name, slot] :
       {std::pair{"name", &create.batch.name}, std::pair{"member_id", &create.batch.member_id},
        std::pair{"code", &create.shared_code}, std::pair{"prefix", &create.prefix}}) {
    auto v = optional_string(*body, name);
    if (!v) return call.respond(problem(v.error()));
    *slot = v->value_or("");
  }
  auto count = optional_integer(*body, "count");
  if (!count) return call.respond(problem(count.error()));
  auto length = optional_integer(*body, "length");
  if (!length) return call.respond(problem(length.error()));
  create.count = create.shared_code.empty() ? count->value_or(0) : count->value_or(1);
  create.length = length->value_or(8);
  app::Command c;
  c.body = std::move(create);
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json, 201); });
}

void coupon_batches_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    auto rows = store.coupon_batches_page(c.key.program_id, *page);
    if (!rows) return problem(rows.error());
    json::array items;
    for (const auto& b : *rows) items.emplace_back(app::coupon_batch_json(b));
    json::value next =
        rows->size() == page->limit ? json::value(rows->back().id) : json::value(nullptr);
    return json_reply(json::serialize(json::object{{"batches", items}, {"next_cursor", next}}));
  });
}

void coupon_batch_get(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto batch = store.find_coupon_batch(c.key.program_id, c.params[0]);
    if (!batch) return problem(batch.error());
    if (!*batch) return problem(404, "not_found", "batch_id", "no batch '" + c.params[0] + "'");
    json::object out = app::coupon_batch_json(**batch);
    if (query_value(c, "codes") == "true") {
      auto page = page_request(c);
      if (!page) return problem(page.error());
      auto rows = store.coupons_page(c.key.program_id, c.params[0], *page);
      if (!rows) return problem(rows.error());
      json::array codes;
      for (const auto& coupon : *rows) codes.emplace_back(coupon.code);
      out["codes"] = std::move(codes);
      out["next_cursor"] =
          rows->size() == page->limit ? json::value(rows->back().code) : json::value(nullptr);
    }
    return json_reply(json::serialize(out));
  });
}

void coupon_get(Api& api, Call&& call) {
  api.read(std::move(call), [&api](app::Store& store, Call& c) -> Reply {
    std::string code = app::normalize_code(c.params[0]);
    auto coupon = store.find_coupon(c.key.program_id, code);
    if (!coupon) return problem(coupon.error());
    if (!*coupon) return problem(404, "not_found", "code", "no coupon '" + code + "'");
    std::string member = query_value(c, "member_id");
    auto uses =
        store.coupon_uses(c.key.program_id, code, (*coupon)->batch_id, member, api.clock().now());
    if (!uses) return problem(uses.error());
    json::object out = app::coupon_json(**coupon);
    json::object counted{{"code", uses->code}, {"batch", uses->batch}};
    if (!member.empty()) counted["member"] = uses->member;
    out["uses"] = std::move(counted);
    return json_reply(json::serialize(out));
  });
}

}  // namespace patron::http::handlers
