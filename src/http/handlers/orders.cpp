// Orders: PUT /v1/orders/{id} (upsert with lines), GET /v1/orders/{id},
// POST /v1/orders/{id}/events (paid, fulfilled, completed, cancelled,
// refunded, returned). Amounts are minor units of the program's currency.
#include <boost/json.hpp>

#include "app/carts.h"
#include "app/json_codec.h"
#include "app/products.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

namespace {

// Prefixes the field of a failed read with the line it belongs to.
template <class T>
Result<T> at_line(Result<T> r, const std::string& prefix) {
  if (r) return r;
  return fail(r.error().code, prefix + "." + r.error().field, r.error().message);
}

Result<std::vector<rules::OrderLine>> order_lines(const json::object& body) {
  std::vector<rules::OrderLine> out;
  const json::value* lines = body.if_contains("lines");
  if (lines == nullptr || !lines->is_array()) {
    return fail(ErrorCode::kInvalidArgument, "lines", "is required: an array of order lines");
  }
  for (std::size_t i = 0; i < lines->as_array().size(); ++i) {
    std::string field = "lines[" + std::to_string(i) + "]";
    const json::value& item = lines->as_array()[i];
    if (!item.is_object()) return fail(ErrorCode::kInvalidArgument, field, "must be an object");
    const json::object& o = item.as_object();
    if (auto ok = at_line(only_fields(o, {"line_id", "sku", "category", "brand", "quantity",
                                          "unit_price", "discount", "paid_with_value", "reward"}),
                          field);
        !ok) {
      return std::unexpected(ok.error());
    }
    rules::OrderLine line;
    auto id = at_line(required_string(o, "line_id"), field);
    if (!id) return std::unexpected(id.error());
    line.line_id = *id;
    for (auto [name, target] : {std::pair{"sku", &line.sku}, std::pair{"category", &line.category},
                                std::pair{"brand", &line.brand}}) {
      auto v = at_line(optional_string(o, name), field);
      if (!v) return std::unexpected(v.error());
      *target = v->value_or("");
    }
    auto quantity = at_line(required_integer(o, "quantity"), field);
    if (!quantity) return std::unexpected(quantity.error());
    line.quantity = *quantity;
    auto price = at_line(required_integer(o, "unit_price"), field);
    if (!price) return std::unexpected(price.error());
    line.unit_price = *price;
    for (auto [name, target] : {std::pair{"discount", &line.discount},
                                std::pair{"paid_with_value", &line.paid_with_value}}) {
      auto v = at_line(optional_integer(o, name), field);
      if (!v) return std::unexpected(v.error());
      *target = v->value_or(0);
    }
    auto reward = at_line(optional_bool(o, "reward", false), field);
    if (!reward) return std::unexpected(reward.error());
    line.reward = *reward;
    out.push_back(std::move(line));
  }
  return out;
}

const date::time_zone* zone_of(Api& api, const Call& call) {
  auto p = api.writer().programs().find(call.key.program_id);
  return p ? (*p)->zone : nullptr;
}

// {"event", "at", "refund_id", "lines": [{"line_id", "quantity"}], "amount"};
// fields named with `prefix` ("" or "events[2].").
Result<app::OrderEvent> event_from(const json::object& body, const date::time_zone* zone,
                                   const std::string& prefix) {
  auto named = [&](const Error& e) { return fail(e.code, prefix + e.field, e.message); };
  if (auto ok = only_fields(body, {"event", "at", "refund_id", "lines", "amount"}); !ok) {
    return named(ok.error());
  }
  app::OrderEvent ev;
  auto event = required_string(body, "event");
  if (!event) return named(event.error());
  ev.event = *event;
  auto at = optional_instant(body, "at", zone);
  if (!at) return named(at.error());
  ev.at = *at;
  auto refund_id = optional_string(body, "refund_id");
  if (!refund_id) return named(refund_id.error());
  ev.refund_id = refund_id->value_or("");
  auto amount = optional_integer(body, "amount");
  if (!amount) return named(amount.error());
  ev.amount = *amount;
  if (const json::value* lines = body.if_contains("lines"); lines && !lines->is_null()) {
    if (!lines->is_array()) {
      return fail(ErrorCode::kInvalidArgument, prefix + "lines",
                  "must be an array of {line_id, quantity}");
    }
    for (std::size_t i = 0; i < lines->as_array().size(); ++i) {
      std::string field = prefix + "lines[" + std::to_string(i) + "]";
      const json::value& item = lines->as_array()[i];
      if (!item.is_object()) return fail(ErrorCode::kInvalidArgument, field, "must be an object");
      const json::object& o = item.as_object();
      if (auto ok = at_line(only_fields(o, {"line_id", "quantity"}), field); !ok) {
        return std::unexpected(ok.error());
      }
      auto id = at_line(required_string(o, "line_id"), field);
      if (!id) return std::unexpected(id.error());
      auto quantity = at_line(required_integer(o, "quantity"), field);
      if (!quantity) return std::unexpected(quantity.error());
      ev.lines.push_back({*id, *quantity});
    }
  }
  return ev;
}

}  // namespace

