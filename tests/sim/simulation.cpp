#include "simulation.h"

#include <algorithm>
#include <cstdlib>

#include "ledger/verify.h"

namespace patron::sim {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Steps of the failing run shown in the report.
constexpr std::size_t kLogLinesShown = 40;

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoll(v, nullptr, 10);
}

Simulation::Simulation(uint64_t seed, Coverage& coverage)
    : seed_(seed),
      coverage_(coverage),
      rng_(seed),
      partial_rng_(seed ^ 0x9e3779b97f4a7c15ULL),
      policy_(sim_policy(seed)),
      model_(model_config(policy_)) {
  stored_.wallet = policy_.name;
  now_ = *parse_instant("2026-01-01T09:00", policy_.zone, "start") + days{uniform(0, 365)};
  coverage_.policies.insert(std::string(to_string(policy_.debt)) + "/" +
                            std::string(to_string(policy_.restore)));
}

void Simulation::run(int steps) {
  for (int i = 0; i < steps; ++i) {
    step();
    if (::testing::Test::HasFailure()) {
      std::string tail;
      std::size_t from = log_.size() > kLogLinesShown ? log_.size() - kLogLinesShown : 0;
      for (std::size_t j = from; j < log_.size(); ++j) tail += "  " + log_[j] + "\n";
      ADD_FAILURE() << "seed " << seed_ << " failed at step " << i << " ("
                    << to_string(policy_.debt) << ", " << to_string(policy_.restore)
                    << "); rerun with PATRON_SIM_SEED=" << seed_ << "\nlast steps:\n"
                    << tail;
      return;
    }
  }
}

void Simulation::step() {
  // Time passes between commands, sometimes long enough for holds to time out.
  now_ += seconds{chance(0.8) ? uniform(0, 60) : uniform(60, 1800)};
  int64_t roll = uniform(0, 99);
  if (roll < 20) return grant();
  if (roll < 32) return spend();
  if (roll < 42) return reserve();
  if (roll < 51) return capture();
  if (roll < 56) return release();
  if (roll < 65) return clawback();
  if (roll < 73) return restore();
  if (roll < 79) return adjust();
  if (roll < 84) return release_order();
  if (roll < 96) return clock_jump();
  return invalid();
}

ledger::Scope Simulation::random_scope() {
  ledger::Scope s;
  switch (uniform(0, 4)) {
    case 0:
      s.categories = {pick(std::vector<std::string>{"shoes", "bags"})};
      break;
    case 1:
      s.brands = {"acme"};
      break;
    case 2:
      s.skus = {"s1", "s2"};
      break;
    case 3:
      s.channels = {"pos"};
      break;
    default:
      s.categories = {"shoes", "toys"};
      s.channels = {"web"};
      break;
  }
  return s;
}

std::vector<ledger::PayLine> Simulation::random_lines() {
  std::vector<ledger::PayLine> lines;
  int64_t n = uniform(1, 3);
  for (int64_t i = 0; i < n; ++i) {
    ledger::PayLine l;
    l.line_id = line_ids_[static_cast<std::size_t>(i)];
    l.category = pick(std::vector<std::string>{"shoes", "bags", "toys"});
    l.brand = pick(std::vector<std::string>{"acme", "zen"});
    l.channel = pick(std::vector<std::string>{"web", "pos"});
    l.sku = pick(std::vector<std::string>{"s1", "s2", "s3"});
    l.amount = uniform(0, 250);
    lines.push_back(l);
  }
  return lines;
}

namespace {

std::string lines_json(const std::vector<ledger::PayLine>& lines) {
  if (lines.empty()) return "";
  std::string out = "[";
  for (const auto& l : lines) {
    if (out.size() > 1) out += ",";
    out += "{\"line_id\":\"" + l.line_id + "\",\"sku\":\"" + l.sku + "\",\"category\":\"" +
           l.category + "\",\"brand\":\"" + l.brand + "\",\"channel\":\"" + l.channel +
           "\",\"amount\":" + std::to_string(l.amount) + "}";
  }
  return out + "]";
}

}  // namespace

