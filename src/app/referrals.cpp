#include "app/referrals.h"

#include <boost/json.hpp>

#include "app/json_codec.h"
#include "app/keys.h"
#include "app/orders.h"
#include "app/outbox.h"
#include "app/wallets.h"
#include "core/limits.h"
#include "core/text.h"
#include "rules/referrals.h"
#include "rules/rewards.h"

namespace patron::app {

namespace json = boost::json;

namespace {

// Grants both sides their rewards: referee and referrer wallets in one
// command. `first` carries the referral.
Result<Executed> reward_both(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                             Referral referral, CommandWrite first, json::object out, Instant now) {
  const rules::ReferralRules& rules = program.program.rules.referrals;
  Wallets referee(store, program, ids, now, referral.referee_id, "");
  Wallets referrer(store, program, ids, now, referral.referrer_id, "");
  json::array granted;
  for (auto [wallets, member, amount, reason] :
       {std::tuple{&referee, &referral.referee_id, rules.referee_amount,
                   "referred by " + referral.referrer_id},
        std::tuple{&referrer, &referral.referrer_id, rules.referrer_amount,
                   "referred " + referral.referee_id}}) {
    if (amount <= 0) continue;
    auto r = wallets->with(
        rules.wallet, [&](ledger::WalletLedger& w, WalletEffect& effect) -> Result<void> {
          ledger::Grant g;
          g.amount = amount;
          g.source = rules.source;
          g.reason = reason + " (program v" + std::to_string(program.program.version) + ")";
          if (rules.expires) {
            g.expires_at = ledger::expires_at(*rules.expires, now, program.zone);
            g.never_expires = !g.expires_at;
          }
          auto done = w.grant(g);
          if (!done) return std::unexpected(done.error());
          effect.rewarded += amount;
          granted.emplace_back(json::object{{"member_id", *member},
                                            {"wallet", rules.wallet},
                                            {"amount", amount},
                                            {"lot_id", done->lot_id}});
          return {};
        });
    if (!r) return std::unexpected(r.error());
  }
  out["referral"] = referral_json(referral);
  // One event per side, so each member's message can be sent to them.
  for (const auto& [member, role, amount] :
       {std::tuple{referral.referee_id, "referee", rules.referee_amount},
        std::tuple{referral.referrer_id, "referrer", rules.referrer_amount}}) {
    if (amount <= 0) continue;  // that side gets nothing: nothing to tell
    json::object data{{"role", role},
                      {"referee_id", referral.referee_id},
                      {"referrer_id", referral.referrer_id},
                      {"order_id", referral.order_id},
                      {"wallet", rules.wallet},
                      {"amount", amount}};
    first.events.push_back(
        make_event(program.program.id, event_type::kReferralRewarded, member, data, now));
  }
  out["granted"] = std::move(granted);
  Executed e;
  e.response = json::serialize(out);
  first.referral = std::move(referral);
  referee.finish(e, std::move(first));
  referrer.append(e);
  return e;
}

// The answer of a command that grants nothing; `first` stores the referral
// when it changed.
Executed without_grants(const Referral& referral, CommandWrite first, json::object out,
                        bool store_referral) {
  out["referral"] = referral_json(referral);
  out["granted"] = json::array();
  Executed e;
  e.response = json::serialize(out);
  if (store_referral) first.referral = referral;
  e.write = std::move(first);
  return e;
}

}  // namespace

bool referral_order_settled(const ResolvedProgram& program, const OrderSummary& o, Instant now) {
  const rules::ReferralRules& rules = program.program.rules.referrals;
  if (o.cancelled_at || o.paid_value <= 0 || o.paid_value < rules.min_order) return false;
  if (o.completed_at) return true;
  return o.fulfilled_at && now >= return_window_end(program, *o.fulfilled_at);
}

Result<std::string> new_referral_code(Store& store, const std::string& program_id) {
  // 32^8 codes: a collision is rare; a few tries make failing practically impossible.
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto code = random_code(8);
    if (!code) return std::unexpected(code.error());
    auto taken = store.member_by_referral_code(program_id, *code);
    if (!taken) return std::unexpected(taken.error());
    if (!*taken) return *code;
  }
  return fail(ErrorCode::kStorage, "", "could not find a free referral code");
}

Result<std::optional<Referral>> refer(Store& store, const ResolvedProgram& program, Member& m,
                                      const std::string& code, bool created, Instant now) {
  const char* field = "referred_by";
  if (!program.program.rules.referrals.enabled()) {
    return fail(ErrorCode::kInvalidArgument, field,
                "this program has no referral program ([referrals] in its configuration)");
  }
  if (auto ok = check_text(code, field, true, 32); !ok) return std::unexpected(ok.error());
  auto referrer = store.member_by_referral_code(program.program.id, code);
  if (!referrer) return std::unexpected(referrer.error());
  if (!*referrer) {
    return fail(ErrorCode::kInvalidArgument, field,
                "no member has the referral code '" + code + "'");
  }
  if (**referrer == m.id) {
    return fail(ErrorCode::kInvalidArgument, field, "a member cannot refer itself");
  }
  if (!m.referred_by.empty()) {
    if (m.referred_by == **referrer) return std::nullopt;  // the same request again
    return fail(ErrorCode::kConflict, field,
                "member " + m.id + " was already referred by " + m.referred_by);
  }
  if (!created) {
    auto orders = store.member_order_summaries(program.program.id, m.id);
    if (!orders) return std::unexpected(orders.error());
    for (const OrderSummary& o : *orders) {
      if (purchased(program, o)) {
        return fail(ErrorCode::kConflict, field,
                    "can only be set before the member's first purchase (order " + o.id + ")");
      }
    }
  }
  m.referred_by = **referrer;
  Referral r;
  r.program_id = program.program.id;
  r.referee_id = m.id;
  r.referrer_id = **referrer;
  r.code = code;
  r.created_at = now;
  return r;
}

