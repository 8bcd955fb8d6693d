#include "app/queries.h"

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

#include "app/analytics.h"
#include "app/json_codec.h"
#include "app/messages.h"
#include "app/orders.h"
#include "app/outbox.h"
#include "app/read_snapshot.h"
#include "app/referrals.h"
#include "app/replenishment.h"
#include "app/rewards.h"
#include "app/tiering.h"
#include "app/wallets.h"
#include "core/limits.h"
#include "ledger/verify.h"
#include "ledger/wallet_ledger.h"

namespace patron::app {

namespace json = boost::json;

namespace {

Result<Member> require_member(Store& store, const std::string& program_id,
                              const std::string& member_id) {
  auto member = store.find_member(program_id, member_id);
  if (!member) return std::unexpected(member.error());
  if (!*member) {
    return fail(ErrorCode::kNotFound, "member_id",
                "no member '" + member_id + "' in program " + program_id);
  }
  return std::move(**member);
}

}  // namespace

Result<std::string> member_view(Store& store, const Programs& programs,
                                const std::string& program_id, const std::string& member_id,
                                Instant now) {
  auto program = programs.find(program_id);
  if (!program) return std::unexpected(program.error());
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  auto member = require_member(store, program_id, member_id);
  if (!member) return std::unexpected(member.error());
  json::object wallets;
  for (const WalletConfig& config : (*program)->program.wallets) {
    const ledger::WalletPolicy& policy = (*program)->wallets.at(config.name);
    auto state = store.load_wallet(program_id, member_id, config.name, {"", 0, true});
    if (!state) return std::unexpected(state.error());
    ScratchIds ids;
    ledger::WalletLedger view(std::move(*state), policy, ids, now);
    ledger::Balances b = view.balances();
    json::object w = balances_json(b);
    w["unit"] = policy.unit;
    json::array lots;
    for (const auto& lot : view.state().lots) {
      if (lot.state != ledger::LotState::kExpired) lots.emplace_back(lot_json(lot));
    }
    json::array holds;
    for (const auto& h : view.state().holds) {
      if (h.state == ledger::HoldState::kOpen) holds.emplace_back(hold_json(h));
    }
    w["lots"] = std::move(lots);
    w["holds"] = std::move(holds);
    wallets[config.name] = std::move(w);
  }
  json::object out{{"member", member_json(*member)},
                   {"wallets", std::move(wallets)},
                   {"as_of", format_instant(now)}};
  const rules::Tiers& tiers = (*program)->program.rules.tiers;
  if (tiers.enabled()) {
    // As of now: anniversaries the job has not judged yet are applied here too.
    auto orders = counted_orders(store, **program, member_id, nullptr);
    if (!orders) return std::unexpected(orders.error());
    rules::TierState state =
        rules::on_anniversary(tiers, member->tier, *orders, now, (*program)->zone).state;
    auto p = rules::progress(tiers, state, *orders, now, (*program)->zone);
    json::object tier = tier_json(**program, state, p);
    tier["basis"] = tiers.basis == rules::Tiers::Basis::kOrderCount ? "order_count" : "paid_spend";
    out["tier"] = std::move(tier);
  }
  return json::serialize(out);
}

Result<std::string> ledger_view(Store& store, const Programs& programs,
                                const std::string& program_id, const std::string& member_id,
                                const std::string& wallet) {
  auto program = programs.find(program_id);
  if (!program) return std::unexpected(program.error());
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  if (auto member = require_member(store, program_id, member_id); !member) {
    return std::unexpected(member.error());
  }
  json::array transfers;
  for (const WalletConfig& config : (*program)->program.wallets) {
    if (!wallet.empty() && config.name != wallet) continue;
    auto list = store.transfers(program_id, member_id, config.name);
    if (!list) return std::unexpected(list.error());
    for (const auto& t : *list) transfers.emplace_back(transfer_json(t));
  }
  if (!wallet.empty()) {
    if (auto w = (*program)->wallet(wallet); !w) return std::unexpected(w.error());
  }
  return json::serialize(json::object{{"member_id", member_id}, {"transfers", transfers}});
}

Result<std::string> ledger_page(Store& store, const Programs& programs,
                                const std::string& program_id, const std::string& member_id,
                                const std::string& wallet, int64_t after_id, std::size_t limit) {
  auto program = programs.find(program_id);
  if (!program) return std::unexpected(program.error());
  if (!wallet.empty()) {
    if (auto w = (*program)->wallet(wallet); !w) return std::unexpected(w.error());
  }
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  if (auto member = require_member(store, program_id, member_id); !member) {
    return std::unexpected(member.error());
  }
  auto page = store.transfers_page(program_id, member_id, wallet, after_id, limit);
  if (!page) return std::unexpected(page.error());
  json::array transfers;
  for (const auto& t : *page) transfers.emplace_back(transfer_json(t));
  json::value next = !page->empty() && page->size() == limit
                         ? json::value(std::to_string(page->back().id))
                         : json::value(nullptr);
  return json::serialize(json::object{
      {"member_id", member_id}, {"transfers", std::move(transfers)}, {"next_cursor", next}});
}

Result<VerifyReport> verify(Store& store, const Programs& programs) {
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  VerifyReport report;
  for (const auto& [program_id, program] : programs.all()) {
    auto members = store.member_ids(program_id);
    if (!members) return std::unexpected(members.error());
    for (const std::string& member_id : *members) {
      report.members += 1;
      for (const WalletConfig& config : program.program.wallets) {
        auto state = store.load_wallet_history(program_id, member_id, config.name);
        if (!state) return std::unexpected(state.error());
        auto transfers = store.transfers(program_id, member_id, config.name);
        if (!transfers) return std::unexpected(transfers.error());
        if (state->lots.empty() && transfers->empty() && state->holds.empty()) continue;
        report.wallets += 1;
        report.transfers += static_cast<int64_t>(transfers->size());
        for (auto& problem : ledger::verify_wallet(*state, *transfers)) {
          report.problems.push_back(program_id + "/" + member_id + "/" + problem);
        }
      }
    }
  }
  return report;
}

namespace {

// The expiry job in bulk: pages of due lots (soonest expiry first) are grouped
// by member and each group goes through the ledger core's expiry rule, one
// transaction per page. Expiry touches only the due lots themselves, so the
// core needs no other part of the wallet.
Result<JobReport> expire_in_bulk(Writer& writer, Instant now, const std::string& only_program) {
  // Lots per transaction: big enough to amortise the commit, small enough to
  // keep the writer responsive: each page is its own exclusive turn on the
  // writer, so commands queued meanwhile (checkouts) run between pages.
  constexpr std::size_t kPageLots = 20'000;
  // Touched only by the page work on the writer thread, while this thread
  // waits for it (the future orders the accesses).
  struct Progress {
    int64_t expired = 0;
    std::unordered_set<std::string> members;
    std::unordered_set<int64_t> previous_page;
    bool done = false;
  } progress;
  const Programs& programs = writer.programs();
  for (const auto& [program_id, program] : programs.all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    for (const auto& [wallet_name, policy] : program.wallets) {
      progress.previous_page.clear();
      progress.done = false;
      while (!progress.done) {
        auto page = writer.submit_exclusive([&,
                                             now](Writer::Session& session) -> Result<std::string> {
          if (auto r = session.begin(); !r) return std::unexpected(r.error());
          auto due = session.store().due_lots(program_id, wallet_name, now, kPageLots);
          if (!due) {
            session.rollback();
            return std::unexpected(due.error());
          }
          if (due->empty()) {
            session.rollback();
            progress.done = true;
            return std::string();
          }
          std::map<std::string, ledger::WalletState> by_member;
          std::unordered_set<int64_t> this_page;
          for (auto& d : *due) {
            if (progress.previous_page.count(d.lot.id)) {
              session.rollback();
              return fail(ErrorCode::kCorruption, "",
                          "lot " + std::to_string(d.lot.id) + " is still due after it was expired");
            }
            this_page.insert(d.lot.id);
            auto& state = by_member[d.member_id];
            state.wallet = wallet_name;
            state.lots.push_back(std::move(d.lot));
          }
          int64_t expired = 0;
          for (auto& [member_id, state] : by_member) {
            ledger::WalletLedger wallet(std::move(state), policy, session.ids(), now);
            CommandWrite write;
            write.program_id = program_id;
            write.member_id = member_id;
            write.wallet = wallet_name;
            write.changes = wallet.take_changes();
            for (const auto& t : write.changes.transfers) {
              if (t.kind == "expire") expired += t.amount;
            }
            write.events = ledger_events(write);
            if (auto r = compose_messages(session.store(), program, write.events); !r) {
              session.rollback();
              return std::unexpected(r.error());
            }
            if (auto r = session.store().apply(write); !r) {
              session.rollback();
              return std::unexpected(r.error());
            }
          }
          if (auto r = session.commit(); !r) return std::unexpected(r.error());
          // Counted only once committed.
          progress.expired += expired;
          for (const auto& [member_id, state] : by_member) {
            progress.members.insert(program_id + "/" + member_id);
          }
          progress.previous_page = std::move(this_page);
          return std::string();
        });
        if (auto r = page.get(); !r) return std::unexpected(r.error());
      }
    }
  }
  JobReport report;
  report.job = "expire";
  report.members = static_cast<int64_t>(progress.members.size());
  report.expired = progress.expired;
  return report;
}

}  // namespace

bool daily_job(std::string_view name) {
  return name == "reminders" || name == "winback" || name == "replenishment";
}

Result<std::vector<std::string>> jobs_named(std::string_view name) {
  std::vector<std::string> out;
  for (auto job : kJobNames) {
    if (name == "all" || name == job) out.emplace_back(job);
  }
  if (out.empty()) {
    return fail(ErrorCode::kInvalidArgument, "job",
                "must be holds, mature, expire, tiers, birthdays, monthly, referrals, reminders, "
                "winback, carts, replenishment, products or all");
  }
  return out;
}

namespace {

// One command per member (`body_of(i)` for members[i]), submitted in
// windows so the writer batches them without an unbounded queue; `add`
// reads each answer into the report.
template <class BodyOf, class Add>
void per_command(Writer& writer, const std::string& program_id,
                 const std::vector<std::string>& members, Instant now, BodyOf&& body_of,
                 const std::string& wallet, JobReport& report, Add&& add) {
  constexpr std::size_t kWindow = 4096;
  for (std::size_t start = 0; start < members.size(); start += kWindow) {
    std::vector<std::future<Result<Response>>> futures;
    for (std::size_t i = start; i < std::min(members.size(), start + kWindow); ++i) {
      Command c;
      c.program_id = program_id;
      c.member_id = members[i];
      c.wallet = wallet;
      c.now = now;
      c.body = body_of(i);
      futures.push_back(writer.submit(std::move(c)));
    }
    for (auto& f : futures) {
      auto r = f.get();
      report.members += 1;
      if (!r) {
        report.failed += 1;
        continue;
      }
      add(json::parse(r->json).as_object());
    }
  }
}

// per_command with the same body for every member.
template <class Add>
void per_member(Writer& writer, const std::string& program_id,
                const std::vector<std::string>& members, Instant now, const CommandBody& body,
                const std::string& wallet, JobReport& report, Add&& add) {
  per_command(
      writer, program_id, members, now, [&](std::size_t) { return body; }, wallet, report,
      std::forward<Add>(add));
}

// Members whose tier period ended: one EvaluateTier command each, in windows.
Result<JobReport> tiers_job(Writer& writer, Store& reader, Instant now,
                            const std::string& only_program) {
  JobReport report;
  report.job = "tiers";
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    if (!program.program.rules.tiers.enabled()) continue;
    auto due = reader.members_tier_due(program_id, now);
    if (!due) return std::unexpected(due.error());
    per_member(writer, program_id, *due, now, EvaluateTier{}, "", report,
               [&](const json::object& out) {
                 if (out.at("from") != out.at("to")) report.tier_changes += 1;
               });
  }
  return report;
}

// Birthday rewards due now: per birthday reward, the members born in a month
// whose reward date may fall in the grace window, who have no grant for that
// year yet; the job keeps those whose date is due and who existed on it, and
// the command (app/rewards.h birthday_reward) checks again.
Result<JobReport> birthdays_job(Writer& writer, Store& reader, Instant now,
                                const std::string& only_program) {
  using namespace std::chrono;
  JobReport report;
  report.job = "birthdays";
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    const year_month_day today = local_date(now, program.zone);
    for (const rules::Reward& reward : program.program.rules.rewards) {
      if (reward.on != rules::RewardOn::kBirthday) continue;
      // Birth months whose reward date can be in [today - grace, today]; one
      // month more before, for 29 February moved to 1 March.
      std::vector<unsigned> months;
      for (int64_t back = 0; back <= reward.grace_days + 31; ++back) {
        unsigned m = static_cast<unsigned>(year_month_day(sys_days(today) - days{back}).month());
        if (std::find(months.begin(), months.end(), m) == months.end()) months.push_back(m);
        if (back >= reward.grace_days && months.size() >= 2) break;
      }
      for (year y : {today.year() - years{1}, today.year()}) {
        auto born = reader.members_born_in(program_id, months, reward.id,
                                           std::to_string(static_cast<int>(y)));
        if (!born) return std::unexpected(born.error());
        std::vector<std::string> due;
        for (const Member& m : *born) {
          if (!m.birthday) continue;
          year_month_day date = rules::birthday_reward_date(reward, y, *m.birthday);
          Instant starts = local_midnight(date, program.zone);
          Instant ends = local_midnight(sys_days(date) + days{reward.grace_days + 1}, program.zone);
          Instant day_after = local_midnight(sys_days(date) + days{1}, program.zone);
          if (now >= starts && now < ends && m.created_at < day_after) due.push_back(m.id);
        }
        per_member(writer, program_id, due, now, BirthdayReward{reward.id, static_cast<int>(y)}, "",
                   report, [&](const json::object& out) {
                     report.rewards += static_cast<int64_t>(out.at("granted").as_array().size());
                   });
      }
    }
  }
  return report;
}

