// patron serve, keys create|list|revoke, program create.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <iostream>

#include "app/json_codec.h"
#include "app/keys.h"
#include "app/reader_pool.h"
#include "cli/cli.h"
#include "cli/context.h"
#include "http/api.h"
#include "http/server.h"
#include "jobs/scheduler.h"
#include "webhooks/worker.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

// Reads wait here when every reader thread is busy; past this, 503.
constexpr std::size_t kReaderQueueMax = 10'000;

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(ErrorCode::kInvalidArgument, "--listen", "expected HOST:PORT, got '" + text + "'");
  }
  std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || p != port_text.data() + port_text.size() || port > 65535) {
    return fail(ErrorCode::kInvalidArgument, "--listen", "the port must be 0 to 65535");
  }
  return std::pair{text.substr(0, colon), static_cast<uint16_t>(port)};
}

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::size_t threads = 1;
  std::size_t readers = 2;
  int64_t jobs_interval_s = 60;
  bool quiet = false;
  bool no_webhooks = false;
  int64_t webhook_attempts = 8;
  int64_t webhook_backoff_ms = 30'000;
};

Result<int> serve(Context& ctx, const ServeArgs& args) {
  auto where = parse_listen(args.listen);
  if (!where) return std::unexpected(where.error());
  if (args.threads == 0 || args.threads > 64) {
    return fail(ErrorCode::kInvalidArgument, "--threads", "must be between 1 and 64");
  }
  auto pool = app::ReaderPool::start(*ctx.factory, args.readers, kReaderQueueMax);
  if (!pool) return std::unexpected(pool.error());
  http::ApiOptions options;
  options.access_log = args.quiet ? nullptr : stderr;
  options.jobs_interval_s = args.jobs_interval_s;
  http::Api api(*ctx.writer, **pool, ctx.clock(), options);
  http::Server server(api, http::ServerOptions{where->first, where->second, args.threads, true});
  auto port = server.listen();
  if (!port) return std::unexpected(port.error());
  std::unique_ptr<jobs::Scheduler> scheduler;
  if (args.jobs_interval_s > 0) {
    auto s = jobs::Scheduler::start(
        *ctx.writer, *ctx.factory, ctx.clock(), std::chrono::seconds(args.jobs_interval_s),
        [&api](const app::JobRun& run) { api.metrics().job_run(run.ok); });
    if (!s) return std::unexpected(s.error());
    scheduler = std::move(*s);
  }
  std::unique_ptr<webhooks::Worker> deliveries;
  if (!args.no_webhooks) {
    if (args.webhook_attempts < 1 || args.webhook_attempts > 100) {
      return fail(ErrorCode::kInvalidArgument, "--webhook-attempts", "must be 1 to 100");
    }
    if (args.webhook_backoff_ms < 1) {
      return fail(ErrorCode::kInvalidArgument, "--webhook-backoff-ms", "must be positive");
    }
    webhooks::WorkerOptions worker_options;
    worker_options.policy.max_attempts = args.webhook_attempts;
    worker_options.policy.backoff_base = std::chrono::milliseconds(args.webhook_backoff_ms);
    worker_options.idle_wait = std::chrono::milliseconds(200);
    deliveries = std::make_unique<webhooks::Worker>(*ctx.writer, ctx.clock(), worker_options);
    deliveries->start();
  }
  std::cout << "patron: listening on http://" << where->first << ":" << *port << std::endl;
  server.run([&] {
    if (scheduler) scheduler->request_stop();
    if (deliveries) deliveries->request_stop();
  });
  if (scheduler) scheduler->stop();    // waits for a job in progress
  if (deliveries) deliveries->stop();  // waits for a round in progress
  // Every reply has been sent or abandoned. Finish what the readers still
  // hold (a queued read may submit a write), then what the writer holds,
  // before the server (its io_context) and the Api go away: their callbacks
  // refer to both.
  pool->reset();
  ctx.writer->submit_exclusive([](app::Writer::Session&) -> Result<std::string> { return ""; })
      .get();
  std::cout << "patron: stopped" << std::endl;
  return kOk;
}

}  // namespace