void order_put(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok =
          only_fields(*body, {"member_id", "channel", "placed_at", "shipping", "lines", "events"});
      !ok) {
    return call.respond(problem(ok.error()));
  }
  app::UpsertOrder upsert;
  rules::Order& order = upsert.order;
  order.id = call.params[0];
  auto member = optional_string(*body, "member_id");
  auto channel = optional_string(*body, "channel");
  for (auto* r : {&member, &channel}) {
    if (!*r) return call.respond(problem(r->error()));
  }
  order.member_id = member->value_or("");
  order.channel = channel->value_or("");
  auto placed = optional_instant(*body, "placed_at", zone_of(api, call));
  if (!placed) return call.respond(problem(placed.error()));
  // Absent: the app places a new order now and keeps an existing one's time.
  upsert.placed_at_given = placed->has_value();
  order.placed_at = placed->value_or(Instant{});
  auto shipping = optional_integer(*body, "shipping");
  if (!shipping) return call.respond(problem(shipping.error()));
  order.shipping = shipping->value_or(0);
  auto lines = order_lines(*body);
  if (!lines) return call.respond(problem(lines.error()));
  order.lines = std::move(*lines);
  if (const json::value* events = body->if_contains("events"); events && !events->is_null()) {
    if (!events->is_array()) {
      return call.respond(problem(
          fail(ErrorCode::kInvalidArgument, "events", "must be an array of events").error()));
    }
    for (std::size_t i = 0; i < events->as_array().size(); ++i) {
      std::string prefix = "events[" + std::to_string(i) + "].";
      const json::value& item = events->as_array()[i];
      if (!item.is_object()) {
        return call.respond(problem(fail(ErrorCode::kInvalidArgument,
                                         "events[" + std::to_string(i) + "]", "must be an object")
                                        .error()));
      }
      auto ev = event_from(item.as_object(), zone_of(api, call), prefix);
      if (!ev) return call.respond(problem(ev.error()));
      ev->order_id = order.id;
      upsert.events.push_back(std::move(*ev));
    }
  }
  app::Command c;
  c.body = std::move(upsert);
  api.write(std::move(call), std::move(c), [](const app::Response& r) {
    bool was_created = json::parse(r.json).as_object().at("created").as_bool();
    return json_reply(r.json, was_created ? 201 : 200);
  });
}

void order_get(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto found = store.find_order(c.key.program_id, c.params[0]);
    if (!found) return problem(found.error());
    if (!*found) return problem(404, "not_found", "order_id", "no order '" + c.params[0] + "'");
    return json_reply(json::serialize(app::order_record_json(**found)));
  });
}

namespace {

// The event `body` describes, applied to the order of the route.
void write_event(Api& api, Call&& call, const json::object& body) {
  auto ev = event_from(body, zone_of(api, call), "");
  if (!ev) return call.respond(problem(ev.error()));
  ev->order_id = call.params[0];
  app::Command c;
  c.body = std::move(*ev);
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json, 200); });
}

}  // namespace

void order_event(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  write_event(api, std::move(call), *body);
}

// POST /v1/orders/{order_id}/refunds: a `refunded` event without naming it
// ({"refund_id", "lines" | "amount", "at"}), the same command as
// POST .../events with "event": "refunded".
void order_refund(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (body->contains("event")) {
    return call.respond(problem(400, "invalid_argument", "event",
                                "this route is a refund; other events go to /events"));
  }
  (*body)["event"] = "refunded";
  write_event(api, std::move(call), *body);
}