void Simulation::record(std::vector<std::string> args, std::string lines, int64_t creates_hold,
                        int64_t uses_hold) {
  if (record_ == nullptr) return;
  record_->push_back(
      CliCall{now_, std::move(args), std::move(lines), last_error_, creates_hold, uses_hold});
}

int64_t Simulation::random_hold_id() {
  const auto& holds = model_.holds();
  if (holds.empty() || chance(0.08)) return uniform(0, 3) == 0 ? 0 : 1000 + uniform(0, 9);
  // Prefer open holds; sometimes pick any (resolved ones must conflict).
  std::vector<int64_t> open;
  for (const ModelHold& h : holds) {
    if (h.state == ModelHoldState::kOpen) open.push_back(h.id);
  }
  if (!open.empty() && chance(0.8)) return pick(open);
  return holds[static_cast<std::size_t>(uniform(0, static_cast<int64_t>(holds.size()) - 1))].id;
}

void Simulation::grant() {
  ledger::Grant g;
  g.amount = amount();
  g.source = pick(std::vector<std::string>{"purchase", "purchase", "birthday", "signup", "campaign",
                                           "referral"});
  if (chance(0.2)) {
    g.available_at = now_ + seconds{uniform(3600, 10 * 86400)};
  } else if (chance(0.1)) {
    g.pending_until_release = true;
  }
  if (chance(0.3))
    g.expires_at = g.available_at.value_or(now_) + seconds{uniform(3600, 60 * 86400)};
  if (chance(0.25)) g.scope = random_scope();
  if (g.pending_until_release || chance(0.5)) {
    g.order_id = pick(orders_);
    if (chance(0.6)) {
      int64_t left = g.amount;
      int64_t n = uniform(1, 3);
      for (int64_t i = 0; i < n; ++i) {
        int64_t share = i + 1 == n ? left : uniform(0, left);
        g.line_shares.push_back({line_ids_[static_cast<std::size_t>(i)], share, 0});
        left -= share;
      }
    }
  }
  std::string what =
      "grant " + std::to_string(g.amount) + " " + g.source +
      (g.order_id.empty() ? "" : " order " + g.order_id) +
      (g.pending_until_release ? " pending-until-release" : "") +
      (g.available_at ? " available " + format_instant(*g.available_at) : "") +
      (g.expires_at ? " expires " + format_instant(*g.expires_at) : "") +
      (g.scope.unrestricted() ? "" : " scoped") +
      (g.line_shares.empty() ? "" : " shares " + std::to_string(g.line_shares.size()));
  execute(
      "grant", what, [&](ledger::WalletLedger& l) { return l.grant(g); },
      [&](auto&) { return model_.grant(now_, g); },
      [&](const ledger::GrantResult& p, const ledger::GrantResult& m) {
        EXPECT_EQ(p.lot_id, m.lot_id);
        EXPECT_EQ(p.pending, m.pending);
        EXPECT_EQ(p.expires_at, m.expires_at);
        EXPECT_EQ(p.debt_settled, m.debt_settled);
      });
  std::vector<std::string> args = {"wallet",   "grant", "sim", "--amount", std::to_string(g.amount),
                                   "--source", g.source};
  // The wallet's default expiry is passed explicitly: the CLI's program has
  // no rule for "campaign".
  auto expiry = g.expires_at ? g.expires_at
                             : ledger::expires_at(policy_.expiry_for(g.source), now_, policy_.zone);
  if (expiry) args.insert(args.end(), {"--expires-at", format_instant(*expiry)});
  if (g.available_at) args.insert(args.end(), {"--available-at", format_instant(*g.available_at)});
  if (g.pending_until_release) args.push_back("--pending");
  if (!g.order_id.empty()) args.insert(args.end(), {"--order", g.order_id});
  for (const auto& share : g.line_shares) {
    args.insert(args.end(), {"--line", share.line_id + "=" + std::to_string(share.amount)});
  }
  for (const auto& v : g.scope.categories) args.insert(args.end(), {"--scope-category", v});
  for (const auto& v : g.scope.skus) args.insert(args.end(), {"--scope-sku", v});
  for (const auto& v : g.scope.brands) args.insert(args.end(), {"--scope-brand", v});
  for (const auto& v : g.scope.channels) args.insert(args.end(), {"--scope-channel", v});
  record(std::move(args));
}

