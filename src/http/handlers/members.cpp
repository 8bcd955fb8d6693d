#include <boost/json.hpp>

#include "app/json_codec.h"
#include "app/queries.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

namespace {

const date::time_zone* zone_of(Api& api, const Call& call) {
  auto p = api.writer().programs().find(call.key.program_id);
  return p ? (*p)->zone : nullptr;
}

// 201 when the command made something new, 200 otherwise.
Reply created(const app::Response& r) {
  return json_reply(r.json, 201);
}

Result<std::vector<std::string>> string_list(const json::object& o, std::string_view field) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array())
    return fail(ErrorCode::kInvalidArgument, std::string(field), "must be an array of strings");
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) {
      return fail(ErrorCode::kInvalidArgument, std::string(field), "must be an array of strings");
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

}  // namespace

void members_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    auto members = store.members_page(c.key.program_id, *page);
    if (!members) return problem(members.error());
    json::array items;
    for (const auto& m : *members) items.emplace_back(app::member_json(m));
    json::value next =
        members->size() == page->limit ? json::value(members->back().id) : json::value(nullptr);
    return json_reply(json::serialize(json::object{{"members", items}, {"next_cursor", next}}));
  });
}

void member_put(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"birthday", "email", "phone", "referred_by", "name", "locale",
                                    "consent", "tags"});
      !ok) {
    return call.respond(problem(ok.error()));
  }
  app::UpsertMember upsert;
  auto birthday = optional_string(*body, "birthday");
  auto email = optional_string(*body, "email");
  auto phone = optional_string(*body, "phone");
  auto referred_by = optional_string(*body, "referred_by");
  auto name = optional_string(*body, "name");
  auto locale = optional_string(*body, "locale");
  for (auto* r : {&birthday, &email, &phone, &referred_by, &name, &locale}) {
    if (!*r) return call.respond(problem(r->error()));
  }
  if (*birthday) {
    auto d = parse_date(**birthday, "birthday");
    if (!d) return call.respond(problem(d.error()));
    upsert.birthday = *d;
  }
  upsert.email = *email;
  upsert.phone = *phone;
  upsert.referred_by = *referred_by;
  upsert.name = *name;
  upsert.locale = *locale;
  if (const json::value* consent = body->if_contains("consent"); consent && !consent->is_null()) {
    if (!consent->is_object()) {
      return call.respond(problem(Error{ErrorCode::kInvalidArgument, "consent",
                                        "must be an object of channels and true or false "
                                        "({\"email\": true, \"sms\": false})"}));
    }
    for (const auto& [channel, given] : consent->as_object()) {
      const std::string field = "consent." + std::string(channel);
      if (!given.is_bool()) {
        return call.respond(
            problem(Error{ErrorCode::kInvalidArgument, field, "must be true or false"}));
      }
      upsert.consent[std::string(channel)] = given.as_bool();
    }
  }
  if (const json::value* tags = body->if_contains("tags"); tags && !tags->is_null()) {
    if (!tags->is_array()) {
      return call.respond(problem(Error{ErrorCode::kInvalidArgument, "tags",
                                        "must be an array of strings ([\"vip_event\"])"}));
    }
    std::vector<std::string> list;
    for (std::size_t i = 0; i < tags->as_array().size(); ++i) {
      const json::value& tag = tags->as_array()[i];
      if (!tag.is_string()) {
        return call.respond(problem(Error{ErrorCode::kInvalidArgument,
                                          "tags[" + std::to_string(i) + "]", "must be a string"}));
      }
      list.emplace_back(tag.as_string());
    }
    upsert.tags = std::move(list);
  }
  app::Command c;
  c.member_id = call.params[0];
  c.body = upsert;
  api.write(std::move(call), std::move(c), [](const app::Response& r) {
    bool was_created = json::parse(r.json).as_object().at("created").as_bool();
    return json_reply(r.json, was_created ? 201 : 200);
  });
}

void member_event(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"type", "id", "at"}); !ok) {
    return call.respond(problem(ok.error()));
  }
  auto type = required_string(*body, "type");
  if (!type) return call.respond(problem(type.error()));
  auto id = optional_string(*body, "id");
  if (!id) return call.respond(problem(id.error()));
  auto at = optional_instant(*body, "at", zone_of(api, call));
  if (!at) return call.respond(problem(at.error()));
  app::Command c;
  c.member_id = call.params[0];
  c.body = app::MemberEvent{*type, id->value_or(""), *at};
  api.write(std::move(call), std::move(c), [](const app::Response& r) {
    bool granted = !json::parse(r.json).as_object().at("granted").as_array().empty();
    return json_reply(r.json, granted ? 201 : 200);
  });
}

void member_get(Api& api, Call&& call) {
  api.point_read(std::move(call), [&api](app::Store& store, Call& c) -> Reply {
    auto view = app::member_view(store, api.writer().programs(), c.key.program_id, c.params[0],
                                 api.clock().now());
    if (!view) return problem(view.error());
    return json_reply(std::move(*view));
  });
}