void cart_post(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"id", "member_id", "items", "total", "url", "at"}); !ok) {
    return call.respond(problem(ok.error()));
  }
  auto id = required_string(*body, "id");
  if (!id) return call.respond(problem(id.error()));
  auto member = required_string(*body, "member_id");
  if (!member) return call.respond(problem(member.error()));
  auto url = optional_string(*body, "url");
  if (!url) return call.respond(problem(url.error()));
  auto total = optional_integer(*body, "total");
  if (!total) return call.respond(problem(total.error()));
  auto at = optional_instant(*body, "at", zone_of(api, call));
  if (!at) return call.respond(problem(at.error()));
  app::Cart cart;
  cart.id = *id;
  cart.url = url->value_or("");
  cart.total = total->value_or(0);
  if (*at) cart.updated_at = **at;
  const json::value* items = body->if_contains("items");
  if (items == nullptr || !items->is_array()) {
    return call.respond(problem(
        fail(ErrorCode::kInvalidArgument, "items", "is required: an array of items").error()));
  }
  for (std::size_t i = 0; i < items->as_array().size(); ++i) {
    const std::string field = "items[" + std::to_string(i) + "]";
    const json::value& item = items->as_array()[i];
    if (!item.is_object()) {
      return call.respond(
          problem(fail(ErrorCode::kInvalidArgument, field, "must be an object").error()));
    }
    const json::object& o = item.as_object();
    if (auto ok =
            at_line(only_fields(o, {"sku", "name", "category", "quantity", "unit_price"}), field);
        !ok) {
      return call.respond(problem(ok.error()));
    }
    app::CartItem ci;
    auto sku = at_line(required_string(o, "sku"), field);
    if (!sku) return call.respond(problem(sku.error()));
    ci.sku = *sku;
    for (auto [name, target] : {std::pair{"name", &ci.name}, std::pair{"category", &ci.category}}) {
      auto v = at_line(optional_string(o, name), field);
      if (!v) return call.respond(problem(v.error()));
      *target = v->value_or("");
    }
    auto quantity = at_line(optional_integer(o, "quantity"), field);
    if (!quantity) return call.respond(problem(quantity.error()));
    ci.quantity = quantity->value_or(1);
    auto price = at_line(required_integer(o, "unit_price"), field);
    if (!price) return call.respond(problem(price.error()));
    ci.unit_price = *price;
    cart.items.push_back(std::move(ci));
  }
  app::Command c;
  c.member_id = *member;
  c.body = app::PutCart{std::move(cart)};
  api.write(std::move(call), std::move(c), [](const app::Response& r) {
    bool created = json::parse(r.json).as_object().at("created").as_bool();
    return json_reply(r.json, created ? 201 : 200);
  });
}

void cart_get(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto found = store.find_cart(c.key.program_id, c.params[0]);
    if (!found) return problem(found.error());
    if (!*found) return problem(404, "not_found", "cart_id", "no cart '" + c.params[0] + "'");
    return json_reply(json::serialize(app::cart_json(**found)));
  });
}

void product_post(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"sku", "name", "category", "brand", "url", "price", "at"});
      !ok) {
    return call.respond(problem(ok.error()));
  }
  app::Product p;
  auto sku = required_string(*body, "sku");
  if (!sku) return call.respond(problem(sku.error()));
  p.sku = *sku;
  auto name = required_string(*body, "name");
  if (!name) return call.respond(problem(name.error()));
  p.name = *name;
  for (auto [field, target] : {std::pair{"category", &p.category}, std::pair{"brand", &p.brand},
                               std::pair{"url", &p.url}}) {
    auto v = optional_string(*body, field);
    if (!v) return call.respond(problem(v.error()));
    *target = v->value_or("");
  }
  auto price = optional_integer(*body, "price");
  if (!price) return call.respond(problem(price.error()));
  p.price = price->value_or(0);
  auto at = optional_instant(*body, "at", zone_of(api, call));
  if (!at) return call.respond(problem(at.error()));
  if (*at) p.announced_at = **at;
  app::Command c;
  c.body = app::AnnounceProduct{std::move(p)};
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json, 201); });
}

void product_get(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto found = store.find_product(c.key.program_id, c.params[0]);
    if (!found) return problem(found.error());
    if (!*found) return problem(404, "not_found", "sku", "no product '" + c.params[0] + "'");
    return json_reply(json::serialize(app::product_json(**found)));
  });
}

}  // namespace patron::http::handlers