void Simulation::spend() {
  ledger::Spend s;
  if (chance(0.5)) s.lines = random_lines();
  int64_t spendable = model_.spendable(s.lines.empty());
  int64_t roll = uniform(0, 9);
  s.amount = roll < 2 && spendable > 0 ? spendable : roll < 3 ? spendable + 1 : amount();
  if (s.amount <= 0) s.amount = uniform(1, 50);
  if (chance(0.85)) s.order_id = pick(orders_);
  std::string what = "spend " + std::to_string(s.amount) + " lines " +
                     std::to_string(s.lines.size()) + " order " + s.order_id;
  bool multi = s.lines.size() > 1;
  execute(
      "spend", what, [&](ledger::WalletLedger& l) { return l.spend(s); },
      [&](const Result<ledger::SpendResult>& p) {
        return model_.spend(now_, s, p ? &p->allocations : nullptr);
      },
      [&](const ledger::SpendResult& p, const ledger::SpendResult& m) {
        EXPECT_EQ(p.redemption_id, m.redemption_id);
        EXPECT_EQ(p.allocations, m.allocations);
        if (multi) coverage_.multi_line_spends += 1;
      });
  std::vector<std::string> args = {"wallet", "spend", "sim", "--amount", std::to_string(s.amount)};
  if (!s.order_id.empty()) args.insert(args.end(), {"--order", s.order_id});
  record(std::move(args), lines_json(s.lines));
}

void Simulation::reserve() {
  ledger::Reserve r;
  if (chance(0.4)) r.lines = random_lines();
  int64_t spendable = model_.spendable(r.lines.empty());
  r.amount = chance(0.2) && spendable > 0 ? spendable : amount();
  r.order_id = pick(orders_);
  if (chance(0.5)) r.ttl_s = uniform(60, 3 * 86400);
  std::string what = "reserve " + std::to_string(r.amount) + " lines " +
                     std::to_string(r.lines.size()) + " order " + r.order_id + " ttl " +
                     std::to_string(r.ttl_s.value_or(-1));
  std::vector<ledger::Allocation> observed;
  int64_t created_hold = 0;
  execute(
      "reserve", what,
      [&](ledger::WalletLedger& l) {
        auto result = l.reserve(r);
        if (result) created_hold = result->hold_id;
        if (result) {
          for (const ledger::Hold& h : l.state().holds) {
            if (h.id == result->hold_id) observed = h.allocations;
          }
        }
        return result;
      },
      [&](const Result<ledger::HoldResult>& p) {
        return model_.reserve(now_, r, p ? &observed : nullptr);
      },
      [&](const ledger::HoldResult& p, const ledger::HoldResult& m) {
        EXPECT_EQ(p.hold_id, m.hold_id);
        EXPECT_EQ(p.amount, m.amount);
        EXPECT_EQ(p.expires_at, m.expires_at);
      });
  std::vector<std::string> args = {"--json",  "hold",     "reserve",
                                   "sim",     "--amount", std::to_string(r.amount),
                                   "--order", r.order_id};
  if (r.ttl_s) args.insert(args.end(), {"--ttl", std::to_string(*r.ttl_s)});
  record(std::move(args), lines_json(r.lines), last_error_ ? 0 : created_hold);
}

