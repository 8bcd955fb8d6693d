// The reward catalog (docs/checkout.md "Reward catalog"): GET /v1/rewards
// (?member_id= judges every item for that member), POST
// /v1/members/{member_id}/redemptions {"item_id"} (buys an item with its
// wallet), GET /v1/members/{member_id}/redemptions (newest first), POST
// /v1/redemptions/{redemption_id}/refund {"reason"} (audited).
#include <boost/json.hpp>
#include <charconv>

#include "app/catalog.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

void rewards_list(Api& api, Call&& call) {
  api.read(std::move(call), [&api](app::Store& store, Call& c) -> Reply {
    auto program = api.writer().programs().find(c.key.program_id);
    if (!program) return problem(program.error());
    std::string member_id = query_value(c, "member_id");
    std::optional<app::Member> member;
    if (!member_id.empty()) {
      auto m = store.find_member(c.key.program_id, member_id);
      if (!m) return problem(m.error());
      if (!*m) return problem(404, "not_found", "member_id", "no member '" + member_id + "'");
      member = std::move(**m);
    }
    auto out = app::catalog_json(store, **program, member ? &*member : nullptr, api.clock().now());
    if (!out) return problem(out.error());
    return json_reply(json::serialize(*out));
  });
}

void redemption_create(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"item_id"}); !ok) return call.respond(problem(ok.error()));
  auto item = required_string(*body, "item_id");
  if (!item) return call.respond(problem(item.error()));
  app::Command c;
  c.member_id = call.params[0];
  c.body = app::RedeemReward{*item};
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json, 201); });
}

void redemptions_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    auto rows = store.reward_redemptions_page(c.key.program_id, c.params[0], *page);
    if (!rows) return problem(rows.error());
    json::array items;
    for (const auto& r : *rows) items.emplace_back(app::reward_redemption_json(r));
    json::value next = rows->size() == page->limit ? json::value(std::to_string(rows->back().id))
                                                   : json::value(nullptr);
    return json_reply(json::serialize(json::object{{"redemptions", items}, {"next_cursor", next}}));
  });
}

void redemption_refund(Api& api, Call&& call) {
  const std::string& text = call.params[0];
  int64_t id = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || p != text.data() + text.size() || id <= 0) {
    return call.respond(
        problem(400, "invalid_argument", "redemption_id", "must be a positive whole number"));
  }
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"reason"}); !ok) return call.respond(problem(ok.error()));
  auto reason = optional_string(*body, "reason");
  if (!reason) return call.respond(problem(reason.error()));
  app::Command c;
  c.body = app::RefundRedemption{id, reason->value_or("")};
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json); });
}

}  // namespace patron::http::handlers
