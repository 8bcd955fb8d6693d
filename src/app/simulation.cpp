#include "app/simulation.h"

#include <algorithm>
#include <boost/json.hpp>
#include <deque>
#include <future>
#include <map>

#include "app/analytics.h"
#include "app/bulk.h"
#include "app/commands.h"
#include "app/queries.h"
#include "app/writer.h"
#include "core/limits.h"
#include "rules/tiers.h"

namespace patron::app {

namespace json = boost::json;

namespace {

// A command of the replay at its time; `seq` keeps the stored order of
// commands at the same instant (a member before their order, an order
// before its events).
struct Step {
  Instant at;
  int64_t seq = 0;
  Command command;  // as a replay runs it, quiet, at `at`
};

class FixedTime final : public Clock {
 public:
  Instant now() const override { return now_; }
  Instant now_ = Instant{};
};

OrderEvent event(const std::string& order_id, std::string name, Instant at) {
  OrderEvent e;
  e.order_id = order_id;
  e.event = std::move(name);
  e.at = at;
  return e;
}

// The replay of the stored history between `from` and `to`. The commands: built in stored order,
// where they stay (a deque never moves its elements; a command body is near a kilobyte), and listed
// in time order.
struct History {
  History() = default;
  History(History&&) = default;
  History(const History&) = delete;  // in_time points into steps
  History& operator=(const History&) = delete;
  std::deque<Step> steps;
  std::vector<const Step*> in_time;
};

Result<History> history(Store& reader, const std::string& program_id, Instant from, Instant to,
                        int64_t& orders, int64_t& members, int64_t& revenue) {
  History h;
  int64_t seq = 0;
  auto add = [&](Instant at, CommandBody body, const std::string& member_id) {
    Step& s = h.steps.emplace_back();
    s.at = at;
    s.seq = seq++;
    s.command.program_id = program_id;
    s.command.member_id = member_id;
    s.command.now = at;
    s.command.actor = "simulate";
    s.command.quiet = true;
    s.command.body = std::move(body);
  };
  PageRequest page{"", limits::kPageSizeMax};
  for (;;) {
    auto batch = reader.members_page(program_id, page);
    if (!batch) return std::unexpected(batch.error());
    for (const Member& m : *batch) {
      if (m.created_at >= to) continue;
      UpsertMember upsert;
      upsert.birthday = m.birthday;
      if (!m.tags.empty()) upsert.tags = m.tags;  // campaigns may target them
      add(std::max(m.created_at, from), std::move(upsert), m.id);
      ++members;
    }
    if (batch->size() < page.limit) break;
    page.after = batch->back().id;
  }
  // The next page is read (and its bodies decoded) on another thread while
  // this one builds the commands of the last: the reader is used by one
  // thread at a time.
  page = PageRequest{"", limits::kPageSizeMax};
  auto fetch = [&reader, &program_id](PageRequest request) {
    return reader.orders_page(program_id, request);
  };
  auto next = std::async(std::launch::async, fetch, page);
  for (;;) {
    auto batch = next.get();
    if (!batch) return std::unexpected(batch.error());
    const bool last = batch->size() < page.limit;
    if (!last) {
      page.after = batch->back().order.id;
      next = std::async(std::launch::async, fetch, page);
    }
    for (const OrderRecord& record : *batch) {
      const rules::Order& stored = record.order;
      if (stored.member_id.empty() || stored.placed_at < from || stored.placed_at >= to) continue;
      ++orders;
      rules::Order order = stored;
      std::vector<LineQuantity> refunded;
      for (auto& line : order.lines) {
        if (line.refunded_quantity > 0) refunded.push_back({line.line_id, line.refunded_quantity});
        line.refunded_quantity = 0;
      }
      int64_t value = rules::paid_value(stored, record.refunded_amount);
      if (!record.cancelled_at) revenue += value;
      Instant last = order.placed_at;
      const Instant placed = order.placed_at;
      const std::string id = order.id;
      UpsertOrder upsert{std::move(order), {}, true};
      std::vector<std::pair<const char*, Instant>> later;
      for (auto [name, at] :
           {std::pair{"paid", record.paid_at}, std::pair{"fulfilled", record.fulfilled_at},
            std::pair{"completed", record.completed_at},
            std::pair{"cancelled", record.cancelled_at}}) {
        if (!at || *at >= to) continue;
        last = std::max(last, *at);
        // Events at the order's own time go with the upsert, as a shop sends
        // them: one command (nothing else can come between: `seq`).
        if (*at == placed && later.empty()) {
          upsert.events.push_back(event(id, name, *at));
        } else {
          later.emplace_back(name, *at);
        }
      }
      add(placed, std::move(upsert), stored.member_id);
      for (auto [name, at] : later) add(at, event(id, name, at), stored.member_id);
      // Refunds are stored as their result, not their times: after the
      // order's last event.
      const Instant refund_at =
          std::min(std::max(last, record.updated_at), to - std::chrono::seconds{1});
      if (!refunded.empty() && !record.cancelled_at) {
        OrderEvent e = event(id, "refunded", refund_at);
        e.refund_id = "simulated-lines";
        e.lines = std::move(refunded);
        add(refund_at, std::move(e), stored.member_id);
      }
      if (record.refunded_amount > 0 && !record.cancelled_at) {
        OrderEvent e = event(id, "refunded", refund_at);
        e.refund_id = "simulated-amount";
        e.amount = record.refunded_amount;
        add(refund_at, std::move(e), stored.member_id);
      }
    }
    if (last) break;
  }
  h.in_time.reserve(h.steps.size());
  for (const Step& s : h.steps) h.in_time.push_back(&s);
  std::sort(h.in_time.begin(), h.in_time.end(), [](const Step* a, const Step* b) {
    return a->at != b->at ? a->at < b->at : a->seq < b->seq;
  });
  return h;
}

// The daily jobs a replay runs at a local midnight: birthdays when a member
// has a birthday, monthly rewards from the 1st through their grace days.
// On other days no job could act, and the commands before and after the
// midnight stay in one transaction.
struct DailyJobs {
  bool birthdays = false;
  int64_t monthly_days = -1;  // grace days of the longest monthly window; -1: none

