// Webhook endpoints, their delivery logs and the outbox over HTTP
// (docs/webhooks.md): POST/GET /v1/webhooks, PATCH /v1/webhooks/{id},
// GET /v1/webhooks/{id}/deliveries, POST /v1/webhooks/{id}/replay,
// GET /v1/events.
#include "app/webhooks.h"

#include <boost/json.hpp>
#include <charconv>

#include "app/outbox.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

namespace {

Result<std::optional<std::vector<std::string>>> optional_strings(const json::object& body,
                                                                 const char* name) {
  const json::value* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_array()) return fail(ErrorCode::kInvalidArgument, name, "must be an array of strings");
  std::vector<std::string> out;
  for (const json::value& item : v->as_array()) {
    if (!item.is_string()) {
      return fail(ErrorCode::kInvalidArgument, name, "must be an array of strings");
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

}  // namespace

void webhook_create(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"url", "secret", "events", "max_in_flight", "messages"}); !ok) {
    return call.respond(problem(ok.error()));
  }
  auto url = required_string(*body, "url");
  if (!url) return call.respond(problem(url.error()));
  auto secret = required_string(*body, "secret");
  if (!secret) return call.respond(problem(secret.error()));
  auto events = optional_strings(*body, "events");
  if (!events) return call.respond(problem(events.error()));
  auto in_flight = optional_integer(*body, "max_in_flight");
  if (!in_flight) return call.respond(problem(in_flight.error()));
  auto messages = optional_bool(*body, "messages", false);
  if (!messages) return call.respond(problem(messages.error()));
  auto id = app::make_webhook_id();
  if (!id) return call.respond(problem(id.error()));
  app::WebhookEndpoint e;
  e.id = *id;
  e.url = *url;
  e.secret = *secret;
  e.events = events->value_or(std::vector<std::string>{"*"});
  e.max_in_flight = in_flight->value_or(8);
  e.messages = *messages;
  app::Command c;
  c.body = app::CreateWebhook{std::move(e)};
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json, 201); });
}

void webhooks_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto all = store.webhook_endpoints(c.key.program_id);
    if (!all) return problem(all.error());
    json::array items;
    for (const auto& e : *all) items.emplace_back(app::webhook_json(e));
    return json_reply(json::serialize(json::object{{"webhooks", items}}));
  });
}

void webhook_update(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok =
          only_fields(*body, {"url", "secret", "events", "enabled", "max_in_flight", "messages"});
      !ok) {
    return call.respond(problem(ok.error()));
  }
  app::UpdateWebhook u;
  u.id = call.params[0];
  auto url = optional_string(*body, "url");
  if (!url) return call.respond(problem(url.error()));
  u.url = *url;
  auto secret = optional_string(*body, "secret");
  if (!secret) return call.respond(problem(secret.error()));
  u.secret = *secret;
  auto events = optional_strings(*body, "events");
  if (!events) return call.respond(problem(events.error()));
  u.events = *events;
  if (const json::value* enabled = body->if_contains("enabled");
      enabled != nullptr && !enabled->is_null()) {
    if (!enabled->is_bool()) {
      return call.respond(problem(400, "invalid_argument", "enabled", "must be true or false"));
    }
    u.enabled = enabled->as_bool();
  }
  auto in_flight = optional_integer(*body, "max_in_flight");
  if (!in_flight) return call.respond(problem(in_flight.error()));
  u.max_in_flight = *in_flight;
  if (const json::value* messages = body->if_contains("messages");
      messages != nullptr && !messages->is_null()) {
    if (!messages->is_bool()) {
      return call.respond(problem(400, "invalid_argument", "messages", "must be true or false"));
    }
    u.messages = messages->as_bool();
  }
  app::Command c;
  c.body = std::move(u);
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json); });
}

void webhook_deliveries(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    if (auto after = id_after(*page); !after) return problem(after.error());
    std::string state = query_value(c, "state");
    if (!state.empty() && state != "pending" && state != "delivered" && state != "dead") {
      return problem(400, "invalid_argument", "state", "must be pending, delivered or dead");
    }
    if (auto known = app::find_webhook(store, c.key.program_id, c.params[0]); !known) {
      return problem(known.error());
    }
    auto rows = store.deliveries_page(c.key.program_id, c.params[0], state, *page);
    if (!rows) return problem(rows.error());
    json::array items;
    for (const auto& d : *rows) items.emplace_back(app::delivery_json(d));
    json::value next = rows->size() == page->limit && !rows->empty()
                           ? json::value(std::to_string(rows->back().id))
                           : json::value(nullptr);
    return json_reply(json::serialize(json::object{{"deliveries", items}, {"next_cursor", next}}));
  });
}

void webhook_replay(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"delivery_id"}); !ok) return call.respond(problem(ok.error()));
  auto delivery = optional_integer(*body, "delivery_id");
  if (!delivery) return call.respond(problem(delivery.error()));
  if (delivery->value_or(1) <= 0) {
    return call.respond(
        problem(400, "invalid_argument", "delivery_id", "must be a positive whole number"));
  }
  app::Command c;
  c.body = app::ReplayDeliveries{call.params[0], delivery->value_or(0)};
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json); });
}

void events_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    int64_t after = 0;
    if (!page->after.empty()) {
      auto id = app::parse_event_id(page->after);
      if (!id) return problem(400, "invalid_argument", "after", "must be an event id evt_N");
      after = *id;
    }
    auto rows =
        store.events_after(c.key.program_id, query_value(c, "member_id"), after, page->limit);
    if (!rows) return problem(rows.error());
    json::array items;
    for (const auto& e : *rows) items.emplace_back(app::event_json(e));
    json::value next = rows->size() == page->limit && !rows->empty()
                           ? json::value(app::event_wire_id(rows->back().id))
                           : json::value(nullptr);
    return json_reply(json::serialize(json::object{{"events", items}, {"next_cursor", next}}));
  });
}

}  // namespace patron::http::handlers
