// patron import orders PATH [--preset online-retail] [--map col=Header ...]
// [--strict]; patron order show ID.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <optional>

#include "app/bulk.h"
#include "app/json_codec.h"
#include "app/queries.h"
#include "cli/cli.h"
#include "cli/context.h"
#include "importers/orders_csv.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

// The commands that replay one import op at the time it happened: an order
// is created and fulfilled in one command (fulfilment reaches the `paid`
// trigger too); a return gives units back, one event per order it touches.
void commands_for(importers::ImportOp op, const Context& ctx, std::deque<app::Command>& out) {
  auto make = [&](app::CommandBody body) {
    app::Command c;
    c.program_id = ctx.program_id;
    c.now = op.at;
    c.actor = "import";
    c.quiet = true;
    c.body = std::move(body);
    out.push_back(std::move(c));
  };
  if (op.kind == importers::ImportOp::Kind::kOrder) {
    app::UpsertOrder upsert{std::move(op.order), {}};
    upsert.events.push_back(
        app::OrderEvent{upsert.order.id, "fulfilled", op.at, "", {}, std::nullopt});
    make(std::move(upsert));
    return;
  }
  std::map<std::string, std::vector<app::LineQuantity>> by_order;
  for (const auto& r : op.returns) by_order[r.order_id].push_back({r.line_id, r.quantity});
  for (auto& [order_id, lines] : by_order) {
    std::string refund_id = by_order.size() == 1 ? op.return_id : op.return_id + "/" + order_id;
    make(app::OrderEvent{order_id, "returned", op.at, refund_id, std::move(lines), std::nullopt});
  }
}

void progress_bar(std::size_t done, std::size_t total) {
  int width = 40;
  int filled = total == 0 ? width : static_cast<int>(width * done / total);
  std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu", filled, "########################################",
               width - filled, "", done, total);
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