// Monthly rewards due now (a tier's monthly coupon): from the 1st of the
// local month through grace_days later, every member of the reward's tiers
// who existed on the 1st and has no grant for the month yet; the command
// (app/rewards.h monthly_reward) checks again.
Result<JobReport> monthly_job(Writer& writer, Store& reader, Instant now,
                              const std::string& only_program) {
  using namespace std::chrono;
  JobReport report;
  report.job = "monthly";
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    const year_month_day today = local_date(now, program.zone);
    const year_month_day first = today.year() / today.month() / day{1};
    const std::string month = format_date(first).substr(0, 7);
    for (const rules::Reward& reward : program.program.rules.rewards) {
      if (reward.on != rules::RewardOn::kMonthly) continue;
      if (sys_days(today) > sys_days(first) + days{reward.grace_days}) continue;
      // A spent budget would skip every member, on every run of the window.
      if (reward.budget.any()) {
        auto used = reader.rule_totals(program_id, reward.id);
        if (!used) return std::unexpected(used.error());
        if ((reward.budget.count > 0 && used->count >= reward.budget.count) ||
            (reward.budget.value > 0 && used->value >= reward.budget.value)) {
          continue;
        }
      }
      const Instant day_after = local_midnight(sys_days(first) + days{1}, program.zone);
      std::vector<std::string> due;
      PageRequest page{"", limits::kPageSizeMax};
      for (;;) {
        auto batch = reader.members_without_use(program_id, reward.id, month, page);
        if (!batch) return std::unexpected(batch.error());
        for (const Member& m : *batch) {
          if (m.created_at >= day_after) continue;
          if (!reward.tiers.empty() && std::find(reward.tiers.begin(), reward.tiers.end(),
                                                 member_tier(program, m)) == reward.tiers.end()) {
            continue;
          }
          due.push_back(m.id);
        }
        if (batch->size() < page.limit) break;
        page.after = batch->back().id;
      }
      per_member(writer, program_id, due, now, MonthlyReward{reward.id, month}, "", report,
                 [&](const json::object& out) {
                   report.rewards += static_cast<int64_t>(out.at("granted").as_array().size());
                 });
    }
  }
  return report;
}

