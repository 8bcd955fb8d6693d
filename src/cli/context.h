// What the CLI subcommands share: global options, the opened store, the
// writer and a read connection, and the error reporting. cli.cpp holds the
// ledger commands; serve.cpp holds serve, keys and program create.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/clock.h"
#include "app/writer.h"
#include "core/error.h"
#include "store/sqlite/sqlite_store.h"

namespace patron::cli {

int exit_code_for(ErrorCode code);
// Prints "patron: error: FIELD: MESSAGE (code)" to stderr; returns the exit code.
int report(const Error& e);

// Everything the subcommands share; opened lazily after parsing.
struct Context {
  std::string db_path = "patron.db";
  std::string program_id = app::kDefaultProgram;
  std::string now_text;
  bool json_output = false;

  // The wall clock, or the --now instant once open() has read it. The writer
  // and `serve` (its handlers, scheduler and delivery worker) all read this
  // one clock, so `--now` moves every part of a command or server together.
  class CliClock final : public app::Clock {
   public:
    Instant now() const override { return fixed_ ? *fixed_ : system_.now(); }
    void fix(Instant t) { fixed_ = t; }  // before any other thread reads it
    bool fixed() const { return fixed_.has_value(); }

   private:
    app::SystemClock system_;
    std::optional<Instant> fixed_;
  };
  CliClock cli_clock;
  std::unique_ptr<app::StoreFactory> factory;
  std::unique_ptr<app::Writer> writer;
  std::unique_ptr<app::Store> reader;

  // Commands that only read (show, ledger, verify) must not create an empty
  // database at a mistyped path and report on it.
  bool read_only = false;
  // `program apply` may create the program it names.
  bool program_may_be_new = false;
  // `serve`, a long-running process: checkpoint the WAL on a background
  // thread (see SqliteOptions), and read through a small page cache per
  // connection instead of a memory map. A map of the whole file counts in the
  // server's RSS once per connection (414 MiB with 1,000,000 members against
  // 37-55 MiB without); the reads it saves cost no measurable throughput
  // (docs/benchmarks.md, session 13).
  bool serving = false;
  // `serve --wal-restart-mib`: see SqliteOptions::wal_restart_frames.
  int64_t wal_restart_mib = 32;

  Result<void> open() {
    if (read_only && !std::filesystem::exists(db_path)) {
      return fail(ErrorCode::kNotFound, "--db", "no database at " + db_path);
    }
    store::SqliteOptions options;
    if (serving) {
      options.background_checkpoint = true;
      options.mmap_bytes = 0;
      options.cache_kib = 16 * 1024;
      options.wal_restart_frames = wal_restart_mib * 256;  // 4 KiB pages
    }
    auto f = store::open_sqlite(db_path, options);
    if (!f) return std::unexpected(f.error());
    factory = std::move(*f);
    auto w = app::Writer::start(*factory, cli_clock);
    if (!w) return std::unexpected(w.error());
    writer = std::move(*w);
    auto program = writer->programs().find(program_id);
    if (!program && !program_may_be_new) return std::unexpected(program.error());
    if (!now_text.empty()) {
      // A program being created has no zone yet: --now must carry an offset.
      auto t = parse_instant(now_text, program ? (*program)->zone : nullptr, "--now");
      if (!t) return std::unexpected(t.error());
      cli_clock.fix(*t);
    }
    auto r = factory->open();
    if (!r) return std::unexpected(r.error());
    reader = std::move(*r);
    return {};
  }

  Instant now() const { return cli_clock.now(); }
  const app::Clock& clock() const { return cli_clock; }
  const date::time_zone* zone() const { return (*writer->programs().find(program_id))->zone; }

  Result<Instant> instant(const std::string& text, const char* field) const {
    return parse_instant(text, zone(), field);
  }

  app::Command command(std::string member_id, std::string wallet, std::string key,
                       app::CommandBody body) const {
    app::Command c;
    c.program_id = program_id;
    c.member_id = std::move(member_id);
    c.wallet = std::move(wallet);
    c.idempotency_key = std::move(key);
    if (cli_clock.fixed()) c.now = cli_clock.now();
    c.body = std::move(body);
    return c;
  }
};

// Adds serve, keys and program create (serve.cpp).
void add_server_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);
// Adds program apply and program versions (program.cpp).
void add_program_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);

// Adds import orders and order show (import.cpp).
void add_import_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);
// Adds referrals list / approve / reject (referrals.cpp).
void add_referral_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);
// Adds analytics kpis / rfm / cohorts / clv (analytics.cpp).
void add_analytics_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);
// Adds coupon batch create / list / show and coupon show (coupons.cpp).
void add_coupon_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);
// Adds rewards list / redeem / refund / redemptions (rewards.cpp).
void add_reward_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);
void add_webhook_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);
// Adds checkout quote / reserve (checkout.cpp).
void add_checkout_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action);

// Reads a JSON file; a syntax error names the file and line ("cart.json:3: ...")
// under `option`.
Result<boost::json::value> read_json_file(const std::string& path, const std::string& option);

}  // namespace patron::cli
