// patron analytics kpis | rfm | cohorts | clv | liability | recommend |
// uplift: reports over a program's
// orders and ledger (app/analytics.h; figures defined in docs/analytics.md).
// Dates are YYYY-MM-DD in the program time zone; a bad one exits 2 naming
// its option.
#include "app/analytics.h"

#include <stdlib.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "analytics/clv.h"
#include "analytics/kpis.h"
#include "app/json_codec.h"
#include "app/simulation.h"
#include "cli/cli.h"
#include "cli/context.h"
#include "config/program_file.h"
#include "store/sqlite/sqlite_store.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

// CLV rows printed as text; --json has every member.
constexpr std::size_t kClvTextRowsMax = 20;

struct Options {
  std::string from, to, as_of, by = "month", calibration_end, at, journal, sku, member, campaign,
                               config;
  int64_t limit = 10;
  int64_t churn_days = analytics::kChurnDaysDefault;
  int64_t horizon_weeks = 0;
  bool rfm = false;
};

std::string number(const json::value& v) {
  if (v.is_null()) return "-";
  if (v.is_int64()) return std::to_string(v.as_int64());
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v.to_number<double>());
  return text;
}

void print_fields(const json::object& o, std::initializer_list<const char*> keys,
                  const char* indent = "") {
  for (const char* k : keys) std::cout << indent << k << ": " << number(o.at(k)) << "\n";
}

void print_kpis(const json::object& r) {
  std::cout << "program " << r.at("program").as_string().c_str() << ", "
            << (r.at("from").is_null() ? "all history" : r.at("from").as_string().c_str()) << " to "
            << r.at("to").as_string().c_str() << "\n";
  print_fields(
      r, {"members", "new_members", "active_members", "churned_members", "buyers", "repeat_buyers",
          "orders", "revenue", "repurchase_rate", "average_order_value", "purchase_frequency"});
  for (const auto& [name, w] : r.at("wallets").as_object()) {
    std::cout << "wallet " << std::string_view(name) << "\n";
    print_fields(w.as_object(),
                 {"issued", "redeemed", "expired", "clawed_back", "outstanding", "redemption_rate",
                  "breakage_rate"},
                 "  ");
  }
  if (const json::value* rfm = r.if_contains("rfm")) {
    const json::object& o = rfm->as_object();
    std::cout << "rfm as of " << o.at("as_of").as_string().c_str() << ": "
              << number(o.at("members")) << " members\n";
    for (const auto& s : o.at("segments").as_array()) {
      std::cout << "  " << s.at("segment").as_string().c_str() << ": " << number(s.at("members"))
                << " members, value " << number(s.at("value")) << "\n";
    }
  }
}

void print_rfm(const app::RfmResult& r) {
  std::cout << "as of " << format_instant(r.as_of) << ": " << r.members.size()
            << " members (--json for each)\n";
  for (const auto& s : r.report.segments) {
    std::cout << "  " << analytics::to_string(s.segment) << ": " << s.members << " members, value "
              << s.value_minor << "\n";
  }
}

void print_cohorts(const json::object& r) {
  for (const auto& c : r.at("cohorts").as_array()) {
    std::cout << c.at("month").as_string().c_str() << " " << number(c.at("members")) << ":";
    for (const auto& v : c.at("retention").as_array()) std::cout << " " << number(v);
    std::cout << "\n";
  }
}

void print_clv(const json::object& r) {
  std::cout << "calibration to " << r.at("calibration_end").as_string().c_str() << ", "
            << number(r.at("members_fitted")) << " members, horizon "
            << number(r.at("horizon_weeks")) << " weeks\n";
  std::cout << "bgnbd:";
  for (const auto& [k, v] : r.at("bgnbd").as_object()) std::cout << " " << k << "=" << number(v);
  std::cout << "\ngamma_gamma:";
  for (const auto& [k, v] : r.at("gamma_gamma").as_object()) {
    std::cout << " " << k << "=" << number(v);
  }
  std::cout << "\ntotal clv: " << number(r.at("total_clv")) << "\n";
  if (const auto& w = r.at("fit_warning"); w.is_string()) {
    std::cout << "warning: " << w.as_string().c_str() << "\n";
  }
  const auto& members = r.at("members").as_array();
  for (std::size_t i = 0; i < members.size() && i < kClvTextRowsMax; ++i) {
    const auto& m = members[i].as_object();
    std::cout << "  " << m.at("member_id").as_string().c_str() << " p_alive "
              << number(m.at("p_alive")) << " expected " << number(m.at("expected_purchases"))
              << " clv " << number(m.at("clv")) << "\n";
  }
}