// Pending referrals: one QualifyReferral command per referee, which rewards
// both sides or holds them for review once the referee's first order settled.
Result<JobReport> referrals_job(Writer& writer, Store& reader, Instant now,
                                const std::string& only_program) {
  JobReport report;
  report.job = "referrals";
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    if (!program.program.rules.referrals.enabled()) continue;
    std::vector<std::string> referees;
    PageRequest page{"", limits::kPageSizeMax};
    for (;;) {
      auto batch = reader.referrals_page(program_id, "pending", page);
      if (!batch) return std::unexpected(batch.error());
      // Only referees with a settled order go to the writer: the rest would
      // be commands that change nothing, every run, for every pending one.
      for (const Referral& r : *batch) {
        auto orders = reader.member_order_summaries(program_id, r.referee_id);
        if (!orders) return std::unexpected(orders.error());
        if (std::any_of(orders->begin(), orders->end(), [&](const OrderSummary& o) {
              return referral_order_settled(program, o, now);
            })) {
          referees.push_back(r.referee_id);
        }
      }
      if (batch->size() < page.limit) break;
      page.after = batch->back().referee_id;
    }
    per_member(writer, program_id, referees, now, QualifyReferral{}, "", report,
               [&](const json::object& out) {
                 const auto& state = out.at("referral").at("state").as_string();
                 if (state == "rewarded") report.referrals_rewarded += 1;
                 if (state == "review") report.referrals_held += 1;
               });
  }
  return report;
}

