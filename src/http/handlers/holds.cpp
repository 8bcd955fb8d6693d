#include <boost/json.hpp>
#include <charconv>

#include "app/checkout.h"
#include "app/checkout_json.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

namespace {

Result<int64_t> hold_id_of(const Call& call) {
  const std::string& text = call.params[0];
  int64_t id = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || p != text.data() + text.size() || id <= 0) {
    return fail(ErrorCode::kInvalidArgument, "hold_id", "must be a positive whole number");
  }
  return id;
}

// [{"line_id", "sku", "category", "brand", "channel", "amount"}]
Result<std::vector<ledger::PayLine>> pay_lines(const json::object& body) {
  std::vector<ledger::PayLine> out;
  const json::value* lines = body.if_contains("lines");
  if (lines == nullptr || lines->is_null()) return out;
  if (!lines->is_array()) return fail(ErrorCode::kInvalidArgument, "lines", "must be an array");
  for (std::size_t i = 0; i < lines->as_array().size(); ++i) {
    std::string field = "lines[" + std::to_string(i) + "]";
    const json::value& item = lines->as_array()[i];
    if (!item.is_object()) return fail(ErrorCode::kInvalidArgument, field, "must be an object");
    const json::object& o = item.as_object();
    if (auto ok = only_fields(o, {"line_id", "sku", "category", "brand", "channel", "amount"});
        !ok) {
      return fail(ErrorCode::kInvalidArgument, field + "." + ok.error().field, ok.error().message);
    }
    ledger::PayLine line;
    for (auto [name, target] :
         {std::pair{"line_id", &line.line_id}, std::pair{"sku", &line.sku},
          std::pair{"category", &line.category}, std::pair{"brand", &line.brand},
          std::pair{"channel", &line.channel}}) {
      auto v = optional_string(o, name);
      if (!v) return fail(ErrorCode::kInvalidArgument, field + "." + name, v.error().message);
      *target = v->value_or("");
    }
    auto amount = required_integer(o, "amount");
    if (!amount)
      return fail(ErrorCode::kInvalidArgument, field + ".amount", amount.error().message);
    line.amount = *amount;
    if (line.line_id.empty()) line.line_id = std::to_string(i + 1);
    out.push_back(std::move(line));
  }
  return out;
}

Reply hold_reply(const app::Response& r) {
  return json_reply(r.json, 200);
}

// {"member_id", "order_id", "cart", "coupons", "use"} -> the checkout request;
// amounts are minor units (app/checkout_json.h).
Result<app::CheckoutRequest> checkout_request(Api& api, const Call& call, const json::object& body,
                                              bool order_required) {
  auto program = api.writer().programs().find(call.key.program_id);
  if (!program) return std::unexpected(program.error());
  app::CheckoutRequest request;
  const json::value* cart = body.if_contains("cart");
  if (cart == nullptr) return fail(ErrorCode::kInvalidArgument, "cart", "is required");
  auto parsed = app::cart_from_json(*cart, app::PriceStyle::kMinorUnits,
                                    (*program)->program.minor_digits, "cart");
  if (!parsed) return std::unexpected(parsed.error());
  request.cart = std::move(*parsed);
  if (order_required) {
    auto order_id = required_string(body, "order_id");
    if (!order_id) return std::unexpected(order_id.error());
    request.cart.id = *order_id;
  } else {
    auto order_id = optional_string(body, "order_id");
    if (!order_id) return std::unexpected(order_id.error());
    request.cart.id = order_id->value_or("");
  }
  if (auto ok = app::coupons_and_use_from_json(body, request); !ok) {
    return std::unexpected(ok.error());
  }
  return request;
}

// POST /v1/checkout/holds with a cart: the checkout reserve (rules re-checked).
void checkout_reserve(Api& api, Call&& call, const json::object& body) {
  if (auto ok = only_fields(body, {"member_id", "order_id", "cart", "coupons", "use", "ttl_s"});
      !ok) {
    return call.respond(problem(ok.error()));
  }
  auto member_id = required_string(body, "member_id");
  if (!member_id) return call.respond(problem(member_id.error()));
  auto ttl = optional_integer(body, "ttl_s");
  if (!ttl) return call.respond(problem(ttl.error()));
  auto request = checkout_request(api, call, body, true);
  if (!request) return call.respond(problem(request.error()));
  app::Command c;
  c.member_id = *member_id;
  c.body = app::CheckoutReserve{std::move(*request), *ttl};
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json, 201); });
}

}  // namespace

void checkout_quote(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"member_id", "order_id", "cart", "coupons", "use"}); !ok) {
    return call.respond(problem(ok.error()));
  }
  auto member_id = required_string(*body, "member_id");
  if (!member_id) return call.respond(problem(member_id.error()));
  auto request = checkout_request(api, call, *body, false);
  if (!request) return call.respond(problem(request.error()));
  api.point_read(std::move(call),
                 [&api, member = std::move(*member_id), request = std::move(*request)](
                     app::Store& store, Call& c) -> Reply {
                   auto view = app::quote_view(store, api.writer().programs(), c.key.program_id,
                                               member, request, api.clock().now());
                   if (!view) return problem(view.error());
                   return json_reply(std::move(*view));
                 });
}

void hold_reserve(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (body->contains("cart")) return checkout_reserve(api, std::move(call), *body);
  if (auto ok = only_fields(*body, {"member_id", "wallet", "amount", "order_id", "ttl_s", "lines"});
      !ok) {
    return call.respond(problem(ok.error()));
  }
  auto member_id = required_string(*body, "member_id");
  if (!member_id) return call.respond(problem(member_id.error()));
  auto wallet = required_string(*body, "wallet");
  if (!wallet) return call.respond(problem(wallet.error()));
  auto amount = required_integer(*body, "amount");
  if (!amount) return call.respond(problem(amount.error()));
  auto order_id = required_string(*body, "order_id");
  if (!order_id) return call.respond(problem(order_id.error()));
  auto ttl = optional_integer(*body, "ttl_s");
  if (!ttl) return call.respond(problem(ttl.error()));
  auto lines = pay_lines(*body);
  if (!lines) return call.respond(problem(lines.error()));
  app::Command c;
  c.member_id = *member_id;
  c.wallet = *wallet;
  c.body = ledger::Reserve{*amount, *order_id, *ttl, std::move(*lines)};
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json, 201); });
}

void hold_capture(Api& api, Call&& call) {
  auto id = hold_id_of(call);
  if (!id) return call.respond(problem(id.error()));
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"amount"}); !ok) return call.respond(problem(ok.error()));
  auto amount = optional_integer(*body, "amount");
  if (!amount) return call.respond(problem(amount.error()));
  app::Command c;
  c.body = app::Capture{*id, *amount};
  api.write(std::move(call), std::move(c), hold_reply);
}

void hold_release(Api& api, Call&& call) {
  auto id = hold_id_of(call);
  if (!id) return call.respond(problem(id.error()));
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {}); !ok) return call.respond(problem(ok.error()));
  app::Command c;
  c.body = app::Release{*id};
  api.write(std::move(call), std::move(c), hold_reply);
}

}  // namespace patron::http::handlers