void add_import_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  auto* import = cli.add_subcommand("import", "import history")->require_subcommand(1);
  static std::string path, preset = "canonical";
  static std::vector<std::string> maps;
  static bool strict = false;
  auto* orders = import->add_subcommand(
      "orders", "replay an orders CSV (plain or .gz) through the program, in time order");
  orders->add_option("PATH", path, "CSV file (docs/import.md)")->required();
  orders->add_option("--preset", preset, "canonical or online-retail")
      ->check(CLI::IsMember({"canonical", "online-retail"}));
  orders->add_option("--map", maps, "column=Header: read a column under another header");
  orders->add_flag("--strict", strict, "any bad row fails the whole import; nothing is stored");
  orders->callback([&] {
    action = [&]() -> Result<int> {
      auto started = std::chrono::steady_clock::now();
      auto program = ctx.writer->programs().find(ctx.program_id);
      if (!program) return std::unexpected(program.error());
      importers::CsvOptions options;
      options.preset = preset == "online-retail" ? importers::Preset::kOnlineRetail
                                                 : importers::Preset::kCanonical;
      options.minor_digits = (*program)->program.minor_digits;
      options.zone = (*program)->zone;
      for (const auto& m : maps) {
        auto eq = m.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) {
          return fail(ErrorCode::kInvalidArgument, "--map",
                      "expects column=Header, got '" + m + "'");
        }
        options.map.emplace_back(m.substr(0, eq), m.substr(eq + 1));
      }
      if (preset == "online-retail" && (*program)->program.currency != "GBP") {
        return fail(ErrorCode::kFailedPrecondition, "--preset",
                    "the Online Retail file is in GBP; program " + ctx.program_id + " is in " +
                        (*program)->program.currency + " (apply examples/online-retail-gbp.toml)");
      }
      // Apply ops while the file is read (the writer thread takes them as
      // they come), in one transaction that commits only if the file turns
      // out to be in time order (docs/import.md "Applied while read").
      // Otherwise, or past one chunk, or with --strict, every op runs after
      // the read, sorted by time.
      std::deque<app::Command> commands;  // stable addresses: the feed holds pointers
      std::vector<int64_t> line_of;       // file line of each command's op
      std::optional<app::BulkFeed> feed;
      bool streaming = !strict;
      app::BulkOptions bulk;
      bulk.strict = strict;
      // Few, large transactions: each commit rewrites the pages it touched
      // into the WAL, and an import touches the same member pages again and
      // again. A server on the same database waits at most one chunk (plus,
      // while streaming, at most BulkOptions::feed_wait_max for the reader).
      bulk.per_transaction = 25'000;
      // On a terminal: a count while the file is read and applied, then the
      // bar for whatever runs after the read.
      const bool terminal = isatty(STDERR_FILENO) && !ctx.json_output;
      std::size_t ops_read = 0;
      auto fell_back = [](const Error& e) {
        std::cerr << "\nimport: applying while reading failed (" << e.message
                  << "); everything is applied after the read instead\n";
      };
      auto stop_streaming = [&] {
        streaming = false;
        if (!feed) return;
        auto r = feed->finish(false);  // rolls back now: frees the write lock
        if (!r) {
          fell_back(r.error());
        } else if (terminal) {
          std::fprintf(stderr, "\n(applying after the read)\n");
        }
        feed.reset();
      };
      if (streaming) {
        options.on_op = [&](const importers::ImportOp& op) {
          if (terminal && ++ops_read % 1000 == 0) {
            std::fprintf(stderr, "\r%zu orders and returns read", ops_read);
            std::fflush(stderr);
          }
          if (!streaming) return;
          if (!feed) feed.emplace(*ctx.writer, bulk);
          std::size_t before = commands.size();
          commands_for(importers::ImportOp(op), ctx, commands);
          line_of.resize(commands.size(), op.first_line);
          for (std::size_t i = before; i < commands.size() && streaming; ++i) {
            if (!feed->push(commands[i])) stop_streaming();
          }
        };
        options.on_stop = stop_streaming;
      }
      auto file = importers::read_orders_csv(path, options);
      if (terminal && ops_read >= 1000) std::fputc('\n', stderr);
      if (!file) return std::unexpected(file.error());
      auto lap = [last = started]() mutable {
        auto now = std::chrono::steady_clock::now();
        double s = std::chrono::duration<double>(now - last).count();
        last = now;
        return s;
      };
      double read_s = lap();
      for (std::size_t i = 0; i < file->errors.size(); ++i) {
        if (i == 20) {
          std::cerr << path << ": ... and " << file->errors.size() - 20 << " more bad rows\n";
          break;
        }
        std::cerr << path << ":" << file->errors[i].line << ": " << file->errors[i].message
                  << (strict ? "" : " (row skipped)") << "\n";
      }
      if (strict && !file->errors.empty()) {
        return fail(ErrorCode::kInvalidArgument, path + ":" + std::to_string(file->errors[0].line),
                    std::to_string(file->errors.size()) + " bad rows; --strict imports nothing");
      }
      app::BulkReport report;
      std::size_t streamed = 0;  // commands applied while the file was read
      if (feed) {
        // A feed that was dropped, gave up or failed before its COMMIT leaves
        // nothing: the sorted path below runs everything. A failed COMMIT is
        // an error, as it is for the sorted path's chunks.
        auto fed = feed->finish(file->streamed);
        if (!fed && feed->commit_failed()) return std::unexpected(fed.error());
        if (!fed) {
          fell_back(fed.error());
        } else if (fed->committed) {
          streamed = commands.size();
          report.applied = fed->applied;
          report.failures = std::move(fed->failures);
        }
        feed.reset();
      }
      double apply_s = lap();  // the writer finishing what was streamed
      double prepare_s = 0;
      if (streamed == 0) {  // everything runs after the read, sorted
        commands.clear();
        line_of.clear();
        for (auto& op : file->ops) {
          int64_t first_line = op.first_line;
          commands_for(std::move(op), ctx, commands);
          line_of.resize(commands.size(), first_line);
        }
        std::vector<const app::Command*> all;
        all.reserve(commands.size());
        for (const auto& c : commands) all.push_back(&c);
        prepare_s = lap();
        if (terminal) bulk.progress = progress_bar;
        auto ran = app::run_bulk(*ctx.writer, all, bulk);
        if (!ran) return std::unexpected(ran.error());
        report = std::move(*ran);
      }
      std::size_t orders_count = 0, returns_count = 0;
      for (const auto& op : file->ops) {
        (op.kind == importers::ImportOp::Kind::kOrder ? orders_count : returns_count) += 1;
      }
      for (std::size_t i = 0; i < report.failures.size() && i < 20; ++i) {
        const auto& f = report.failures[i];
        std::cerr << path << ":" << line_of[f.index] << ": " << f.error.field << ": "
                  << f.error.message << "\n";
      }
      if (report.rolled_back) {
        const auto& f = report.failures.front();
        return fail(f.error.code, path + ":" + std::to_string(line_of[f.index]),
                    "--strict: the import was rolled back: " + f.error.message);
      }
      apply_s += lap();
      // Bring every wallet up to the end of the history: what matured or
      // expired after each member's last order, and tier anniversaries.
      Instant end = file->ops.empty() ? ctx.now() : file->ops.back().at;
      json::array jobs;
      for (const char* job : {"mature", "expire", "tiers"}) {
        auto r = app::run_job(*ctx.writer, *ctx.reader, job, end);
        if (!r) return std::unexpected(r.error());
        jobs.emplace_back(json::object{{"job", job},
                                       {"matured", r->matured},
                                       {"expired", r->expired},
                                       {"tier_changes", r->tier_changes}});
      }
      double jobs_s = lap();
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      json::object out{{"rows", file->rows},
                       {"orders", orders_count},
                       {"returns", returns_count},
                       {"guest_rows", file->guest_rows},
                       {"skipped_rows", file->skipped_rows},
                       {"bad_rows", file->errors.size()},
                       {"unmatched_return_units", file->unmatched_return_units},
                       {"commands", commands.size()},
                       {"applied", report.applied},
                       {"failed", report.failures.size()},
                       {"as_of", format_instant(end)},
                       {"jobs", jobs},
                       {"seconds", seconds},
                       {"phases", json::object{{"read_s", read_s},
                                               {"prepare_s", prepare_s},
                                               {"apply_s", apply_s},
                                               {"jobs_s", jobs_s}}},
                       {"streamed", streamed}};
      if (ctx.json_output) {
        std::cout << app::pretty(out) << "\n";
      } else {
        std::cout << "imported " << orders_count << " orders and " << returns_count
                  << " returns from " << file->rows << " rows (" << file->guest_rows
                  << " guest rows, " << file->skipped_rows << " skipped, " << file->errors.size()
                  << " bad) in " << seconds << " s; " << report.failures.size()
                  << " commands failed\n";
      }
      return report.failures.empty() && file->errors.empty() ? kOk : kInvalidInput;
    };
  });

  auto* order = cli.add_subcommand("order", "orders")->require_subcommand(1);
  static std::string order_id;
  auto* show = order->add_subcommand("show", "an order, its status and what it earned");
  show->add_option("ID", order_id)->required();
  show->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto found = ctx.reader->find_order(ctx.program_id, order_id);
      if (!found) return std::unexpected(found.error());
      if (!*found) return fail(ErrorCode::kNotFound, "ID", "no order '" + order_id + "'");
      std::cout << app::pretty(app::order_record_json(**found)) << "\n";
      return kOk;
    };
  });
}

}  // namespace patron::cli