// Win-back offers due now (app/rewards.h winback_reward): one pass over the
// program's orders finds each member's last purchase; members whose last
// purchase is inactive_days old and who have no offer for that lapse yet
// get one command each.
Result<JobReport> winback_job(Writer& writer, Store& reader, Instant now,
                              const std::string& only_program) {
  JobReport report;
  report.job = "winback";
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    std::vector<const rules::Reward*> offers;
    for (const rules::Reward& r : program.program.rules.rewards) {
      if (r.on == rules::RewardOn::kWinback) offers.push_back(&r);
    }
    if (offers.empty()) continue;
    class LastPurchases final : public Store::OrderVisitor {
     public:
      explicit LastPurchases(const ResolvedProgram& p) : program_(p) {}
      Result<void> visit(const std::string& member_id, const OrderSummary& o) override {
        if (!purchased(program_, o)) return {};
        // The newest by (placed_at, id), as the command's last_purchase picks
        // it: orders of the same second come in no set order.
        auto [it, fresh] = last.try_emplace(member_id, o.id, o.placed_at);
        if (!fresh && (o.placed_at > it->second.second ||
                       (o.placed_at == it->second.second && o.id > it->second.first))) {
          it->second = {o.id, o.placed_at};
        }
        return {};
      }
      std::map<std::string, std::pair<std::string, Instant>> last;

     private:
      const ResolvedProgram& program_;
    } visitor(program);
    if (auto r = reader.scan_member_orders(program_id, visitor); !r) {
      return std::unexpected(r.error());
    }
    // P(alive) from a BG/NBD fit, when an offer goes by churn probability
    // too; a fit that fails or is not to be trusted (too few repeat buyers)
    // leaves those offers to inactive_days.
    std::optional<AliveProbabilities> alive;
    if (std::any_of(offers.begin(), offers.end(),
                    [](const rules::Reward* r) { return r->churn_above_bp > 0; })) {
      auto fitted = alive_probabilities(reader, program, local_date(now, program.zone));
      if (fitted && fitted->warning.empty()) alive = std::move(*fitted);
    }
    for (const rules::Reward* offer : offers) {
      const Instant cutoff = now - std::chrono::days{offer->inactive_days};
      const double alive_below = 1.0 - static_cast<double>(offer->churn_above_bp) / 10'000.0;
      std::vector<std::string> due;
      struct Churned {
        std::string member_id;
        double p_alive;
        std::string last_order_id;
      };
      std::vector<Churned> churned;
      {
        ReadSnapshot checks(reader);  // one read transaction, not one per query
        if (!checks.opened()) return std::unexpected(checks.opened().error());
        for (const auto& [member_id, last] : visitor.last) {
          std::optional<double> p_alive;
          if (last.second > cutoff) {
            if (!alive || offer->churn_above_bp == 0) continue;
            auto it = alive->p_alive.find(member_id);
            if (it == alive->p_alive.end() || it->second >= alive_below) continue;
            p_alive = it->second;
          }
          auto offered =
              reader.rule_use_exists(program_id, member_id, offer->id, "lapse:" + last.first);
          if (!offered) return std::unexpected(offered.error());
          if (*offered) continue;
          if (p_alive) {
            churned.push_back({member_id, *p_alive, last.first});
          } else {
            due.push_back(member_id);
          }
        }
      }
      auto count = [&](const json::object& out) {
        report.rewards += static_cast<int64_t>(out.at("granted").as_array().size());
      };
      per_member(writer, program_id, due, now, WinbackReward{offer->id, std::nullopt, ""}, "",
                 report, count);
      std::vector<std::string> churned_ids;
      for (const Churned& m : churned) churned_ids.push_back(m.member_id);
      per_command(
          writer, program_id, churned_ids, now,
          [&](std::size_t i) {
            return WinbackReward{offer->id, churned[i].p_alive, churned[i].last_order_id};
          },
          "", report, count);
    }
  }
  return report;
}