void member_lots(Api& api, Call&& call) {
  api.read(std::move(call), [&api](app::Store& store, Call& c) -> Reply {
    auto view = app::member_view(store, api.writer().programs(), c.key.program_id, c.params[0],
                                 api.clock().now());
    if (!view) return problem(view.error());
    std::string only = query_value(c, "wallet");
    json::object wallets = json::parse(*view).as_object().at("wallets").as_object();
    if (!only.empty() && !wallets.contains(only)) {
      return problem(404, "not_found", "wallet", "no wallet '" + only + "'");
    }
    json::object lots;
    for (auto& [name, wallet] : wallets) {
      if (only.empty() || name == only) lots[name] = wallet.as_object().at("lots");
    }
    return json_reply(json::serialize(json::object{{"member_id", c.params[0]}, {"lots", lots}}));
  });
}

void member_ledger(Api& api, Call&& call) {
  api.read(std::move(call), [&api](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    auto after = id_after(*page);
    if (!after) return problem(after.error());
    auto view = app::ledger_page(store, api.writer().programs(), c.key.program_id, c.params[0],
                                 query_value(c, "wallet"), *after, page->limit);
    if (!view) return problem(view.error());
    return json_reply(std::move(*view));
  });
}

void member_adjust(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"wallet", "amount", "reason", "expires_at"}); !ok) {
    return call.respond(problem(ok.error()));
  }
  auto wallet = required_string(*body, "wallet");
  if (!wallet) return call.respond(problem(wallet.error()));
  auto amount = required_integer(*body, "amount");
  if (!amount) return call.respond(problem(amount.error()));
  auto reason = required_string(*body, "reason");
  if (!reason) return call.respond(problem(reason.error()));
  auto expires_at = optional_instant(*body, "expires_at", zone_of(api, call));
  if (!expires_at) return call.respond(problem(expires_at.error()));
  app::Command c;
  c.member_id = call.params[0];
  c.wallet = *wallet;
  c.body = ledger::Adjust{*amount, *reason, *expires_at};
  api.write(std::move(call), std::move(c), created);
}

void member_grant(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"wallet", "amount", "source", "reason", "expires_at",
                                    "available_at", "pending", "order_id", "lines", "scope"});
      !ok) {
    return call.respond(problem(ok.error()));
  }
  const date::time_zone* zone = zone_of(api, call);
  ledger::Grant g;
  auto wallet = required_string(*body, "wallet");
  if (!wallet) return call.respond(problem(wallet.error()));
  auto amount = required_integer(*body, "amount");
  if (!amount) return call.respond(problem(amount.error()));
  auto source = required_string(*body, "source");
  if (!source) return call.respond(problem(source.error()));
  auto reason = optional_string(*body, "reason");
  if (!reason) return call.respond(problem(reason.error()));
  auto expires_at = optional_instant(*body, "expires_at", zone);
  if (!expires_at) return call.respond(problem(expires_at.error()));
  auto available_at = optional_instant(*body, "available_at", zone);
  if (!available_at) return call.respond(problem(available_at.error()));
  auto pending = optional_bool(*body, "pending", false);
  if (!pending) return call.respond(problem(pending.error()));
  auto order_id = optional_string(*body, "order_id");
  if (!order_id) return call.respond(problem(order_id.error()));
  g.amount = *amount;
  g.source = *source;
  g.reason = reason->value_or("");
  g.expires_at = *expires_at;
  g.available_at = *available_at;
  g.pending_until_release = *pending;
  g.order_id = order_id->value_or("");
  if (const json::value* lines = body->if_contains("lines"); lines && !lines->is_null()) {
    if (!lines->is_array()) {
      return call.respond(problem(400, "invalid_argument", "lines", "must be an array"));
    }
    for (std::size_t i = 0; i < lines->as_array().size(); ++i) {
      std::string field = "lines[" + std::to_string(i) + "]";
      const json::value& item = lines->as_array()[i];
      if (!item.is_object())
        return call.respond(problem(400, "invalid_argument", field, "must be an object"));
      auto line_id = required_string(item.as_object(), "line_id");
      auto line_amount = required_integer(item.as_object(), "amount");
      if (!line_id || !line_amount || item.as_object().size() != 2) {
        return call.respond(problem(400, "invalid_argument", field,
                                    "must be {\"line_id\": string, \"amount\": integer}"));
      }
      g.line_shares.push_back(ledger::LineShare{*line_id, *line_amount, 0});
    }
  }
  if (const json::value* scope = body->if_contains("scope"); scope && !scope->is_null()) {
    if (!scope->is_object()) {
      return call.respond(problem(400, "invalid_argument", "scope", "must be an object"));
    }
    const json::object& s = scope->as_object();
    if (auto ok = only_fields(s, {"channels", "categories", "brands", "skus"}); !ok) {
      return call.respond(
          problem(400, "invalid_argument", "scope." + ok.error().field, "is not a known field"));
    }
    auto channels = string_list(s, "channels");
    auto categories = string_list(s, "categories");
    auto brands = string_list(s, "brands");
    auto skus = string_list(s, "skus");
    for (auto* r : {&channels, &categories, &brands, &skus}) {
      if (!*r)
        return call.respond(
            problem(400, "invalid_argument", "scope." + r->error().field, r->error().message));
    }
    g.scope = ledger::Scope{*channels, *categories, *brands, *skus};
  }
  app::Command c;
  c.member_id = call.params[0];
  c.wallet = *wallet;
  c.body = std::move(g);
  api.write(std::move(call), std::move(c), created);
}

}  // namespace patron::http::handlers