void print_liability(const json::object& r) {
  std::cout << "program " << r.at("program").as_string().c_str() << ", liability at the end of "
            << r.at("at").as_string().c_str() << "\n";
  for (const auto& [name, value] : r.at("wallets").as_object()) {
    const json::object& w = value.as_object();
    std::cout << "wallet " << std::string_view(name) << ": outstanding "
              << number(w.at("outstanding")) << " (available " << number(w.at("available"))
              << ", pending " << number(w.at("pending")) << ", held " << number(w.at("held"))
              << ", debt " << number(w.at("debt")) << ")\n";
    std::cout << "  expected breakage " << number(w.at("expected_breakage")) << " (rate "
              << number(w.at("breakage_rate")) << ")\n";
    for (const auto& b : w.at("by_expiry").as_array()) {
      const json::value& month = b.at("expiry_month");
      std::cout << "  " << (month.is_null() ? "no expiry" : month.as_string().c_str()) << ": "
                << number(b.at("remaining")) << " in " << number(b.at("lots"))
                << " lots, expected breakage " << number(b.at("expected_breakage")) << "\n";
    }
  }
}

void print_recommend(const json::object& r) {
  if (r.contains("sku")) {
    std::cout << "bought with " << r.at("sku").as_string().c_str() << " (" << number(r.at("orders"))
              << " of " << number(r.at("baskets")) << " orders):\n";
  } else {
    std::cout << "for member " << r.at("member_id").as_string().c_str() << " ("
              << r.at("bought").as_array().size() << " items bought):\n";
  }
  for (const auto& i : r.at("items").as_array()) {
    std::cout << "  " << i.at("sku").as_string().c_str() << ": together "
              << number(i.at("orders_together")) << ", confidence " << number(i.at("confidence"))
              << ", lift " << number(i.at("lift"));
    if (const auto* because = i.as_object().if_contains("because_of")) {
      std::cout << " (with " << because->as_string().c_str() << ")";
    }
    std::cout << "\n";
  }
}

void print_uplift(const json::object& r) {
  std::cout << "campaign " << r.at("campaign").as_string().c_str() << " (holdout "
            << number(r.at("holdout_share")) << "), " << r.at("from").as_string().c_str() << " to "
            << r.at("to").as_string().c_str() << "\n";
  for (const char* g : {"treated", "control"}) {
    const json::object& o = r.at(g).as_object();
    std::cout << "  " << g << ": " << number(o.at("members")) << " members, repurchase rate "
              << number(o.at("repurchase_rate")) << ", revenue per member "
              << number(o.at("revenue_per_member")) << "\n";
  }
  for (const char* k : {"repurchase_rate_difference", "revenue_per_member_difference"}) {
    const json::object& d = r.at(k).as_object();
    std::cout << "  " << k << ": " << number(d.at("estimate")) << " (95% CI "
              << number(d.at("ci_low")) << " to " << number(d.at("ci_high")) << ", p "
              << number(d.at("p_value")) << ")\n";
  }
}

Result<std::optional<std::chrono::year_month_day>> optional_date(const std::string& text,
                                                                 const char* option) {
  if (text.empty()) return std::nullopt;
  auto d = parse_date(text, option);
  if (!d) return std::unexpected(d.error());
  return *d;
}

Result<int> emit(Context& ctx, const Result<json::object>& report,
                 void (*print)(const json::object&)) {
  if (!report) return std::unexpected(report.error());
  if (ctx.json_output) {
    std::cout << app::pretty(*report) << "\n";
  } else {
    print(*report);
  }
  return kOk;
}