// Abandoned cart reminders due now (app/carts.h remind_cart): carts with
// items last changed between ignore_after_hours and remind_after_hours ago,
// not reminded yet; the command checks again and looks for an order since.
Result<JobReport> carts_job(Writer& writer, Store& reader, Instant now,
                            const std::string& only_program) {
  JobReport report;
  report.job = "carts";
  constexpr std::size_t kPage = 10'000;
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    const rules::Carts& carts = program.program.rules.carts;
    if (!carts.enabled) continue;
    const Instant oldest =
        now - std::chrono::hours{carts.ignore_after_hours} + std::chrono::seconds{1};
    const Instant newest =
        now - std::chrono::hours{carts.remind_after_hours} + std::chrono::seconds{1};
    std::vector<Cart> due;
    std::set<std::string> seen;
    for (Instant from = oldest;;) {
      auto page = reader.idle_carts(program_id, from, newest, kPage);
      if (!page) return std::unexpected(page.error());
      bool fresh = false;
      for (Cart& c : *page) {
        if (!seen.insert(c.id).second) continue;
        fresh = true;
        if (c.total < carts.min_total) continue;  // the command would refuse it every run
        auto sent = reader.rule_use_exists(program_id, c.member_id, "#cart", c.id);
        if (!sent) return std::unexpected(sent.error());
        if (!*sent) due.push_back(std::move(c));
      }
      if (page->size() < kPage || !fresh) break;
      from = page->back().updated_at;
    }
    std::vector<std::string> members;
    for (const Cart& cart : due) members.push_back(cart.member_id);
    per_command(
        writer, program_id, members, now, [&](std::size_t i) { return RemindCart{due[i].id}; }, "",
        report,
        [&](const json::object& out) {
          if (out.at("outcome").as_string() == "sent") report.reminders += 1;
        });
  }
  return report;
}