void Simulation::capture() {
  if (model_.holds().empty() && chance(0.8)) return reserve();
  int64_t hold_id = random_hold_id();
  std::optional<int64_t> amount;
  int64_t held = 0;
  for (const ModelHold& h : model_.holds()) {
    if (h.id == hold_id) held = h.amount;
  }
  int64_t roll = uniform(0, 19);
  if (roll < 7 && held > 0) amount = uniform(1, held);
  if (roll == 7) amount = held + uniform(1, 10);
  if (roll == 8) amount = 0;
  std::string what = "capture hold " + std::to_string(hold_id) + " amount " +
                     (amount ? std::to_string(*amount) : "all");
  execute(
      "capture", what, [&](ledger::WalletLedger& l) { return l.capture(hold_id, amount); },
      [&](auto&) { return model_.capture(now_, hold_id, amount); },
      [&](const ledger::HoldResult& p, const ledger::HoldResult& m) {
        EXPECT_EQ(p.captured, m.captured);
        EXPECT_EQ(p.released, m.released);
        EXPECT_EQ(p.state, m.state);
      });
  std::vector<std::string> args = {"hold", "capture", "HOLD"};
  if (amount) args.insert(args.end(), {"--amount", std::to_string(*amount)});
  record(std::move(args), "", 0, hold_id);
}

void Simulation::release() {
  if (model_.holds().empty() && chance(0.8)) return reserve();
  int64_t hold_id = random_hold_id();
  execute(
      "release", "release hold " + std::to_string(hold_id),
      [&](ledger::WalletLedger& l) { return l.release(hold_id); },
      [&](auto&) { return model_.release(now_, hold_id); },
      [&](const ledger::HoldResult& p, const ledger::HoldResult& m) {
        EXPECT_EQ(p.released, m.released);
        EXPECT_EQ(p.state, m.state);
      });
  record({"hold", "release", "HOLD"}, "", 0, hold_id);
}

void Simulation::clawback() {
  ledger::Clawback c;
  c.order_id = pick(orders_);
  std::string what = "clawback order " + c.order_id;
  if (chance(0.5)) {
    int64_t n = uniform(1, 2);
    for (int64_t i = 0; i < n; ++i) {
      int64_t d = uniform(1, 4);
      c.lines.push_back({pick(line_ids_), uniform(1, d), d});
      what += " " + c.lines.back().line_id + ":" + std::to_string(c.lines.back().numerator) + "/" +
              std::to_string(d);
    }
  } else {
    c.denominator = uniform(1, 4);
    c.numerator = uniform(1, c.denominator);
    what += " " + std::to_string(c.numerator) + "/" + std::to_string(c.denominator);
  }
  execute(
      "clawback", what, [&](ledger::WalletLedger& l) { return l.clawback(c); },
      [&](auto&) { return model_.clawback(now_, c); },
      [&](const ledger::ClawbackResult& p, const ledger::ClawbackResult& m) {
        EXPECT_EQ(p.due, m.due);
        EXPECT_EQ(p.from_pending, m.from_pending);
        EXPECT_EQ(p.from_available, m.from_available);
        EXPECT_EQ(p.expired, m.expired);
        EXPECT_EQ(p.debt_added, m.debt_added);
        EXPECT_EQ(p.written_off, m.written_off);
        coverage_.debt_added += m.debt_added;
        coverage_.written_off += m.written_off;
        coverage_.spent_then_expired += model_.last_expired_shortfall();
      });
  std::vector<std::string> args = {"wallet", "clawback", "sim", "--order", c.order_id};
  for (const auto& l : c.lines) {
    args.insert(args.end(), {"--line", l.line_id + ":" + std::to_string(l.numerator) + "/" +
                                           std::to_string(l.denominator)});
  }
  if (c.lines.empty()) {
    args.insert(args.end(),
                {"--fraction", std::to_string(c.numerator) + "/" + std::to_string(c.denominator)});
  }
  record(std::move(args));
}

