// The program's configuration: GET (JSON, with an ETag of its version), the
// TOML of the current version, the list of versions, PUT a new version
// (TOML body, If-Match required) and POST validate (a dry run).
#include <boost/json.hpp>
#include <charconv>

#include "app/json_codec.h"
#include "config/program_file.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

namespace {

std::string etag(int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

// "\"3\"" (or W/"3") -> 3; anything else fails naming If-Match.
Result<int64_t> if_match_version(const Call& call) {
  std::string_view v = call.request.if_match;
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() < 3 || v.front() != '"' || v.back() != '"') {
    return fail(ErrorCode::kInvalidArgument, "If-Match", "must be the ETag of GET /v1/program");
  }
  v = v.substr(1, v.size() - 2);
  int64_t version = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc{} || p != v.data() + v.size()) {
    return fail(ErrorCode::kInvalidArgument, "If-Match", "must be the ETag of GET /v1/program");
  }
  return version;
}

void apply(Api& api, Call&& call, bool dry_run) {
  std::optional<int64_t> expected;
  if (!dry_run) {
    if (call.request.if_match.empty()) {
      return call.respond(problem(428, "precondition_required", "If-Match",
                                  "send If-Match with the ETag of GET /v1/program, so that two "
                                  "editors cannot overwrite each other"));
    }
    auto v = if_match_version(call);
    if (!v) return call.respond(problem(v.error()));
    expected = *v;
  }
  auto parsed = config::parse_program(call.request.body, "body", call.key.program_id);
  if (!parsed) return call.respond(problem(parsed.error()));
  app::Command c;
  c.body = app::ApplyProgram{*parsed, call.request.body, expected, dry_run};
  api.write(std::move(call), std::move(c), [](const app::Response& r) {
    json::object out = json::parse(r.json).as_object();
    int64_t version = out.at("program").at("version").as_int64();
    Reply reply = json_reply(r.json, out.at("applied").as_bool() ? 201 : 200);
    reply.headers.emplace_back("ETag", etag(version));
    return reply;
  });
}

}  // namespace

void program_get(Api& api, Call&& call) {
  auto p = api.writer().programs().find(call.key.program_id);
  if (!p) return call.respond(problem(p.error()));
  Reply reply = json_reply(json::serialize(app::program_json((*p)->program)));
  reply.headers.emplace_back("ETag", etag((*p)->program.version));
  call.respond(std::move(reply));
}

void program_config(Api& api, Call&& call) {
  auto p = api.writer().programs().find(call.key.program_id);
  if (!p) return call.respond(problem(p.error()));
  Reply reply;
  reply.content_type = "application/toml";
  reply.body = config::to_toml((*p)->program);
  reply.headers.emplace_back("ETag", etag((*p)->program.version));
  call.respond(std::move(reply));
}

void program_versions(Api& api, Call&& call) {
  api.read(std::move(call), [](app::Store& store, Call& c) -> Reply {
    auto list = store.program_versions(c.key.program_id);
    if (!list) return problem(list.error());
    json::array items;
    for (const auto& v : *list) {
      items.emplace_back(json::object{{"version", v.version},
                                      {"applied_at", format_instant(v.applied_at)},
                                      {"actor", v.actor},
                                      {"config", v.config}});
    }
    return json_reply(json::serialize(json::object{{"versions", items}}));
  });
}

void program_put(Api& api, Call&& call) {
  apply(api, std::move(call), false);
}

void program_validate(Api& api, Call&& call) {
  apply(api, std::move(call), true);
}

}  // namespace patron::http::handlers