// Reminders due now (app/reminders.h): members with value expiring within
// the longest [reminders] lead, and members whose tier anniversary is within
// [tiers] warn_days; the command decides what to send, once.
Result<JobReport> reminders_job(Writer& writer, Store& reader, Instant now,
                                const std::string& only_program) {
  using namespace std::chrono;
  JobReport report;
  report.job = "reminders";
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    const rules::Reminders& reminders = program.program.rules.reminders;
    const year_month_day today = local_date(now, program.zone);
    std::set<std::string> members;
    if (!reminders.expiry_days.empty()) {
      const Instant horizon =
          local_midnight(sys_days(today) + days{reminders.expiry_days.back() + 1}, program.zone);
      for (const WalletConfig& wallet : program.program.wallets) {
        auto ids = reader.members_expiring(program_id, wallet.name, now, horizon);
        if (!ids) return std::unexpected(ids.error());
        members.insert(ids->begin(), ids->end());
      }
    }
    const rules::Tiers& tiers = program.program.rules.tiers;
    if (tiers.warn_days > 0 && tiers.enabled()) {
      const Instant horizon =
          local_midnight(sys_days(today) + days{tiers.warn_days + 1}, program.zone);
      auto ids = reader.members_tier_due(program_id, horizon);
      if (!ids) return std::unexpected(ids.error());
      members.insert(ids->begin(), ids->end());
    }
    per_member(writer, program_id, std::vector<std::string>(members.begin(), members.end()), now,
               SendReminders{}, "", report, [&](const json::object& out) {
                 report.reminders += static_cast<int64_t>(out.at("sent").as_array().size());
               });
  }
  return report;
}

// Calls `each` for every order of the program, with its lines, page by
// page inside one read snapshot (every page of one committed state).
template <class Each>
Result<void> each_order(Store& reader, const std::string& program_id, Each&& each) {
  ReadSnapshot snapshot(reader);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  PageRequest page{"", limits::kPageSizeMax};
  for (;;) {
    auto batch = reader.orders_page(program_id, page);
    if (!batch) return std::unexpected(batch.error());
    for (const OrderRecord& record : *batch) each(record);
    if (batch->size() < page.limit) return {};
    page.after = batch->back().order.id;
  }
}