void Simulation::restore() {
  ledger::Restore r;
  r.order_id = pick(orders_);
  if (chance(0.25)) r.line_ids = {pick(line_ids_)};
  int64_t restorable = model_.restorable(r.order_id, r.line_ids);
  if (chance(0.6)) r.amount = uniform(1, restorable + 3);
  std::string what = "restore order " + r.order_id + " amount " +
                     (r.amount ? std::to_string(*r.amount) : "all") +
                     (r.line_ids.empty() ? "" : " line " + r.line_ids[0]);
  execute(
      "restore", what, [&](ledger::WalletLedger& l) { return l.restore(r); },
      [&](auto&) { return model_.restore(now_, r); },
      [&](const ledger::RestoreResult& p, const ledger::RestoreResult& m) {
        EXPECT_EQ(p.restored, m.restored);
        EXPECT_EQ(p.to_new_lots, m.to_new_lots);
        EXPECT_EQ(p.expired_now, m.expired_now);
        coverage_.restored_to_new_lots += m.to_new_lots;
        coverage_.restored_expired_now += m.expired_now;
      });
  std::vector<std::string> args = {"wallet", "restore", "sim", "--order", r.order_id};
  if (r.amount) args.insert(args.end(), {"--amount", std::to_string(*r.amount)});
  for (const auto& l : r.line_ids) args.insert(args.end(), {"--line", l});
  record(std::move(args));
}

void Simulation::adjust() {
  ledger::Adjust a;
  a.reason = "simulated support ticket";
  if (chance(0.5)) {
    a.amount = uniform(1, 200);
    if (chance(0.3)) a.expires_at = now_ + seconds{uniform(3600, 30 * 86400)};
  } else {
    a.amount = -uniform(1, std::max<int64_t>(1, model_.spendable(false) + 10));
  }
  execute(
      "adjust", "adjust " + std::to_string(a.amount),
      [&](ledger::WalletLedger& l) { return l.adjust(a); },
      [&](auto&) { return model_.adjust(now_, a); },
      [&](const ledger::GrantResult& p, const ledger::GrantResult& m) {
        EXPECT_EQ(p.lot_id, m.lot_id);
        EXPECT_EQ(p.debt_settled, m.debt_settled);
      });
  std::vector<std::string> args = {
      "wallet", "adjust", "sim", "--amount", std::to_string(a.amount), "--reason", a.reason};
  if (a.expires_at) args.insert(args.end(), {"--expires-at", format_instant(*a.expires_at)});
  record(std::move(args));
}

void Simulation::release_order() {
  std::string order = pick(orders_);
  execute(
      "release_order", "release_order " + order,
      [&](ledger::WalletLedger& l) { return l.release_order(order); },
      [&](auto&) { return model_.release_order(now_, order); },
      [&](const ledger::JobResult& p, const ledger::JobResult& m) {
        EXPECT_EQ(p.lots, m.lots);
        EXPECT_EQ(p.amount, m.amount);
      });
  record({"wallet", "release", "sim", "--order", order});
}

void Simulation::clock_jump() {
  // Half the jumps land exactly on (or one second before) the next instant at
  // which something happens, so exclusive/inclusive boundaries are exercised.
  std::vector<Instant> events;
  for (const ModelLot& l : model_.lots()) {
    if (l.expires_at && *l.expires_at > now_) events.push_back(*l.expires_at);
    if (l.state == ModelLotState::kPending && l.available_at && *l.available_at > now_) {
      events.push_back(*l.available_at);
    }
  }
  for (const ModelHold& h : model_.holds()) {
    if (h.state == ModelHoldState::kOpen && h.expires_at > now_) events.push_back(h.expires_at);
  }
  int64_t kind = uniform(0, 9);
  if (!events.empty() && kind < 5) {
    Instant event = *std::min_element(events.begin(), events.end());
    if (kind == 0) event = pick(events);
    now_ = kind == 1 && event - seconds{1} > now_ ? event - seconds{1} : event;
  } else {
    switch (uniform(0, 4)) {
      case 0:
        now_ += minutes{uniform(1, 59)};
        break;
      case 1:
        now_ += hours{uniform(1, 23)};
        break;
      case 2:
        now_ += days{uniform(1, 10)};
        break;
      case 3:
        now_ += days{uniform(15, 40)};
        break;
      default:
        now_ += days{uniform(60, 120)};
        break;
    }
  }
  log_.push_back(format_instant(now_) + " clock jump; jobs run");
  ledger::WalletLedger ledger(stored_, policy_, ids_, now_);
  ledger::Changes settled = ledger.take_changes();
  // The jobs are idempotent: the constructor already ran them at `now`.
  EXPECT_EQ(ledger.expire_holds().holds, 0);
  EXPECT_EQ(ledger.mature().lots, 0);
  EXPECT_EQ(ledger.expire().lots, 0);
  ledger::Changes again = ledger.take_changes();
  EXPECT_TRUE(again.transfers.empty()) << "jobs changed something on a second run";
  model_.settle(now_);
  commit(ledger, {settled, again});
}