Result<int> run_kpis(Context& ctx, const Options& o) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  app::KpiRequest request;
  auto from = optional_date(o.from, "--from");
  if (!from) return std::unexpected(from.error());
  auto to = optional_date(o.to, "--to");
  if (!to) return std::unexpected(to.error());
  request.from = *from;
  request.to = to->value_or(local_date(ctx.now(), (*program)->zone));
  request.churn_days = o.churn_days;
  request.rfm = o.rfm;
  if (request.from && std::chrono::sys_days{*request.from} > std::chrono::sys_days{request.to}) {
    return fail(ErrorCode::kInvalidArgument, "--from", "must not be after --to");
  }
  return emit(ctx, app::kpi_report(*ctx.reader, **program, request), print_kpis);
}

Result<int> run_rfm(Context& ctx, const Options& o) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  auto day = optional_date(o.as_of, "--as-of");
  if (!day) return std::unexpected(day.error());
  // A date means the end of that day: its orders count.
  Instant as_of =
      *day ? local_midnight_after(local_midnight(**day, (*program)->zone), 1, (*program)->zone)
           : ctx.now();
  // Text needs no per-member rows: the JSON is built only for --json.
  auto result = app::rfm_summary(*ctx.reader, **program, as_of);
  if (!result) return std::unexpected(result.error());
  if (ctx.json_output) {
    std::cout << app::pretty(app::rfm_json(*result)) << "\n";
  } else {
    print_rfm(*result);
  }
  return kOk;
}

Result<int> run_cohorts(Context& ctx) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  return emit(ctx, app::cohort_report(*ctx.reader, **program), print_cohorts);
}

Result<int> run_clv(Context& ctx, const Options& o) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  auto end = parse_date(o.calibration_end, "--calibration-end");
  if (!end) return std::unexpected(end.error());
  app::ClvRequest request{*end, o.horizon_weeks};
  return emit(ctx, app::clv_report(*ctx.reader, **program, request), print_clv);
}

Result<int> run_liability(Context& ctx, const Options& o) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  auto at = optional_date(o.at, "--at");
  if (!at) return std::unexpected(at.error());
  auto from = optional_date(o.from, "--from");
  if (!from) return std::unexpected(from.error());
  auto to = optional_date(o.to, "--to");
  if (!to) return std::unexpected(to.error());
  if (o.journal.empty() && (*from || *to)) {
    return fail(ErrorCode::kInvalidArgument, *from ? "--from" : "--to", "needs --journal");
  }
  app::LiabilityRequest request;
  request.at = at->value_or(local_date(ctx.now(), (*program)->zone));
  if (!o.journal.empty()) {
    // The first row's opening balance carries everything before.
    auto period = app::journal_period(request.at, *from, *to);
    if (!period) return fail(ErrorCode::kInvalidArgument, "--from", "must not be after --to");
    request.journal = *period;
  }
  auto result = app::liability_report(*ctx.reader, **program, request);
  if (!result) return std::unexpected(result.error());
  if (!o.journal.empty()) {
    std::ofstream file(o.journal, std::ios::binary | std::ios::trunc);
    file << app::journal_csv(result->journal);
    file.close();
    if (!file) return fail(ErrorCode::kInvalidArgument, "--journal", "cannot write " + o.journal);
    result->report["journal"] =
        json::object{{"file", o.journal},
                     {"from", format_date(request.journal->from)},
                     {"to", format_date(request.journal->to)},
                     {"months", static_cast<int64_t>(result->journal.size())}};
  }
  if (ctx.json_output) {
    std::cout << app::pretty(result->report) << "\n";
  } else {
    print_liability(result->report);
    if (!o.journal.empty()) {
      std::cout << "journal: " << o.journal << " (" << result->journal.size() << " months)\n";
    }
  }
  return kOk;
}

Result<int> run_recommend(Context& ctx, const Options& o) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  if (o.sku.empty() == o.member.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--sku", "give exactly one of --sku and --member");
  }
  app::RecommendRequest request{o.sku, o.member, o.limit};
  return emit(ctx, app::recommend_report(*ctx.reader, **program, request), print_recommend);
}

Result<int> run_uplift(Context& ctx, const Options& o) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  auto from = optional_date(o.from, "--from");
  if (!from) return std::unexpected(from.error());
  auto to = optional_date(o.to, "--to");
  if (!to) return std::unexpected(to.error());
  app::UpliftRequest request{o.campaign, *from, *to};
  auto report = app::uplift_report(*ctx.reader, **program, request);
  if (!report && report.error().field == "from") report.error().field = "--from";
  if (!report && report.error().field == "to") report.error().field = "--to";
  return emit(ctx, report, print_uplift);
}

