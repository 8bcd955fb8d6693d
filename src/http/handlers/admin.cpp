#include <boost/json.hpp>

#include "app/json_codec.h"
#include "app/queries.h"
#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

namespace {

template <class T>
json::value newest_first_cursor(const std::vector<T>& rows, std::size_t limit) {
  return rows.size() == limit && !rows.empty() ? json::value(std::to_string(rows.back().id))
                                               : json::value(nullptr);
}

}  // namespace

void keys_create(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"role", "label"}); !ok)
    return call.respond(problem(ok.error()));
  auto role_text = required_string(*body, "role");
  if (!role_text) return call.respond(problem(role_text.error()));
  auto role = app::parse_role(*role_text);
  if (!role) {
    return call.respond(problem(400, "invalid_argument", "role",
                                "must be admin, integration, storefront or analyst"));
  }
  auto label = optional_string(*body, "label");
  if (!label) return call.respond(problem(label.error()));
  auto made = app::make_key(call.key.program_id, *role, label->value_or(""), api.clock().now());
  if (!made) return call.respond(problem(made.error()));
  app::Command c;
  c.body = app::CreateKey{made->record};
  api.write(std::move(call), std::move(c), [secret = made->secret](const app::Response& r) {
    json::object out = json::parse(r.json).as_object();
    // The secret exists only in this reply; a replay cannot show it again.
    if (!r.replayed) out["key"] = secret;
    return json_reply(json::serialize(out), 201);
  });
}

void keys_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto keys = store.api_keys(c.key.program_id);
    if (!keys) return problem(keys.error());
    json::array items;
    for (const auto& k : *keys) items.emplace_back(app::api_key_json(k));
    return json_reply(json::serialize(json::object{{"keys", items}}));
  });
}

void key_revoke(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {}); !ok) return call.respond(problem(ok.error()));
  app::Command c;
  std::string key_id = call.params[0];
  c.body = app::RevokeKey{key_id};
  api.write(std::move(call), std::move(c), [&api, key_id](const app::Response& r) {
    api.forget_key(key_id);
    return json_reply(r.json);
  });
}

void audit_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    if (auto after = id_after(*page); !after) return problem(after.error());
    auto entries = store.audit_log(c.key.program_id, *page);
    if (!entries) return problem(entries.error());
    json::array items;
    for (const auto& e : *entries) items.emplace_back(app::audit_entry_json(e));
    return json_reply(json::serialize(json::object{
        {"entries", items}, {"next_cursor", newest_first_cursor(*entries, page->limit)}}));
  });
}

void jobs_list(Api& api, Call&& call) {
  json::array jobs;
  for (std::string_view name : app::kJobNames) {
    jobs.emplace_back(json::object{{"name", name},
                                   {"interval_s", api.options().jobs_interval_s > 0
                                                      ? json::value(api.options().jobs_interval_s)
                                                      : json::value(nullptr)},
                                   {"daily", app::daily_job(name)}});
  }
  call.respond(json_reply(json::serialize(json::object{{"jobs", jobs}})));
}

void job_runs_list(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto page = page_request(c);
    if (!page) return problem(page.error());
    if (auto after = id_after(*page); !after) return problem(after.error());
    auto runs = store.job_runs(c.key.program_id, *page);
    if (!runs) return problem(runs.error());
    json::array items;
    for (const auto& r : *runs) items.emplace_back(app::job_run_json(r));
    return json_reply(json::serialize(
        json::object{{"runs", items}, {"next_cursor", newest_first_cursor(*runs, page->limit)}}));
  });
}

// Jobs are idempotent by nature (a rerun finds nothing due), so no
// Idempotency-Key is needed; one given is ignored.
void job_run(Api& api, Call&& call) {
  auto body = object_body(call);
  if (!body) return call.respond(problem(body.error()));
  if (auto ok = only_fields(*body, {"job"}); !ok) return call.respond(problem(ok.error()));
  auto job = required_string(*body, "job");
  if (!job) return call.respond(problem(job.error()));
  auto names = app::jobs_named(*job);
  if (!names) return call.respond(problem(names.error()));
  // Runs on a reader thread, which waits for the writer while the job runs.
  api.read(std::move(call), [&api, names = *names](app::Store& store, Call& c) -> Reply {
    json::array runs;
    Instant as_of = api.clock().now();
    for (const auto& name : names) {
      auto run = app::run_and_record(api.writer(), store, api.clock(), c.key.program_id, name,
                                     as_of, "api");
      if (!run) return problem(run.error());
      api.metrics().job_run(run->ok);
      runs.emplace_back(app::job_run_json(*run));
    }
    return json_reply(json::serialize(json::object{{"runs", runs}}));
  });
}

}  // namespace patron::http::handlers