// Inputs production must reject; the model predicts the code and the field.
void Simulation::invalid() {
  switch (uniform(0, 7)) {
    case 0: {
      ledger::Grant g;
      g.amount = pick(std::vector<int64_t>{0, -3, 2'000'000'000'000'000});
      g.source = "purchase";
      execute(
          "invalid_grant", "grant amount " + std::to_string(g.amount),
          [&](ledger::WalletLedger& l) { return l.grant(g); },
          [&](auto&) { return model_.grant(now_, g); }, [](const auto&, const auto&) {});
      return;
    }
    case 1: {
      ledger::Grant g;
      g.amount = 10;
      g.source = pick(std::vector<std::string>{"Signup", "sign-up", "", std::string(41, 'x')});
      if (chance(0.5)) {
        g.source = "purchase";
        g.expires_at = now_ - seconds{uniform(0, 86400)};
      }
      execute(
          "invalid_grant", "grant source '" + g.source + "'",
          [&](ledger::WalletLedger& l) { return l.grant(g); },
          [&](auto&) { return model_.grant(now_, g); }, [](const auto&, const auto&) {});
      return;
    }
    case 2: {
      ledger::Grant g;
      g.amount = 10;
      g.source = "birthday";
      g.order_id = chance(0.5) ? std::string(129, 'o') : "o1";
      g.line_shares = {{"l1", 4, 0}, {"l2", 5, 0}};
      if (chance(0.5)) g.available_at = now_ + days{40};  // after the 30-day expiry
      execute(
          "invalid_grant", "grant bad order/shares/available_at",
          [&](ledger::WalletLedger& l) { return l.grant(g); },
          [&](auto&) { return model_.grant(now_, g); }, [](const auto&, const auto&) {});
      return;
    }
    case 3: {
      ledger::Reserve r;
      r.amount = 5;
      r.order_id = chance(0.5) ? "" : "o1";
      r.ttl_s = chance(0.5) ? std::optional<int64_t>(0) : std::optional<int64_t>(700'000);
      execute(
          "invalid_reserve", "reserve bad order/ttl",
          [&](ledger::WalletLedger& l) { return l.reserve(r); },
          [&](auto&) { return model_.reserve(now_, r, nullptr); }, [](const auto&, const auto&) {});
      return;
    }
    case 4: {
      ledger::Clawback c;
      c.order_id = "o1";
      c.numerator = pick(std::vector<int64_t>{0, 3, -1});
      c.denominator = 2;
      execute(
          "invalid_clawback", "clawback fraction " + std::to_string(c.numerator) + "/2",
          [&](ledger::WalletLedger& l) { return l.clawback(c); },
          [&](auto&) { return model_.clawback(now_, c); }, [](const auto&, const auto&) {});
      return;
    }
    case 5: {
      ledger::Adjust a;
      a.amount = chance(0.5) ? 0 : 10;
      a.reason = a.amount == 0 ? "zero" : "";
      execute(
          "invalid_adjust", "adjust without reason or amount",
          [&](ledger::WalletLedger& l) { return l.adjust(a); },
          [&](auto&) { return model_.adjust(now_, a); }, [](const auto&, const auto&) {});
      return;
    }
    case 6: {
      ledger::Spend s;
      s.amount = 5;
      s.lines = random_lines();
      s.lines[0].line_id = chance(0.5) ? "" : std::string(129, 'l');
      execute(
          "invalid_spend", "spend with a bad line id",
          [&](ledger::WalletLedger& l) { return l.spend(s); },
          [&](auto&) { return model_.spend(now_, s, nullptr); }, [](const auto&, const auto&) {});
      return;
    }
    default: {
      ledger::Restore r;
      r.order_id = pick(orders_);
      r.amount = chance(0.5) ? 0 : model_.restorable(r.order_id, {}) + 1;
      execute(
          "invalid_restore", "restore amount " + std::to_string(*r.amount),
          [&](ledger::WalletLedger& l) { return l.restore(r); },
          [&](auto&) { return model_.restore(now_, r); }, [](const auto&, const auto&) {});
      return;
    }
  }
}

template <class Prod, class Model, class Compare>
void Simulation::execute(const std::string& kind, const std::string& what, Prod prod, Model model,
                         Compare compare) {
  log_.push_back(format_instant(now_) + " " + what);
  last_error_.reset();
  SCOPED_TRACE("seed " + std::to_string(seed_) + ": " + log_.back());
  const CountingIds ids_before = ids_;
  ledger::WalletLedger ledger(stored_, policy_, ids_, now_);
  ledger::Changes settled = ledger.take_changes();
  ledger::WalletState settled_state = ledger.state();
  auto p = prod(ledger);
  ledger::Changes changes = ledger.take_changes();
  ReferenceWallet before = model_;
  auto m = model(p);
  check_partial_loads(ids_before, prod, p, settled, changes, ledger);
  if (p.has_value() != m.has_value()) {
    ADD_FAILURE() << "production " << (p ? "succeeded" : "failed: " + p.error().message)
                  << " but the model "
                  << (m ? "succeeded"
                        : "failed: " + std::string(to_string(m.error().code)) + " on " +
                              m.error().field);
    return;
  }
  if (!p) {
    last_error_ = p.error().code;
    EXPECT_EQ(to_string(p.error().code), to_string(m.error().code)) << p.error().message;
    EXPECT_EQ(p.error().field, m.error().field) << p.error().message;
    EXPECT_TRUE(changes.transfers.empty()) << "a failed command posted transfers";
    EXPECT_TRUE(same_state(ledger.state(), settled_state)) << "a failed command changed the state";
    coverage_.failed[kind + ":" + std::string(to_string(p.error().code))] += 1;
    log_.back() += " -> " + std::string(to_string(p.error().code));
    model_ = before;  // the app discards the ledger: nothing is stored, not even settling
    return;
  }
  coverage_.ok[kind] += 1;
  compare(*p, *m);
  commit(ledger, {settled, changes});
}

namespace {

// The full load a partial ledger asks for: the stored state.
class StoredLots final : public ledger::LotSource {
 public:
  explicit StoredLots(const ledger::WalletState& stored) : stored_(stored) {}
  Result<ledger::WalletState> full() override {
    calls += 1;
    return stored_;
  }
  int calls = 0;

 private:
  const ledger::WalletState& stored_;
};

bool same_changes(const ledger::Changes& a, const ledger::Changes& b) {
  return a.lots == b.lots && a.holds == b.holds && a.redemptions == b.redemptions &&
         a.transfers == b.transfers && a.debt == b.debt;
}

}  // namespace

// The app loads an order's commands partially (app::LoadHint::partial_at):
// the same command on ledger::leave_out() of the stored state, for no order
// and for a random one, must give the same result, changes and balances,
// fetching the left-out lots only when it picks among them.
template <class Prod, class R>
void Simulation::check_partial_loads(const CountingIds& ids_before, Prod& prod,
                                     const R& full_result, const ledger::Changes& settled,
                                     const ledger::Changes& changes,
                                     const ledger::WalletLedger& full) {
  const std::string some_order = orders_[partial_rng_() % orders_.size()];
  for (const std::string& order : {std::string(), some_order}) {
    SCOPED_TRACE("partial load for order '" + order + "'");
    ledger::WalletState partial = ledger::leave_out(stored_, order, now_);
    StoredLots source(stored_);
    CountingIds ids = ids_before;
    ledger::WalletLedger l(std::move(partial), policy_, ids, now_, &source);
    EXPECT_TRUE(same_changes(l.take_changes(), settled)) << "settling differs";
    auto r = prod(l);
    ledger::Changes c = l.take_changes();
    ASSERT_EQ(r.has_value(), full_result.has_value())
        << (r ? std::string("partial succeeded") : "partial failed: " + r.error().message);
    if (!r) {
      EXPECT_EQ(r.error().code, full_result.error().code);
      EXPECT_EQ(r.error().field, full_result.error().field);
      EXPECT_EQ(r.error().message, full_result.error().message);
    } else {
      EXPECT_TRUE(same_changes(c, changes)) << "the changes differ";
      ledger::Balances a = l.balances(), b = full.balances();
      EXPECT_EQ(a.available, b.available);
      EXPECT_EQ(a.pending, b.pending);
      EXPECT_EQ(a.held, b.held);
      EXPECT_EQ(a.debt, b.debt);
    }
    (source.calls > 0 ? coverage_.partial_loaded_rest : coverage_.partial_sufficed) += 1;
    EXPECT_LE(source.calls, 1);
  }
}

void Simulation::commit(ledger::WalletLedger& ledger, const std::vector<ledger::Changes>& changes) {
  for (const ledger::Changes& c : changes) {
    apply_changes(stored_, c);
    for (const std::string& problem : check_transfers(c.transfers, policy_.name)) {
      ADD_FAILURE() << problem;
    }
    for (const ledger::Transfer& t : c.transfers) {
      transfers_.push_back(t);
      accounts_[t.from] -= t.amount;
      accounts_[t.to] += t.amount;
      if (t.kind == "expire") coverage_.breakage += t.amount;
      if (trace_) {
        log_.push_back("    " + t.kind + " " + t.from + " -> " + t.to + " " +
                       std::to_string(t.amount) + " lot " + std::to_string(t.lot_id));
      }
    }
  }
  EXPECT_TRUE(same_state(stored_, ledger.state()))
      << "stored Changes do not reproduce the ledger state";
  for (const std::string& problem : ledger::verify_wallet(stored_, transfers_)) {
    ADD_FAILURE() << "verify: " << problem;
  }
  check_against_model(ledger);
}

void Simulation::check_against_model(const ledger::WalletLedger& ledger) {
  ledger::Balances p = ledger.balances();
  ledger::Balances m = model_.balances();
  EXPECT_EQ(p.available, m.available) << "available";
  EXPECT_EQ(p.pending, m.pending) << "pending";
  EXPECT_EQ(p.held, m.held) << "held";
  EXPECT_EQ(p.debt, m.debt) << "debt";
  ledger::Balances read = ledger::balances_at(stored_, policy_, now_);
  EXPECT_EQ(read.available, p.available) << "balances_at disagrees with the ledger";
  EXPECT_GE(p.held, 0);
  if (policy_.debt == ledger::DebtPolicy::kWriteOff) {
    EXPECT_GE(p.available, 0) << "write-off wallets never go negative";
  }
  for (const std::string& problem : model_.problems()) ADD_FAILURE() << "model: " << problem;
  for (const std::string& d : compare_rows(stored_, model_)) ADD_FAILURE() << d;

  const ModelTotals& t = model_.totals();
  int64_t issued = 0;
  for (const auto& [name, balance] : accounts_) {
    if (name.rfind("issued:", 0) == 0) issued += balance;
  }
  EXPECT_EQ(issued, -t.issued) << "issued:*";
  EXPECT_EQ(accounts_[ledger::account::kRedeemed], t.redeemed) << "redeemed";
  EXPECT_EQ(accounts_[ledger::account::kExpired], t.expired) << "expired";
  EXPECT_EQ(accounts_[ledger::account::kClawedBack], t.clawed_back) << "clawed_back";
  EXPECT_EQ(accounts_[ledger::account::kWrittenOff], -t.written_off) << "written_off";
  EXPECT_EQ(accounts_[ledger::account::kAdjusted], t.adjusted) << "adjusted";
}

}  // namespace patron::sim