void print_simulation(const json::object& r) {
  std::cout << "replayed " << r.at("orders").as_int64() << " orders of "
            << r.at("members").as_int64() << " members ("
            << (r.at("from").is_null() ? std::string("start")
                                       : std::string(r.at("from").as_string()))
            << " to " << r.at("to").as_string().c_str() << "), revenue "
            << r.at("revenue").as_int64() << "; redemptions not replayed\n";
  std::printf("%-34s %14s %14s %14s\n", "", "current", "proposed", "difference");
  const json::object& a = r.at("current").as_object();
  const json::object& b = r.at("proposed").as_object();
  auto row = [](const std::string& label, int64_t x, int64_t y) {
    std::printf("%-34s %14lld %14lld %+14lld\n", label.c_str(), static_cast<long long>(x),
                static_cast<long long>(y), static_cast<long long>(y - x));
  };
  for (const auto& [name, w] : b.at("wallets").as_object()) {
    const json::value* before = a.at("wallets").as_object().if_contains(name);
    auto get = [&](const json::value* v, const char* key) {
      return v != nullptr ? v->at(key).as_int64() : 0;
    };
    std::map<std::string, int64_t> sources_a, sources_b;
    if (before != nullptr) {
      for (const auto& [s, v] : before->at("issued_by_source").as_object())
        sources_a[s] = v.as_int64();
    }
    for (const auto& [s, v] : w.at("issued_by_source").as_object()) sources_b[s] = v.as_int64();
    for (const auto& [s, v] : sources_a) sources_b.emplace(s, 0);
    for (const auto& [s, v] : sources_b) {
      row(std::string(name) + " issued: " + s, sources_a.count(s) ? sources_a[s] : 0, v);
    }
    for (const char* key : {"issued", "expired", "clawed_back", "outstanding"}) {
      row(std::string(name) + " " + key, get(before, key), get(&w, key));
    }
  }
  std::map<std::string, std::pair<int64_t, int64_t>> tiers;
  for (const auto& [t, n] : a.at("tiers").as_object()) tiers[t].first = n.as_int64();
  for (const auto& [t, n] : b.at("tiers").as_object()) tiers[t].second = n.as_int64();
  for (const auto& [t, n] : tiers) row("members in tier " + t, n.first, n.second);
  row("value issued (currency)", a.at("value_issued").as_int64(), b.at("value_issued").as_int64());
  auto share = [](const json::value& v) {
    return v.is_null() ? std::string("-")
                       : std::to_string(v.to_number<double>() * 100).substr(0, 5) + "%";
  };
  std::printf("%-34s %14s %14s\n", "program cost / revenue", share(a.at("cost_share")).c_str(),
              share(b.at("cost_share")).c_str());
  row("commands the rules refused", a.at("commands_skipped").as_int64(),
      b.at("commands_skipped").as_int64());
}

Result<int> run_simulate(Context& ctx, const Options& o) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  std::ifstream in(o.config);
  if (!in) return fail(ErrorCode::kInvalidArgument, "--config", "cannot read " + o.config);
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto proposed = config::parse_program(buffer.str(), o.config, ctx.program_id);
  if (!proposed) return std::unexpected(proposed.error());
  auto from = optional_date(o.from, "--from");
  if (!from) return std::unexpected(from.error());
  auto to = optional_date(o.to, "--to");
  if (!to) return std::unexpected(to.error());
  app::SimulationRequest request{std::move(*proposed), *from, *to};
  Error scratch_error{};
  auto report = app::simulate_program(*ctx.reader, **program, request,
                                      [&]() -> std::unique_ptr<app::StoreFactory> {
                                        auto f = store::open_sqlite_memory();
                                        if (!f) {
                                          scratch_error = f.error();
                                          return nullptr;
                                        }
                                        return std::move(*f);
                                      });
  if (!report && !scratch_error.message.empty()) return std::unexpected(scratch_error);
  if (!report && report.error().field == "from") report.error().field = "--from";
  return emit(ctx, report, print_simulation);
}

}  // namespace

