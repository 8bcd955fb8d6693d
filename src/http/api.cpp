#include "http/api.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <memory>

#include "core/limits.h"
#include "core/text.h"
#include "http/problem.h"

namespace patron::http {

namespace json = boost::json;

namespace {

std::vector<std::string> route_names() {
  std::vector<std::string> names;
  for (const Route& r : routes()) names.push_back(std::string(r.method) + " " + r.pattern);
  names.push_back("unmatched");
  return names;
}

std::vector<std::string_view> pattern_segments(std::string_view pattern) {
  std::vector<std::string_view> out;
  while (!pattern.empty()) {
    pattern.remove_prefix(1);  // '/'
    auto slash = pattern.find('/');
    out.push_back(pattern.substr(0, slash));
    pattern = slash == std::string_view::npos ? std::string_view() : pattern.substr(slash);
  }
  return out;
}

// Matches decoded path segments against a pattern; fills `params`.
bool matches(std::string_view pattern, const std::vector<std::string>& segments,
             std::vector<std::string>& params) {
  auto parts = pattern_segments(pattern);
  if (parts.size() != segments.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!parts[i].empty() && parts[i].front() == '{') {
      if (segments[i].empty()) return false;
      params.push_back(segments[i]);
    } else if (parts[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

bool is_media(std::string_view content_type, std::string_view expected) {
  auto semicolon = content_type.find(';');
  std::string_view media = content_type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media == expected;
}

}  // namespace

Reply json_reply(std::string body, int status) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Api::Api(app::Writer& writer, app::ReaderPool& readers, const app::Clock& clock, ApiOptions options)
    : writer_(writer),
      readers_(readers),
      clock_(clock),
      options_(options),
      metrics_(route_names()) {}

void Api::handle(Request request, Respond respond) {
  auto started = std::chrono::steady_clock::now();
  // Find the route first, so metrics and the log can name it.
  std::vector<std::string> segments;
  std::multimap<std::string, std::string> query;
  bool bad_target = false;
  if (auto url = boost::urls::parse_origin_form(request.target); url) {
    for (auto segment : url->segments()) segments.push_back(std::string(segment));
    // '+' stays '+' (RFC 3986); only %XX is decoded.
    for (auto param : url->params(boost::urls::encoding_opts(false, false, false))) {
      query.emplace(std::string(param.key), std::string(param.value));
    }
  } else {
    bad_target = true;
  }
  std::size_t route = routes().size();
  std::vector<std::string> params;
  std::string allowed;
  for (std::size_t i = 0; i < routes().size() && !bad_target; ++i) {
    if (!matches(routes()[i].pattern, segments, params)) continue;
    // HEAD is GET without the body (the transport drops it).
    std::string_view method = request.method;
    if (method == "HEAD") method = "GET";
    if (method == routes()[i].method) {
      route = i;
      break;
    }
    allowed += allowed.empty() ? "" : ", ";
    allowed += routes()[i].method;
  }
  Respond measured = [route, started, respond = std::move(respond)](Reply reply) mutable {
    reply.route_index = route;
    reply.started = started;
    respond(std::move(reply));
  };
  if (bad_target) {
    return measured(problem(400, "malformed_target", "target", "the request target is not a path"));
  }
  if (route == routes().size()) {
    if (allowed.empty()) {
      return measured(problem(404, "no_route", "", "no route for " + request.target));
    }
    Reply r = problem(405, "method_not_allowed", "", request.method + " is not allowed here");
    r.headers.emplace_back("Allow", allowed);
    return measured(std::move(r));
  }
  if (!request.idempotency_key.empty() && (request.idempotency_key.size() > limits::kIdBytesMax ||
                                           !printable_ascii(request.idempotency_key))) {
    return measured(problem(400, "invalid_argument", "Idempotency-Key",
                            "must be 1 to 128 printable ASCII characters"));
  }
  const char* media = routes()[route].body_media;
  if ((request.method == "POST" || request.method == "PUT" || request.method == "PATCH") &&
      !request.body.empty() && !is_media(request.content_type, media)) {
    return measured(problem(415, "unsupported_media_type", "Content-Type",
                            std::string("send the body as ") + media));
  }
  Call call{std::move(request), std::move(params), std::move(query), {}, std::move(measured)};
  dispatch(std::move(call), route);
}

void Api::record(std::string_view method, std::string_view target, const Reply& reply) {
  std::size_t route = std::min(reply.route_index, routes().size());
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  reply.started)
                .count();
  if (reply.started == std::chrono::steady_clock::time_point{}) us = 0;  // refused before routing
  metrics_.record(route, reply.status, us);
  if (options_.access_log == nullptr) return;
  json::object line{{"ts", format_instant(clock_.now())},
                    {"method", method},
                    {"target", target},
                    {"route", route < routes().size() ? routes()[route].pattern : ""},
                    {"status", reply.status},
                    {"us", us},
                    {"bytes", reply.body.size()},
                    {"actor", reply.actor}};
  std::string text = json::serialize(line);
  text += '\n';
  std::lock_guard lock(log_mutex_);
  std::fwrite(text.data(), 1, text.size(), options_.access_log);
  std::fflush(options_.access_log);
}

std::optional<app::ApiKey> Api::cached_key(const std::string& hash) {
  std::lock_guard lock(keys_mutex_);
  auto it = keys_.find(hash);
  if (it == keys_.end()) return std::nullopt;
  if (std::chrono::steady_clock::now() - it->second.fetched_at > options_.key_cache_ttl) {
    keys_.erase(it);
    return std::nullopt;
  }
  return it->second.key;
}

void Api::forget_key(const std::string& key_id) {
  std::lock_guard lock(keys_mutex_);
  ++revocations_;
  std::erase_if(keys_, [&](const auto& entry) { return entry.second.key.id == key_id; });
}

void Api::dispatch(Call&& call, std::size_t route) {
  const Route& r = routes()[route];
  if (!r.permission) return r.handler(*this, std::move(call));
  std::string_view auth = call.request.authorization;
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer) {
    Reply reply = problem(401, "unauthorized", "Authorization",
                          "send the API key as 'Authorization: Bearer <key>'");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return call.respond(std::move(reply));
  }
  std::string_view token = auth.substr(kBearer.size());
  if (!app::looks_like_key(token)) {
    // Not a patron key at all: answer without a database lookup.
    Reply reply = problem(401, "unauthorized", "Authorization", "unknown API key");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return call.respond(std::move(reply));
  }
  std::string hash = app::hash_key(token);
  if (auto key = cached_key(hash)) return authenticated(std::move(call), route, *key);
  auto shared = std::make_shared<Call>(std::move(call));
  uint64_t epoch = 0;
  {
    std::lock_guard lock(keys_mutex_);
    epoch = revocations_;
  }
  run_read(
      [this, shared, route, hash, epoch](app::Store& store) {
        auto found = store.find_api_key(hash);
        if (!found) return shared->respond(problem(found.error()));
        if (!*found) {
          Reply reply = problem(401, "unauthorized", "Authorization", "unknown API key");
          reply.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
          return shared->respond(std::move(reply));
        }
        {
          std::lock_guard lock(keys_mutex_);
          // Bounded: only keys that exist are cached, and there are few of
          // them. A revocation during the lookup may have been read before
          // it committed: then do not cache what was read.
          if (revocations_ == epoch) {
            keys_[hash] = CachedKey{**found, std::chrono::steady_clock::now()};
          }
        }
        authenticated(std::move(*shared), route, **found);
      },
      true, shared->respond);
}

void Api::authenticated(Call&& call, std::size_t route, const app::ApiKey& key) {
  if (key.revoked_at) {
    Reply reply = problem(401, "unauthorized", "Authorization", "this API key was revoked");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return call.respond(std::move(reply));
  }
  const Route& r = routes()[route];
  if (!app::allows(key.role, *r.permission)) {
    Reply reply =
        problem(403, "forbidden", "",
                "this route needs permission '" + std::string(app::to_string(*r.permission)) +
                    "', which " + std::string(app::to_string(key.role)) + " keys do not have");
    reply.actor = key.id;
    return call.respond(std::move(reply));
  }
  call.key = key;
  // Every reply names the caller in the access log.
  call.respond = [actor = key.id, inner = std::move(call.respond)](Reply reply) mutable {
    reply.actor = actor;
    inner(std::move(reply));
  };
  r.handler(*this, std::move(call));
}

bool Api::alone() const {
  // A connection reads its next request only once the last one is answered,
  // and is counted closed only after that: one open connection means this
  // request is the only one in flight.
  return metrics_.open_connections() == 1;
}

void Api::run_read(app::ReaderPool::Task task, bool point, Respond& overloaded) {
  if (point && alone()) {
    app::ReaderPool::Task counted = [this, &task](app::Store& store) {
      // Before the reply leaves. Not counted when a reader thread (a key
      // lookup's continuation) borrows a second connection: no I/O thread.
      if (!app::ReaderPool::on_reader_thread()) metrics_.read_here();
      task(store);
    };
    if (readers_.try_run_here(counted)) return;
  }
  if (!readers_.post(std::move(task))) {
    overloaded(problem(503, "overloaded", "", "too many requests are waiting; retry later"));
  }
}

void Api::read(Call&& call, ReadWork work) {
  read_on(std::move(call), std::move(work), false);
}

void Api::point_read(Call&& call, ReadWork work) {
  read_on(std::move(call), std::move(work), true);
}

void Api::read_on(Call&& call, ReadWork work, bool point) {
  auto shared = std::make_shared<std::pair<Call, ReadWork>>(std::move(call), std::move(work));
  run_read(
      [shared](app::Store& store) {
        Reply reply = shared->second(store, shared->first);
        shared->first.respond(std::move(reply));
      },
      point, shared->first.respond);
}

void Api::write(Call&& call, app::Command command, ReplyMaker make) {
  command.program_id = call.key.program_id;
  command.idempotency_key = call.request.idempotency_key;
  command.actor = call.key.id;
  auto respond = std::make_shared<Respond>(std::move(call.respond));
  auto maker = std::make_shared<ReplyMaker>(std::move(make));
  writer_.submit(std::move(command), [respond, maker](Result<app::Response> result) {
    if (!result) {
      Error e = result.error();
      if (e.field == "idempotency_key") e.field = "Idempotency-Key";  // the header at fault
      if (e.field == "If-Match")
        return (*respond)(problem(412, "precondition_failed", e.field, e.message));
      return (*respond)(problem(e));
    }
    Reply reply = (*maker)(*result);
    if (result->replayed) reply.headers.emplace_back("Idempotency-Replayed", "true");
    (*respond)(std::move(reply));
  });
}

}  // namespace patron::http