  DailyJobs(const Program& p, const std::deque<Step>& steps) {
    bool any_birthday = std::any_of(steps.begin(), steps.end(), [](const Step& s) {
      const auto* m = std::get_if<UpsertMember>(&s.command.body);
      return m != nullptr && m->birthday.has_value();
    });
    for (const rules::Reward& r : p.rules.rewards) {
      if (r.on == rules::RewardOn::kBirthday && any_birthday) birthdays = true;
      if (r.on == rules::RewardOn::kMonthly) monthly_days = std::max(monthly_days, r.grace_days);
    }
  }
  bool any() const { return birthdays || monthly_days >= 0; }
  std::vector<const char*> on(std::chrono::year_month_day day) const {
    std::vector<const char*> jobs;
    if (birthdays) jobs.push_back("birthdays");
    if (static_cast<int64_t>(static_cast<unsigned>(day.day())) - 1 <= monthly_days) {
      jobs.push_back("monthly");
    }
    return jobs;
  }
};

// One program's outcome of the replay.
Result<json::object> replay(const Program& config, const History& history, Instant end,
                            const KpiRequest& period, StoreFactory& factory) {
  FixedTime clock;
  auto writer = Writer::start(factory, clock);
  if (!writer) return std::unexpected(writer.error());
  auto reader = factory.open();
  if (!reader) return std::unexpected(reader.error());
  Command apply;
  apply.program_id = config.id;
  apply.actor = "simulate";
  apply.body = ApplyProgram{config, "", std::nullopt, false};
  if (auto r = (*writer)->execute(apply); !r) return std::unexpected(r.error());
  auto resolved = (*writer)->programs().find(config.id);
  if (!resolved) return std::unexpected(resolved.error());
  const date::time_zone* zone = (*resolved)->zone;
  const DailyJobs jobs(config, history.steps);
  const bool daily = jobs.any();
  std::optional<std::chrono::year_month_day> day;
  int64_t skipped = 0;
  // Commands run in bulk (at most 5,000 a transaction, and none across a
  // midnight where a job runs): the replay is an import of the stored history.
  // The history's commands themselves, shared with the other replay (read
  // only); copies only for a program id other than the history's.
  std::vector<const Command*> chunk;
  std::deque<Command> renamed;
  auto flush = [&]() -> Result<void> {
    if (chunk.empty()) return {};
    BulkOptions options;
    auto report = run_bulk(**writer, std::span<const Command* const>(chunk), options);
    if (!report) return std::unexpected(report.error());
    // A command the proposed rules refuse is skipped, as an import skips a
    // bad row.
    skipped += static_cast<int64_t>(report->failures.size());
    chunk.clear();
    renamed.clear();
    return {};
  };
  // The jobs due at the local midnight that starts `d`, after the commands
  // before it are committed.
  auto run_daily = [&](std::chrono::year_month_day d) -> Result<void> {
    for (const char* job : jobs.on(d)) {
      if (auto r = flush(); !r) return std::unexpected(r.error());
      auto r = run_job(**writer, **reader, job, local_midnight(d, zone), config.id);
      if (!r) return std::unexpected(r.error());
      skipped += r->failed;  // members the job's command failed for
    }
    return {};
  };
  for (const Step* step : history.in_time) {
    const Step& s = *step;
    if (daily) {
      // The daily jobs at each local midnight the history crosses.
      auto today = local_date(s.at, zone);
      if (!day) day = today;
      while (std::chrono::sys_days{*day} < std::chrono::sys_days{today}) {
        day = std::chrono::year_month_day{std::chrono::sys_days{*day} + std::chrono::days{1}};
        if (auto r = run_daily(*day); !r) return std::unexpected(r.error());
      }
    }
    if (s.command.program_id == config.id) {
      chunk.push_back(&s.command);
    } else {
      renamed.push_back(s.command);
      renamed.back().program_id = config.id;
      chunk.push_back(&renamed.back());
    }
  }
  if (auto r = flush(); !r) return std::unexpected(r.error());
  // The days after the last command, through the end.
  if (daily && day) {
    const auto last_day = local_date(end, zone);
    while (std::chrono::sys_days{*day} < std::chrono::sys_days{last_day}) {
      day = std::chrono::year_month_day{std::chrono::sys_days{*day} + std::chrono::days{1}};
      if (auto r = run_daily(*day); !r) return std::unexpected(r.error());
    }
  }
  for (const char* job : {"mature", "expire", "tiers"}) {
    auto r = run_job(**writer, **reader, job, end, config.id);
    if (!r) return std::unexpected(r.error());
    skipped += r->failed;
  }
  auto kpis = kpi_report(**reader, **resolved, period);
  if (!kpis) return std::unexpected(kpis.error());
  json::object wallets;
  int64_t value_issued = 0;
  for (auto& [name, w] : kpis->at("wallets").as_object()) {
    json::object out;
    for (const char* key :
         {"issued", "issued_by_source", "expired", "clawed_back", "outstanding"}) {
      out[key] = w.at(key);
    }
    // Wallet units at their redemption value, in currency minor units.
    const rules::RedeemRule* rule = config.rules.redeem_rule(std::string(name));
    const int64_t num = rule != nullptr ? rule->value_num : 1;
    const int64_t den = rule != nullptr ? rule->value_den : 1;
    __extension__ using Wide = __int128;
    const Wide currency = Wide{w.at("issued").as_int64()} * num / den;
    out["issued_value"] = static_cast<int64_t>(currency);
    value_issued += static_cast<int64_t>(currency);
    wallets[name] = std::move(out);
  }
  std::map<std::string, int64_t> tiers;
  if (config.rules.tiers.enabled()) {
    PageRequest page{"", limits::kPageSizeMax};
    for (;;) {
      auto batch = (*reader)->members_page(config.id, page);
      if (!batch) return std::unexpected(batch.error());
      for (const Member& m : *batch) tiers[rules::effective_tier(config.rules.tiers, m.tier)] += 1;
      if (batch->size() < page.limit) break;
      page.after = batch->back().id;
    }
  }
  json::object tier_counts;
  for (const auto& [tier, n] : tiers) tier_counts[tier] = n;
  const int64_t revenue = kpis->at("revenue").as_int64();
  json::object out{{"commands_skipped", skipped},
                   {"wallets", std::move(wallets)},
                   {"tiers", std::move(tier_counts)},
                   {"value_issued", value_issued},
                   {"cost_share", revenue > 0 ? json::value(static_cast<double>(value_issued) /
                                                            static_cast<double>(revenue))
                                              : json::value(nullptr)}};
  return out;
}

}  // namespace

Result<json::object> simulate_program(
    Store& reader, const ResolvedProgram& current, const SimulationRequest& request,
    const std::function<std::unique_ptr<StoreFactory>()>& make_store) {
  const Instant from = request.from ? local_midnight(*request.from, current.zone) : Instant::min();
  // The end of `to`, or of the day of the last order.
  std::optional<Instant> last_order;
  if (!request.to) {
    PageRequest page{"", limits::kPageSizeMax};
    for (;;) {
      auto batch = reader.orders_page(current.program.id, page);
      if (!batch) return std::unexpected(batch.error());
      for (const OrderRecord& o : *batch) {
        if (!last_order || o.order.placed_at > *last_order) last_order = o.order.placed_at;
      }
      if (batch->size() < page.limit) break;
      page.after = batch->back().order.id;
    }
    if (!last_order) return fail(ErrorCode::kFailedPrecondition, "orders", "no orders to replay");
  }
  const std::chrono::year_month_day to_day =
      request.to ? *request.to : local_date(*last_order, current.zone);
  const Instant to = local_midnight_after(local_midnight(to_day, current.zone), 1, current.zone);
  if (from >= to) return fail(ErrorCode::kInvalidArgument, "from", "must not be after to");
  int64_t orders = 0, members = 0, revenue = 0;
  auto steps = history(reader, current.program.id, from, to, orders, members, revenue);
  if (!steps) return std::unexpected(steps.error());
  KpiRequest period;
  period.from = request.from;
  period.to = to_day;
  // The two replays share nothing but the (read-only) steps: the proposed
  // one runs on a thread of its own while this one replays the current.
  auto current_store = make_store();
  auto proposed_store = current_store ? make_store() : nullptr;
  if (!current_store || !proposed_store) {
    return fail(ErrorCode::kStorage, "", "cannot open a scratch store");
  }
  const Instant end = to - std::chrono::seconds{1};
  auto proposed_side = std::async(std::launch::async, [&] {
    return replay(request.proposed, *steps, end, period, *proposed_store);
  });
  auto current_side = replay(current.program, *steps, end, period, *current_store);
  auto proposed_result = proposed_side.get();
  if (!current_side) return std::unexpected(current_side.error());
  if (!proposed_result) return std::unexpected(proposed_result.error());
  json::object sides;
  sides["current"] = std::move(*current_side);
  sides["proposed"] = std::move(*proposed_result);
  const json::object& a = sides.at("current").as_object();
  const json::object& b = sides.at("proposed").as_object();
  json::object difference{
      {"value_issued", b.at("value_issued").as_int64() - a.at("value_issued").as_int64()}};
  json::object wallets;
  for (const auto& [name, w] : b.at("wallets").as_object()) {
    const json::value* before = a.at("wallets").as_object().if_contains(name);
    json::object d;
    for (const char* key : {"issued", "expired", "outstanding"}) {
      d[key] = w.at(key).as_int64() - (before ? before->at(key).as_int64() : 0);
    }
    wallets[name] = std::move(d);
  }
  difference["wallets"] = std::move(wallets);
  json::object out{{"program", current.program.id},
                   {"from", request.from ? json::value(format_date(*request.from)) : nullptr},
                   {"to", format_date(to_day)},
                   {"members", members},
                   {"orders", orders},
                   {"revenue", revenue},
                   {"redemptions",
                    "not replayed: value issued, expired and outstanding as if "
                    "nobody spent"}};
  out["current"] = std::move(sides.at("current"));
  out["proposed"] = std::move(sides.at("proposed"));
  out["difference"] = std::move(difference);
  return out;
}

}  // namespace patron::app