void add_analytics_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  static Options o;
  auto* analytics =
      cli.add_subcommand(
             "analytics",
             "KPIs, RFM, cohorts, CLV, liability, recommendations, uplift (docs/analytics.md)")
          ->require_subcommand(1);
  auto* kpis = analytics->add_subcommand("kpis", "program KPIs over a period");
  kpis->add_option("--from", o.from, "first day (YYYY-MM-DD; default: all history)");
  kpis->add_option("--to", o.to, "last day, included (YYYY-MM-DD; default: today)");
  kpis->add_option("--churn-days", o.churn_days, "churned: no purchase in this many days")
      ->check(CLI::Range(int64_t{1}, analytics::kChurnDaysMax));
  kpis->add_flag("--rfm", o.rfm,
                 "also the RFM segments as of the end of --to, from the same scan of the orders");
  auto* rfm = analytics->add_subcommand("rfm", "recency, frequency, monetary scores and segments");
  rfm->add_option("--as-of", o.as_of, "score at the end of this day (default: now)");
  auto* cohorts = analytics->add_subcommand("cohorts", "retention by first-purchase month");
  cohorts->add_option("--by", o.by, "cohort period")->check(CLI::IsMember({"month"}));
  auto* clv = analytics->add_subcommand("clv", "predictive CLV (BG/NBD and Gamma-Gamma)");
  clv->add_option("--calibration-end", o.calibration_end, "last day of calibration (YYYY-MM-DD)")
      ->required();
  clv->add_option("--horizon-weeks", o.horizon_weeks, "weeks after calibration to predict")
      ->required()
      ->check(CLI::Range(int64_t{1}, analytics::kHorizonWeeksMax));
  auto* liability = analytics->add_subcommand(
      "liability", "outstanding value by expiry month, breakage, journal");
  liability->add_option("--at", o.at, "the liability at the end of this day (default: today)");
  liability->add_option("--journal", o.journal, "write the monthly deferred-revenue journal (CSV)");
  liability->add_option("--from", o.from, "journal: first day (default: 11 months before --to)");
  liability->add_option("--to", o.to, "journal: last day, included (default: --at)");
  auto* recommend = analytics->add_subcommand("recommend", "items bought together");
  recommend->add_option("--sku", o.sku, "items bought with this one");
  recommend->add_option("--member", o.member, "items bought with what this member bought");
  recommend->add_option("--limit", o.limit, "at most this many items")
      ->check(CLI::Range(int64_t{1}, app::kRecommendLimitMax));
  auto* uplift = analytics->add_subcommand("uplift", "holdout vs treated members of a campaign");
  uplift->add_option("--campaign", o.campaign, "campaign id")->required();
  uplift->add_option("--from", o.from, "first day (default: the campaign's start)");
  uplift->add_option("--to", o.to, "last day, included (default: the campaign's end)");
  auto* simulate = cli.add_subcommand(
      "simulate", "replay the order history through a proposed program, beside the current one");
  simulate->add_option("--config", o.config, "the proposed program file (TOML)")->required();
  simulate->add_option("--from", o.from, "orders placed from this day (default: all history)");
  simulate->add_option("--to", o.to, "through this day (default: the last order's)");
  simulate->callback([&ctx, &action] {
    ctx.read_only = true;
    action = [&ctx] { return run_simulate(ctx, o); };
  });
  for (auto* sub : {kpis, rfm, cohorts, clv, liability, recommend, uplift}) {
    sub->callback([&ctx, &action, sub, kpis, rfm, cohorts, liability, recommend, uplift] {
      ctx.read_only = true;
      if (sub == uplift) {
        action = [&ctx] { return run_uplift(ctx, o); };
      } else if (sub == recommend) {
        action = [&ctx] { return run_recommend(ctx, o); };
      } else if (sub == liability) {
        action = [&ctx] { return run_liability(ctx, o); };
      } else if (sub == kpis) {
        action = [&ctx] { return run_kpis(ctx, o); };
      } else if (sub == rfm) {
        action = [&ctx] { return run_rfm(ctx, o); };
      } else if (sub == cohorts) {
        action = [&ctx] { return run_cohorts(ctx); };
      } else {
        action = [&ctx] { return run_clv(ctx, o); };
      }
    });
  }
}

}  // namespace patron::cli
