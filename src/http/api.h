// The HTTP API without the transport: routes a Request to its handler,
// authenticates the Bearer key, checks the route's permission, and answers
// through Respond. Reads run on the ReaderPool, writes go to the Writer (and
// answer once their batch is durable), so the thread that calls handle()
// never waits on the database.
//
// Every handler scopes what it reads and writes by the caller's key's program
// (tenant isolation): a record of another program is reported as not found.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/clock.h"
#include "app/keys.h"
#include "app/reader_pool.h"
#include "app/writer.h"
#include "http/message.h"
#include "http/metrics.h"

namespace patron::http {

class Api;

// One request on its way through a handler.
struct Call {
  Request request;
  std::vector<std::string> params;  // decoded path parameters, in pattern order
  std::multimap<std::string, std::string> query;
  app::ApiKey key;  // the caller (empty id on public routes)
  Respond respond;
};

using Handler = void (*)(Api&, Call&&);

struct Route {
  const char* method;
  const char* pattern;                        // "/v1/members/{member_id}"
  std::optional<app::Permission> permission;  // nullopt: public (health, metrics, openapi)
  Handler handler;
  const char* body_media = "application/json";  // what a POST/PUT body must be
};

// The route table (http/routes.cpp); the OpenAPI test walks it.
const std::vector<Route>& routes();

// Where the access log goes; nullptr turns it off.
struct ApiOptions {
  std::FILE* access_log = stderr;
  // How long a key found in the store is trusted before it is looked up
  // again (a revocation from the CLI takes effect within this time).
  std::chrono::seconds key_cache_ttl{10};
  // The scheduler's period (GET /v1/jobs shows it); 0 = no scheduler.
  int64_t jobs_interval_s = 0;
};

class Api {
 public:
  Api(app::Writer& writer, app::ReaderPool& readers, const app::Clock& clock,
      ApiOptions options = {});

  void handle(Request request, Respond respond);
  // Counts the reply and writes its access-log line; the transport calls it
  // on its own thread once the reply is back.
  void record(std::string_view method, std::string_view target, const Reply& reply);

  // For handlers.
  using ReadWork = std::move_only_function<Reply(app::Store&, Call&)>;
  void read(Call&& call, ReadWork work);
  // A read of a few rows by key (a member, a quote): like read(), but when
  // the server has a single open connection and nothing else in flight it
  // runs on the calling I/O thread, where nobody else waits for it (two
  // thread hops cost more than the read; docs/decisions/0003).
  void point_read(Call&& call, ReadWork work);
  // Turns a successful command response (JSON) into a reply.
  using ReplyMaker = std::move_only_function<Reply(const app::Response&)>;
  void write(Call&& call, app::Command command, ReplyMaker make);

  app::Writer& writer() { return writer_; }
  const app::Clock& clock() const { return clock_; }
  Metrics& metrics() { return metrics_; }
  const ApiOptions& options() const { return options_; }
  std::size_t reader_queue() const { return readers_.queued(); }
  void forget_key(const std::string& key_id);  // after a revoke
  void set_ready(bool ready) { ready_ = ready; }
  bool ready() const { return ready_; }

 private:
  void dispatch(Call&& call, std::size_t route);
  void authenticated(Call&& call, std::size_t route, const app::ApiKey& key);
  std::optional<app::ApiKey> cached_key(const std::string& hash);
  bool alone() const;  // one open connection, so one request in flight
  void read_on(Call&& call, ReadWork work, bool point);
  // Runs `task` on a reader (or here: point_read), or answers 503 through
  // `overloaded` when the readers' queue is full.
  void run_read(app::ReaderPool::Task task, bool point, Respond& overloaded);

  app::Writer& writer_;
  app::ReaderPool& readers_;
  const app::Clock& clock_;
  ApiOptions options_;
  Metrics metrics_;
  std::atomic<bool> ready_{true};

  struct CachedKey {
    app::ApiKey key;
    std::chrono::steady_clock::time_point fetched_at;
  };
  std::mutex keys_mutex_;                  // guards keys_
  std::map<std::string, CachedKey> keys_;  // by secret hash
  uint64_t revocations_ = 0;               // guarded by keys_mutex_
  std::mutex log_mutex_;                   // serialises access log lines
};

// A JSON reply with status 200 (or `status`).
Reply json_reply(std::string body, int status = 200);

}  // namespace patron::http
