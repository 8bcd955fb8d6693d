// GET /v1/referrals, POST /v1/referrals/{referee_id}/approve|reject: the
// referral review queue (docs/api.md "Referrals").
#include <boost/json.hpp>

#include "app/json_codec.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

void referrals_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    std::string state = query_value(c, "state");
    if (!state.empty() && state != "pending" && state != "review" && state != "rewarded" &&
        state != "rejected") {
      return problem(400, "invalid_argument", "state",
                     "must be pending, review, rewarded or rejected");
    }
    auto referrals = store.referrals_page(c.key.program_id, state, *page);
    if (!referrals) return problem(referrals.error());
    json::array items;
    for (const auto& r : *referrals) items.emplace_back(app::referral_json(r));
    json::value next = referrals->size() == page->limit ? json::value(referrals->back().referee_id)
                                                        : json::value(nullptr);
    return json_reply(
        json::serialize(json::object{{"referrals", std::move(items)}, {"next_cursor", next}}));
  });
}

namespace {

void decide(Api& api, Call&& call, bool approve) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"note"}); !ok) return call.respond(problem(ok.error()));
  auto note = optional_string(*body, "note");
  if (!note) return call.respond(problem(note.error()));
  app::Command c;
  c.member_id = call.params[0];
  c.body = app::DecideReferral{approve, note->value_or("")};
  api.write(std::move(call), std::move(c),
            [](const app::Response& r) { return json_reply(r.json); });
}

}  // namespace

void referral_approve(Api& api, Call&& call) {
  decide(api, std::move(call), true);
}

void referral_reject(Api& api, Call&& call) {
  decide(api, std::move(call), false);
}

}  // namespace patron::http::handlers