// Replenishment reminders due now (app/replenishment.h): one pass over the
// program's orders with their lines finds what each member is due to buy
// again (a member's own median interval, else the SKU's over every member);
// members with a reminder not sent yet get one command each, which judges
// their orders again and sends each reminder once. The SKU medians go with
// the command: one member's orders cannot tell them.
Result<JobReport> replenishment_job(Writer& writer, Store& reader, Instant now,
                                    const std::string& only_program) {
  JobReport report;
  report.job = "replenishment";
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    if (!program.program.rules.replenishment) continue;
    rules::PurchaseHistory history(*program.program.rules.replenishment, program.zone);
    auto scanned = each_order(reader, program_id, [&](const OrderRecord& record) {
      add_purchase(history, program, record);
    });
    if (!scanned) return std::unexpected(scanned.error());
    const std::chrono::sys_days today(local_date(now, program.zone));
    std::map<std::string, SendReplenishment> due_members;
    {
      ReadSnapshot checks(reader);  // one read transaction, not one per query
      if (!checks.opened()) return std::unexpected(checks.opened().error());
      for (const rules::ReplenishmentDue& due : history.due(today, history.sku_intervals())) {
        auto sent = reader.rule_use_exists(program_id, due.member_id, kReplenishmentUse,
                                           replenishment_key(due));
        if (!sent) return std::unexpected(sent.error());
        if (*sent) continue;
        SendReplenishment& body = due_members[due.member_id];
        if (due.basis == rules::IntervalBasis::kSku)
          body.sku_intervals[due.sku] = due.interval_days;
      }
    }
    std::vector<std::string> members;
    std::vector<SendReplenishment> bodies;
    for (auto& [member_id, body] : due_members) {
      members.push_back(member_id);
      bodies.push_back(std::move(body));
    }
    per_command(
        writer, program_id, members, now, [&](std::size_t i) { return std::move(bodies[i]); }, "",
        report,
        [&](const json::object& out) {
          report.reminders += static_cast<int64_t>(out.at("sent").as_array().size());
        });
  }
  return report;
}

// New-product notices due now (app/products.h): for each product announced
// and still pending, one pass over the orders of the last lookback_days
// finds the members who bought in its category (or, without one, its brand)
// and not the product itself; each gets a NotifyProduct command, then the
// product is marked sent.
Result<JobReport> products_job(Writer& writer, Store& reader, Instant now,
                               const std::string& only_program) {
  JobReport report;
  report.job = "products";
  constexpr std::size_t kProductsPerRun = 100;
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    const rules::NewProducts& rules = program.program.rules.new_products;
    if (!rules.enabled) continue;
    auto pending = reader.pending_products(program_id, now, kProductsPerRun);
    if (!pending) return std::unexpected(pending.error());
    if (pending->empty()) continue;
    // Who bought what the pending products are matched on.
    std::map<std::string, std::set<std::string>> by_category, by_brand, by_sku;
    for (const Product& p : *pending) {
      if (!p.category.empty()) by_category[p.category];
      if (!p.brand.empty()) by_brand[p.brand];
      by_sku[p.sku];
    }
    const Instant since = now - std::chrono::days{rules.lookback_days};
    auto scanned = each_order(reader, program_id, [&](const OrderRecord& record) {
      const rules::Order& o = record.order;
      if (o.member_id.empty() || o.placed_at < since || o.placed_at > now ||
          !purchased(program, record)) {
        return;
      }
      for (const rules::OrderLine& line : o.lines) {
        if (line.reward || line.refunded_quantity >= line.quantity) continue;
        if (auto it = by_category.find(line.category); it != by_category.end()) {
          it->second.insert(o.member_id);
        }
        if (auto it = by_brand.find(line.brand); it != by_brand.end()) {
          it->second.insert(o.member_id);
        }
        if (auto it = by_sku.find(line.sku); it != by_sku.end()) it->second.insert(o.member_id);
      }
    });
    if (!scanned) return std::unexpected(scanned.error());
    for (const Product& p : *pending) {
      const bool by_cat = !p.category.empty();
      const std::set<std::string>& interested =
          by_cat ? by_category[p.category] : by_brand[p.brand];
      const std::set<std::string>& bought = by_sku[p.sku];
      std::vector<std::string> members;
      for (const std::string& m : interested) {
        if (!bought.count(m)) members.push_back(m);
      }
      int64_t sent = 0, notified = 0;
      const int64_t failed_before = report.failed;
      per_member(writer, program_id, members, now,
                 NotifyProduct{p.sku, by_cat ? "category" : "brand"}, "", report,
                 [&](const json::object& out) {
                   const auto& outcome = out.at("outcome").as_string();
                   if (outcome == "sent") ++sent;
                   // Told by an earlier run that stopped before finishing.
                   if (outcome == "sent" || outcome == "sent_before") ++notified;
                 });
      report.reminders += sent;
      // A notice that failed is retried by the next run: the product stays
      // pending until every member was told.
      if (report.failed > failed_before) continue;
      Command finish;
      finish.program_id = program_id;
      finish.now = now;
      finish.body = FinishProduct{p.sku, notified};
      if (auto r = writer.submit(std::move(finish)).get(); !r) return std::unexpected(r.error());
    }
  }
  return report;
}

}  // namespace