Result<Executed> qualify_referral(Store& store, const ResolvedProgram& program,
                                  ledger::IdSource& ids, const Command& c, Instant now) {
  auto found = store.find_referral(program.program.id, c.member_id);
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return fail(ErrorCode::kNotFound, "member_id", "member " + c.member_id + " was not referred");
  }
  Referral referral = std::move(**found);
  json::object out{{"changed", false}};
  auto unchanged = [&]() {
    CommandWrite nothing;
    nothing.program_id = c.program_id;
    return without_grants(referral, std::move(nothing), out, false);
  };
  const rules::ReferralRules& rules = program.program.rules.referrals;
  if (referral.state != "pending" || !rules.enabled()) return unchanged();
  auto orders = store.member_order_summaries(program.program.id, referral.referee_id);
  if (!orders) return std::unexpected(orders.error());
  const OrderSummary* qualifying = nullptr;
  for (const OrderSummary& o : *orders) {
    if (referral_order_settled(program, o, now)) {
      qualifying = &o;
      break;
    }
  }
  if (qualifying == nullptr) return unchanged();
  referral.order_id = qualifying->id;
  referral.qualified_at = now;
  auto referee = store.find_member(program.program.id, referral.referee_id);
  if (!referee) return std::unexpected(referee.error());
  auto referrer = store.find_member(program.program.id, referral.referrer_id);
  if (!referrer) return std::unexpected(referrer.error());
  if (!*referee || !*referrer) {
    return fail(ErrorCode::kCorruption, "",
                "referral of " + referral.referee_id + " names a member that does not exist");
  }
  rules::PeriodStarts starts = rules::period_starts(now, program.zone);
  auto month =
      store.referrals_qualified_since(program.program.id, referral.referrer_id, starts.month);
  if (!month) return std::unexpected(month.error());
  auto year =
      store.referrals_qualified_since(program.program.id, referral.referrer_id, starts.year);
  if (!year) return std::unexpected(year.error());
  rules::ReferralParties parties{
      (*referrer)->email, (*referrer)->phone, (*referee)->email, (*referee)->phone, *month, *year};
  referral.reasons = rules::referral_review_reasons(rules, parties);
  out["changed"] = true;
  CommandWrite first;
  first.program_id = c.program_id;
  first.member_id = referral.referee_id;
  if (!referral.reasons.empty()) {
    referral.state = "review";
    first.events.push_back(make_event(program.program.id, event_type::kReferralReview,
                                      referral.referee_id,
                                      json::object{{"referee_id", referral.referee_id},
                                                   {"referrer_id", referral.referrer_id},
                                                   {"order_id", referral.order_id},
                                                   {"reasons", strings_json(referral.reasons)}},
                                      now));
    return without_grants(referral, std::move(first), std::move(out), true);
  }
  referral.state = "rewarded";
  referral.decided_at = now;
  referral.decided_by = "auto";
  return reward_both(store, program, ids, std::move(referral), std::move(first), std::move(out),
                     now);
}

Result<Executed> decide_referral(Store& store, const ResolvedProgram& program,
                                 ledger::IdSource& ids, const Command& c,
                                 const DecideReferral& decide, Instant now) {
  if (decide.note.size() > limits::kReasonBytesMax) {
    return fail(ErrorCode::kInvalidArgument, "note", "is longer than 500 bytes");
  }
  if (auto ok = check_text(decide.note, "note", false, limits::kReasonBytesMax); !ok) {
    return std::unexpected(ok.error());
  }
  auto found = store.find_referral(program.program.id, c.member_id);
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return fail(ErrorCode::kNotFound, "referee_id", "member " + c.member_id + " was not referred");
  }
  Referral referral = std::move(**found);
  if (referral.state != "review") {
    return fail(ErrorCode::kConflict, "state",
                "the referral is " + referral.state + ", not held for review");
  }
  referral.decided_at = now;
  referral.decided_by = c.actor;
  referral.note = decide.note;
  referral.state = decide.approve ? "rewarded" : "rejected";
  CommandWrite first;
  first.program_id = c.program_id;
  first.member_id = referral.referee_id;
  json::object detail{{"referrer_id", referral.referrer_id}, {"note", decide.note}};
  first.audit.push_back(AuditEntry{0, c.program_id, c.actor,
                                   decide.approve ? "referral.approve" : "referral.reject",
                                   referral.referee_id, json::serialize(detail), now});
  json::object out{{"changed", true}};
  if (decide.approve) {
    return reward_both(store, program, ids, std::move(referral), std::move(first), std::move(out),
                       now);
  }
  return without_grants(referral, std::move(first), std::move(out), true);
}

}  // namespace patron::app