void add_server_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  static ServeArgs args;
  auto* serve_cmd = cli.add_subcommand("serve", "run the HTTP API server");
  serve_cmd->add_option("--listen", args.listen, "HOST:PORT (port 0 picks a free one)")
      ->capture_default_str();
  serve_cmd->add_option("--threads", args.threads, "I/O threads")->capture_default_str();
  serve_cmd->add_option("--readers", args.readers, "database reader threads")
      ->capture_default_str();
  serve_cmd
      ->add_option("--wal-restart-mib", ctx.wal_restart_mib,
                   "start the WAL file over once it holds this much (each restart stalls writes "
                   "for a checkpoint); 0: never, the file grows while writes continue")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20))
      ->capture_default_str();
  serve_cmd
      ->add_option("--jobs-interval", args.jobs_interval_s,
                   "seconds between scheduled job runs; 0 turns the scheduler off")
      ->capture_default_str();
  serve_cmd->add_flag("--quiet", args.quiet, "no access log");
  serve_cmd->add_flag("--no-webhooks", args.no_webhooks, "do not deliver webhooks");
  serve_cmd
      ->add_option("--webhook-attempts", args.webhook_attempts,
                   "attempts before a webhook delivery is dead")
      ->capture_default_str();
  serve_cmd
      ->add_option("--webhook-backoff-ms", args.webhook_backoff_ms,
                   "wait before the first retry; doubles per attempt (with jitter)")
      ->capture_default_str();
  serve_cmd->callback([&] {
    ctx.serving = true;
    action = [&]() -> Result<int> { return serve(ctx, args); };
  });

  auto* keys = cli.add_subcommand("keys", "API keys")->require_subcommand(1);
  static std::string role_text = "integration", label, key_id;
  auto* create = keys->add_subcommand("create", "create a key; prints it once, on the last line");
  create->add_option("--role", role_text, "admin, integration, storefront or analyst")->required();
  create->add_option("--label", label, "a note: who or what uses the key");
  create->callback([&] {
    action = [&]() -> Result<int> {
      auto role = app::parse_role(role_text);
      if (!role) {
        return fail(ErrorCode::kInvalidArgument, "--role",
                    "must be admin, integration, storefront or analyst");
      }
      auto made = app::make_key(ctx.program_id, *role, label, ctx.now());
      if (!made) return std::unexpected(made.error());
      app::Command c = ctx.command("", "", "", app::CreateKey{made->record});
      auto r = ctx.writer->execute(std::move(c));
      if (!r) return std::unexpected(r.error());
      json::object out = json::parse(r->json).as_object();
      out["key"] = made->secret;
      if (ctx.json_output) {
        std::cout << json::serialize(out) << "\n";
      } else {
        std::cout << "created " << made->record.id << " (" << role_text << ", program "
                  << ctx.program_id << "); the key is shown only now:\n"
                  << made->secret << "\n";
      }
      return kOk;
    };
  });
  auto* list = keys->add_subcommand("list", "keys of the program (never their secrets)");
  list->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto all = ctx.reader->api_keys(ctx.program_id);
      if (!all) return std::unexpected(all.error());
      json::array items;
      for (const auto& k : *all) items.emplace_back(app::api_key_json(k));
      if (ctx.json_output) {
        std::cout << json::serialize(json::object{{"keys", items}}) << "\n";
      } else {
        for (const auto& k : *all) {
          std::cout << k.id << "  " << app::to_string(k.role) << "  "
                    << format_instant(k.created_at)
                    << (k.revoked_at ? "  revoked " + format_instant(*k.revoked_at) : "") << "  "
                    << k.label << "\n";
        }
      }
      return kOk;
    };
  });
  auto* revoke =
      keys->add_subcommand("revoke", "revoke a key (a running server notices within 10 s)");
  revoke->add_option("KEY_ID", key_id)->required();
  revoke->callback([&] {
    action = [&]() -> Result<int> {
      auto r = ctx.writer->execute(ctx.command("", "", "", app::RevokeKey{key_id}));
      if (!r) return std::unexpected(r.error());
      std::cout << (ctx.json_output ? r->json : "revoked " + key_id) << "\n";
      return kOk;
    };
  });

  auto* program = cli.get_subcommand("program");
  static app::Program created;
  auto* program_create = program->add_subcommand(
      "create", "create an empty program with the default wallets (config files: issue 4)");
  program_create->add_option("ID", created.id)->required();
  program_create->add_option("--currency", created.currency)->capture_default_str();
  program_create->add_option("--minor-digits", created.minor_digits)->capture_default_str();
  program_create->add_option("--time-zone", created.time_zone)->capture_default_str();
  program_create->callback([&] {
    action = [&]() -> Result<int> {
      if (created.id.empty() || created.id.size() > 64) {
        return fail(ErrorCode::kInvalidArgument, "ID", "must be 1 to 64 characters");
      }
      if (ctx.writer->programs().find(created.id)) {
        return fail(ErrorCode::kConflict, "ID", "program '" + created.id + "' exists");
      }
      if (auto z = app::resolve_zone(created.time_zone); !z) return std::unexpected(z.error());
      if (created.currency.size() != 3 ||
          !std::all_of(created.currency.begin(), created.currency.end(),
                       [](char c) { return c >= 'A' && c <= 'Z'; })) {
        return fail(ErrorCode::kInvalidArgument, "--currency",
                    "must be an ISO 4217 code of three capital letters");
      }
      if (created.minor_digits < 0 || created.minor_digits > 4) {
        return fail(ErrorCode::kInvalidArgument, "--minor-digits", "must be 0 to 4");
      }
      app::Program p = app::default_program();
      std::string id = created.id;
      p.id = id;
      p.currency = created.currency;
      p.minor_digits = created.minor_digits;
      p.time_zone = created.time_zone;
      for (auto& w : p.wallets) {
        if (w.name == "credit") {
          w.minor_digits = p.minor_digits;
          w.unit = p.currency;
        }
      }
      auto done = ctx.writer->submit_exclusive([p](app::Writer::Session& s) -> Result<std::string> {
        if (auto r = s.begin(); !r) return std::unexpected(r.error());
        // Checked again under the write lock: another process may have
        // created it since this one started (put_program would overwrite).
        auto existing = s.store().programs();
        if (!existing) {
          s.rollback();
          return std::unexpected(existing.error());
        }
        for (const auto& e : *existing) {
          if (e.id == p.id) {
            s.rollback();
            return fail(ErrorCode::kConflict, "ID", "program '" + p.id + "' exists");
          }
        }
        if (auto r = s.store().put_program(p); !r) {
          s.rollback();
          return std::unexpected(r.error());
        }
        if (auto r = s.commit(); !r) return std::unexpected(r.error());
        return json::serialize(app::program_json(p));
      });
      auto r = done.get();
      if (!r) return std::unexpected(r.error());
      std::cout << (ctx.json_output ? r->json : "created program " + id) << "\n";
      return kOk;
    };
  });
}

}  // namespace patron::cli