Result<JobReport> run_job(Writer& writer, Store& reader, const std::string& job, Instant now,
                          const std::string& only_program) {
  if (std::find(kJobNames.begin(), kJobNames.end(), job) == kJobNames.end()) {
    return fail(ErrorCode::kInvalidArgument, "job",
                "unknown job '" + job +
                    "' (jobs: holds, mature, expire, tiers, birthdays, monthly, referrals, "
                    "reminders, winback, carts, replenishment, products)");
  }
  if (!only_program.empty()) {
    if (auto p = writer.programs().find(only_program); !p) return std::unexpected(p.error());
  }
  if (job == "expire") return expire_in_bulk(writer, now, only_program);
  if (job == "tiers") return tiers_job(writer, reader, now, only_program);
  if (job == "birthdays") return birthdays_job(writer, reader, now, only_program);
  if (job == "monthly") return monthly_job(writer, reader, now, only_program);
  if (job == "referrals") return referrals_job(writer, reader, now, only_program);
  if (job == "reminders") return reminders_job(writer, reader, now, only_program);
  if (job == "winback") return winback_job(writer, reader, now, only_program);
  if (job == "carts") return carts_job(writer, reader, now, only_program);
  if (job == "products") return products_job(writer, reader, now, only_program);
  if (job == "replenishment") return replenishment_job(writer, reader, now, only_program);
  JobReport report;
  report.job = job;
  for (const auto& [program_id, program] : writer.programs().all()) {
    if (!only_program.empty() && program_id != only_program) continue;
    for (const WalletConfig& config : program.program.wallets) {
      auto due = reader.members_due(program_id, config.name, job, now);
      if (!due) return std::unexpected(due.error());
      per_member(writer, program_id, *due, now, Settle{job}, config.name, report,
                 [&](const json::object& out) {
                   report.matured += out.at("matured").as_int64();
                   report.expired += out.at("expired").as_int64();
                   report.holds_expired += out.at("holds_expired").as_int64();
                 });
    }
  }
  return report;
}

json::object job_report_json(const JobReport& r) {
  return json::object{{"members", r.members},
                      {"matured", r.matured},
                      {"expired", r.expired},
                      {"holds_expired", r.holds_expired},
                      {"tier_changes", r.tier_changes},
                      {"rewards", r.rewards},
                      {"referrals_rewarded", r.referrals_rewarded},
                      {"referrals_held", r.referrals_held},
                      {"reminders", r.reminders},
                      {"failed", r.failed}};
}

Result<JobRun> run_and_record(Writer& writer, Store& reader, const Clock& clock,
                              const std::string& program_id, const std::string& job, Instant as_of,
                              const std::string& trigger, bool record_if_idle, int64_t* failed) {
  JobRun run;
  run.program_id = program_id;
  run.job = job;
  run.trigger = trigger;
  run.as_of = as_of;
  run.started_at = clock.now();
  auto report = run_job(writer, reader, job, as_of, program_id);
  // An unknown job or program is the caller's mistake, not a run to record.
  if (!report && report.error().code == ErrorCode::kInvalidArgument) {
    return std::unexpected(report.error());
  }
  if (!report && report.error().code == ErrorCode::kNotFound) {
    return std::unexpected(report.error());
  }
  run.finished_at = clock.now();
  run.ok = report.has_value();
  if (failed) *failed = report ? report->failed : 0;
  run.report = report ? json::serialize(job_report_json(*report))
                      : json::serialize(json::object{{"error", report.error().message}});
  bool idle = report && report->members == 0 && report->failed == 0;
  if (idle && !record_if_idle) return run;
  Command c;
  c.program_id = program_id;
  c.actor = trigger;
  c.body = RecordJobRun{run};
  if (auto r = writer.execute(std::move(c)); !r) return std::unexpected(r.error());
  return run;
}

}  // namespace patron::app
