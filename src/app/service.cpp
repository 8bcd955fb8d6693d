#include "app/service.h"

#include <algorithm>
#include <boost/json.hpp>

#include "app/carts.h"
#include "app/catalog.h"
#include "app/checkout.h"
#include "app/coupons.h"
#include "app/json_codec.h"
#include "app/messages.h"
#include "app/orders.h"
#include "app/outbox.h"
#include "app/products.h"
#include "app/referrals.h"
#include "app/reminders.h"
#include "app/replenishment.h"
#include "app/rewards.h"
#include "app/tiering.h"
#include "app/webhooks.h"
#include "core/limits.h"
#include "core/text.h"

namespace patron::app {

namespace json = boost::json;

namespace {

Result<void> check_member_id(const std::string& id) {
  return check_text(id, "member_id", true, limits::kIdBytesMax);
}

// Runs one ledger command on a member wallet and turns the result into JSON.
class LedgerRun {
 public:
  LedgerRun(Store& store, ledger::IdSource& ids, Instant now)
      : store_(store), ids_(ids), now_(now) {}

  template <class F>
  Result<Executed> run(const Command& c, const ledger::WalletPolicy& policy, const LoadHint& hint,
                       F&& body) {
    auto state = store_.load_wallet(c.program_id, c.member_id, c.wallet, hint);
    if (!state) return std::unexpected(state.error());
    if (state->lots.size() > limits::kOpenLotsMax) {
      return fail(ErrorCode::kFailedPrecondition, "member_id",
                  "member has more open lots than patron handles in one command");
    }
    ledger::WalletLedger wallet(std::move(*state), policy, ids_, now_);
    json::object out;
    if (auto r = body(wallet, out); !r) return std::unexpected(r.error());
    out["member_id"] = c.member_id;
    out["wallet"] = c.wallet;
    out["balances"] = balances_json(wallet.balances());
    Executed e;
    e.response = json::serialize(out);
    e.write.program_id = c.program_id;
    e.write.member_id = c.member_id;
    e.write.wallet = c.wallet;
    e.write.changes = wallet.take_changes();
    return e;
  }

 private:
  Store& store_;
  ledger::IdSource& ids_;
  Instant now_;
};

json::object hold_result_json(const ledger::HoldResult& h) {
  return json::object{{"hold_id", h.hold_id},   {"state", ledger::to_string(h.state)},
                      {"amount", h.amount},     {"captured", h.captured},
                      {"released", h.released}, {"expires_at", format_instant(h.expires_at)}};
}

// The idempotency check every keyed command makes: a replay of the same
// request returns the stored response; the same key for another request is a
// conflict. Returns the request hash to store with the response.
Result<std::optional<Executed>> replayed(Store& store, const Command& c, std::string& hash) {
  if (c.idempotency_key.empty()) return std::nullopt;
  hash = request_hash(c);
  auto seen = store.find_idempotency(c.program_id, c.idempotency_key);
  if (!seen) return std::unexpected(seen.error());
  if (!*seen) return std::nullopt;
  if ((*seen)->request_hash != hash) {
    return fail(ErrorCode::kConflict, "idempotency_key",
                "key '" + c.idempotency_key + "' was already used for a different request");
  }
  return Executed{(*seen)->response, true, {}, {}};
}

// Runs `run` unless the command's key was already used: the stored answer
// of a replay, a conflict for another request, or run()'s result stored
// under the key.
template <class Run>
Result<Executed> keyed(Store& store, const Command& c, Instant now, Run&& run) {
  std::string hash;
  auto seen = replayed(store, c, hash);
  if (!seen) return std::unexpected(seen.error());
  if (*seen) return std::move(**seen);
  Result<Executed> r = run();
  if (r && !hash.empty()) {
    r->write.idempotency = IdempotencyRecord{c.idempotency_key, hash, r->response, now};
  }
  return r;
}

Result<Executed> create_key(Store& store, const Command& c, const CreateKey& create, Instant now) {
  ApiKey key = create.key;
  key.program_id = c.program_id;
  if (key.label.size() > limits::kLabelBytesMax) {
    return fail(ErrorCode::kInvalidArgument, "label", "is longer than 200 bytes");
  }
  if (key.id.empty() || key.secret_hash.size() != 64) {
    return fail(ErrorCode::kInvalidArgument, "key", "was not made by make_key");
  }
  std::string hash;
  auto seen = replayed(store, c, hash);
  if (!seen) return std::unexpected(seen.error());
  if (*seen) return std::move(**seen);
  Executed e;
  e.response = json::serialize(api_key_json(key));
  e.write.program_id = c.program_id;
  e.write.api_key = key;
  json::object detail{{"role", to_string(key.role)}, {"label", key.label}};
  e.write.audit.push_back(
      AuditEntry{0, c.program_id, c.actor, "key.create", key.id, json::serialize(detail), now});
  if (!hash.empty())
    e.write.idempotency = IdempotencyRecord{c.idempotency_key, hash, e.response, now};
  return e;
}

Result<Executed> revoke_key(Store& store, const Command& c, const RevokeKey& revoke, Instant now) {
  auto keys = store.api_keys(c.program_id);
  if (!keys) return std::unexpected(keys.error());
  auto it = std::find_if(keys->begin(), keys->end(),
                         [&](const ApiKey& k) { return k.id == revoke.key_id; });
  // A key of another program is as unknown as one that never existed.
  if (it == keys->end()) {
    return fail(ErrorCode::kNotFound, "key_id", "no key '" + revoke.key_id + "'");
  }
  std::string hash;
  auto seen = replayed(store, c, hash);
  if (!seen) return std::unexpected(seen.error());
  if (*seen) return std::move(**seen);
  ApiKey key = *it;
  Executed e;
  e.write.program_id = c.program_id;
  if (!key.revoked_at) {
    key.revoked_at = now;
    e.write.api_key = key;
    e.write.audit.push_back(AuditEntry{0, c.program_id, c.actor, "key.revoke", key.id, "{}", now});
  }
  e.response = json::serialize(api_key_json(key));
  if (!hash.empty())
    e.write.idempotency = IdempotencyRecord{c.idempotency_key, hash, e.response, now};
  return e;
}

// What may not change once a program holds value: its currency, and each
// wallet's existence, unit and minor digits (amounts are stored in them).
Result<void> check_compatible(const Program& current, const Program& next) {
  if (next.currency != current.currency) {
    return fail(ErrorCode::kFailedPrecondition, "program.currency",
                "cannot change from " + current.currency + " (amounts are stored in it)");
  }
  if (next.minor_digits != current.minor_digits) {
    return fail(ErrorCode::kFailedPrecondition, "program.minor_digits",
                "cannot change from " + std::to_string(current.minor_digits));
  }
  for (const WalletConfig& w : current.wallets) {
    auto it = std::find_if(next.wallets.begin(), next.wallets.end(),
                           [&](const WalletConfig& n) { return n.name == w.name; });
    std::string at = "wallets." + w.name;
    if (it == next.wallets.end()) {
      return fail(ErrorCode::kFailedPrecondition, at,
                  "cannot be removed (its lots and ledger would be stranded)");
    }
    if (it->unit != w.unit) {
      return fail(ErrorCode::kFailedPrecondition, at + ".unit", "cannot change from " + w.unit);
    }
    if (it->minor_digits != w.minor_digits) {
      return fail(ErrorCode::kFailedPrecondition, at + ".minor_digits",
                  "cannot change from " + std::to_string(w.minor_digits));
    }
  }
  return {};
}

Result<Executed> apply_program(Store& store, const Programs& programs, const Command& c,
                               const ApplyProgram& apply, Instant now) {
  if (c.program_id.empty() || c.program_id.size() > 64) {
    return fail(ErrorCode::kInvalidArgument, "program", "must be 1 to 64 characters");
  }
  std::string hash;
  auto seen = replayed(store, c, hash);
  if (!seen) return std::unexpected(seen.error());
  if (*seen) return std::move(**seen);
  auto existing = programs.find(c.program_id);
  if (!existing && existing.error().code != ErrorCode::kNotFound) {
    return std::unexpected(existing.error());
  }
  const Program* current = existing ? &(*existing)->program : nullptr;
  int64_t version = current ? current->version : 0;
  if (apply.expected_version && *apply.expected_version != version) {
    return fail(ErrorCode::kConflict, "If-Match",
                "the program is at version " + std::to_string(version) + ", not " +
                    std::to_string(*apply.expected_version));
  }
  Program next = apply.program;
  next.id = c.program_id;
  if (current) {
    if (auto ok = check_compatible(*current, next); !ok) return std::unexpected(ok.error());
  }
  if (auto zone = resolve_zone(next.time_zone); !zone) {
    return fail(ErrorCode::kInvalidArgument, "program.time_zone", zone.error().message);
  }
  std::vector<SettingChange> changes;
  if (current) {
    changes = setting_changes(*current, next);
  } else {
    for (auto& [key, value] : program_settings(next)) changes.push_back({key, std::nullopt, value});
  }
  bool apply_now = !apply.dry_run && (!current || !changes.empty());
  next.version = apply_now ? version + 1 : version;
  json::array listed;
  for (const auto& ch : changes) {
    listed.emplace_back(
        json::object{{"key", ch.key},
                     {"before", ch.before ? json::value(*ch.before) : json::value(nullptr)},
                     {"after", ch.after ? json::value(*ch.after) : json::value(nullptr)}});
  }
  Executed e;
  e.write.program_id = c.program_id;
  e.response = json::serialize(
      json::object{{"program", program_json(apply_now ? next : (current ? *current : next))},
                   {"applied", apply_now},
                   {"dry_run", apply.dry_run},
                   {"changes", std::move(listed)}});
  if (apply_now) {
    e.write.program = next;
    e.write.program_version =
        ProgramVersion{c.program_id, next.version, apply.config, now, c.actor};
    json::object detail{{"version", next.version}, {"changes", changes.size()}};
    e.write.audit.push_back(AuditEntry{0, c.program_id, c.actor, "program.apply", c.program_id,
                                       json::serialize(detail), now});
  }
  // A no-op apply keeps its answer too: a retry after someone else's change
  // must not re-apply this (older) file. A dry run stores nothing.
  if (!hash.empty() && !apply.dry_run) {
    e.write.idempotency = IdempotencyRecord{c.idempotency_key, hash, e.response, now};
  }
  return e;
}

// Catalog redemptions spend and grant under ledger orders "catalog:<id>";
// an order, hold or ledger command of a caller under such an id could
// restore or claw back a redemption behind the catalog's back.
Result<void> check_order_id_not_reserved(const CommandBody& command) {
  const std::string* order_id = std::visit(
      [](const auto& body) -> const std::string* {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, UpsertOrder>) {
          return &body.order.id;
        } else if constexpr (std::is_same_v<T, CheckoutReserve>) {
          return &body.request.cart.id;
        } else if constexpr (std::is_same_v<T, OrderEvent> || std::is_same_v<T, ReleaseOrder> ||
                             std::is_same_v<T, ledger::Grant> || std::is_same_v<T, ledger::Spend> ||
                             std::is_same_v<T, ledger::Reserve> ||
                             std::is_same_v<T, ledger::Clawback> ||
                             std::is_same_v<T, ledger::Restore>) {
          return &body.order_id;
        } else {
          return nullptr;
        }
      },
      command);
  if (order_id != nullptr && order_id->starts_with(kCatalogOrderPrefix)) {
    return fail(ErrorCode::kInvalidArgument, "order_id",
                "order ids starting with '" + std::string(kCatalogOrderPrefix) +
                    "' are reserved for reward catalog redemptions");
  }
  return {};
}

}  // namespace

Result<void> apply_executed(Store& store, const Programs& programs, Executed& executed,
                            bool with_events) {
  // The writes go first without their events: a message composed for an
  // event reads the member the same command may have just created.
  CommandWrite events;
  events.program_id = executed.write.program_id;
  auto apply = [&](CommandWrite& w) -> Result<void> {
    for (OutboxEvent& e : w.events) events.events.push_back(std::move(e));
    w.events.clear();
    return store.apply(w);
  };
  if (auto r = apply(executed.write); !r) return r;
  for (CommandWrite& more : executed.more) {
    if (auto r = apply(more); !r) return r;
  }
  if (!with_events) return {};
  // What the ledger changes stand for goes to the outbox with them.
  for (OutboxEvent& e : ledger_events(executed.write)) events.events.push_back(std::move(e));
  for (const CommandWrite& more : executed.more) {
    for (OutboxEvent& e : ledger_events(more)) events.events.push_back(std::move(e));
  }
  if (events.events.empty()) return {};
  if (auto program = programs.find(events.program_id); program) {
    if (auto r = compose_messages(store, **program, events.events); !r) return r;
  }
  return store.apply(events);
}

Result<Executed> execute(Store& store, const Programs& programs, ledger::IdSource& ids,
                         const Command& input, Instant now) {
  if (auto ok = check_order_id_not_reserved(input.body); !ok) return std::unexpected(ok.error());
  // Orders name their member inside the order (and are big: not copied).
  if (std::holds_alternative<UpsertOrder>(input.body) ||
      std::holds_alternative<OrderEvent>(input.body)) {
    auto program = programs.find(input.program_id);
    if (!program) return std::unexpected(program.error());
    if (input.idempotency_key.size() > limits::kIdBytesMax) {
      return fail(ErrorCode::kInvalidArgument, "idempotency_key", "is longer than 128 bytes");
    }
    return keyed(store, input, now, [&] {
      return std::holds_alternative<UpsertOrder>(input.body)
                 ? upsert_order(store, **program, ids, input, std::get<UpsertOrder>(input.body),
                                now)
                 : order_event(store, **program, ids, input, std::get<OrderEvent>(input.body), now);
    });
  }
  Command c = input;
  // Applying a configuration may create its program; everything else needs one.
  if (auto* apply = std::get_if<ApplyProgram>(&c.body)) {
    return apply_program(store, programs, c, *apply, now);
  }
  auto program = programs.find(c.program_id);
  if (!program) return std::unexpected(program.error());
  if (c.idempotency_key.size() > limits::kIdBytesMax) {
    return fail(ErrorCode::kInvalidArgument, "idempotency_key", "is longer than 128 bytes");
  }

  // Hold commands name a hold, not a member: find where it lives.
  std::optional<int64_t> named_hold;
  if (auto* cap = std::get_if<Capture>(&c.body)) named_hold = cap->hold_id;
  if (auto* rel = std::get_if<Release>(&c.body)) named_hold = rel->hold_id;
  if (named_hold) {
    int64_t hold_id = *named_hold;
    auto ref = store.find_hold(c.program_id, hold_id);
    if (!ref) return std::unexpected(ref.error());
    if (!*ref) return fail(ErrorCode::kNotFound, "hold_id", "no hold " + std::to_string(hold_id));
    c.member_id = (*ref)->member_id;
    c.wallet = (*ref)->wallet;
  }
  // A catalog refund names a redemption: find whose it is.
  if (auto* refund = std::get_if<RefundRedemption>(&c.body)) {
    auto found = store.find_reward_redemption(c.program_id, refund->redemption_id);
    if (!found) return std::unexpected(found.error());
    if (!*found) {
      return fail(ErrorCode::kNotFound, "redemption_id",
                  "no catalog redemption " + std::to_string(refund->redemption_id));
    }
    c.member_id = (*found)->member_id;
  }
  // Commands about the program itself, not a member.
  if (auto* create = std::get_if<CreateKey>(&c.body)) return create_key(store, c, *create, now);
  if (auto* revoke = std::get_if<RevokeKey>(&c.body)) return revoke_key(store, c, *revoke, now);
  if (auto* record = std::get_if<RecordJobRun>(&c.body)) {
    Executed e;
    e.write.program_id = c.program_id;
    e.write.job_run = record->run;
    e.write.job_run->program_id = c.program_id;
    e.response = json::serialize(json::object{{"job", record->run.job}, {"recorded", true}});
    return e;
  }
  if (auto* batch = std::get_if<CreateCouponBatch>(&c.body)) {
    return keyed(store, c, now, [&] { return create_coupon_batch(store, c, *batch, now); });
  }
  if (auto* announce = std::get_if<AnnounceProduct>(&c.body)) {
    return keyed(store, c, now, [&] { return announce_product(store, c, *announce, now); });
  }
  if (auto* finish = std::get_if<FinishProduct>(&c.body)) {
    return finish_product(store, c, *finish, now);
  }
  if (auto* create = std::get_if<CreateWebhook>(&c.body)) {
    return keyed(store, c, now, [&] { return create_webhook(store, c, *create, now); });
  }
  if (auto* update = std::get_if<UpdateWebhook>(&c.body)) {
    return keyed(store, c, now, [&] { return update_webhook(store, c, *update, now); });
  }
  if (auto* replay = std::get_if<ReplayDeliveries>(&c.body)) {
    return keyed(store, c, now, [&] { return replay_deliveries(store, c, *replay, now); });
  }
  if (auto ok = check_member_id(c.member_id); !ok) return std::unexpected(ok.error());

  std::string hash;
  auto seen = replayed(store, c, hash);
  if (!seen) return std::unexpected(seen.error());
  if (*seen) return std::move(**seen);

  if (std::holds_alternative<EvaluateTier>(c.body)) {
    auto r = evaluate_tier(store, **program, c, now);
    if (r && !hash.empty()) {
      r->write.idempotency = IdempotencyRecord{c.idempotency_key, hash, r->response, now};
    }
    return r;
  }
  auto member = store.find_member(c.program_id, c.member_id);
  if (!member) return std::unexpected(member.error());

  Result<Executed> result = [&]() -> Result<Executed> {
    if (auto* upsert = std::get_if<UpsertMember>(&c.body)) {
      return upsert_member(store, **program, ids, c, *upsert, *member, now);
    }
    if (auto* put = std::get_if<PutCart>(&c.body)) return put_cart(store, c, *put, *member, now);
    if (!*member) {
      return fail(ErrorCode::kNotFound, "member_id",
                  "no member '" + c.member_id + "' in program " + c.program_id);
    }
    if (auto* ev = std::get_if<MemberEvent>(&c.body)) {
      return member_event(store, **program, ids, c, *ev, **member, now);
    }
    if (auto* birthday = std::get_if<BirthdayReward>(&c.body)) {
      return birthday_reward(store, **program, ids, c, *birthday, **member, now);
    }
    if (auto* winback = std::get_if<WinbackReward>(&c.body)) {
      return winback_reward(store, **program, ids, c, *winback, **member, now);
    }
    if (auto* notify = std::get_if<NotifyProduct>(&c.body)) {
      return notify_product(store, c, *notify, **member, now);
    }
    if (auto* remind = std::get_if<RemindCart>(&c.body)) {
      return remind_cart(store, **program, c, *remind, **member, now);
    }
    if (std::holds_alternative<SendReminders>(c.body)) {
      return send_reminders(store, **program, c, **member, now);
    }
    if (auto* replenishment = std::get_if<SendReplenishment>(&c.body)) {
      return send_replenishment(store, **program, c, *replenishment, now);
    }
    if (auto* monthly = std::get_if<MonthlyReward>(&c.body)) {
      return monthly_reward(store, **program, ids, c, *monthly, **member, now);
    }
    if (std::holds_alternative<QualifyReferral>(c.body)) {
      return qualify_referral(store, **program, ids, c, now);
    }
    if (auto* decide = std::get_if<DecideReferral>(&c.body)) {
      return decide_referral(store, **program, ids, c, *decide, now);
    }
    if (auto* reserve = std::get_if<CheckoutReserve>(&c.body)) {
      return checkout_reserve(store, **program, ids, c, *reserve, **member, now);
    }
    if (auto* redeem = std::get_if<RedeemReward>(&c.body)) {
      return redeem_reward(store, **program, ids, c, *redeem, **member, now);
    }
    if (auto* refund = std::get_if<RefundRedemption>(&c.body)) {
      return refund_redemption(store, **program, ids, c, *refund, now);
    }
    auto policy = (*program)->wallet(c.wallet);
    if (!policy) return std::unexpected(policy.error());
    LedgerRun run(store, ids, now);
    return std::visit(
        [&](const auto& body) -> Result<Executed> {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, UpsertMember> || std::is_same_v<T, CreateKey> ||
                        std::is_same_v<T, RevokeKey> || std::is_same_v<T, RecordJobRun> ||
                        std::is_same_v<T, ApplyProgram> || std::is_same_v<T, UpsertOrder> ||
                        std::is_same_v<T, OrderEvent> || std::is_same_v<T, EvaluateTier> ||
                        std::is_same_v<T, MemberEvent> || std::is_same_v<T, BirthdayReward> ||
                        std::is_same_v<T, MonthlyReward> || std::is_same_v<T, QualifyReferral> ||
                        std::is_same_v<T, DecideReferral> || std::is_same_v<T, CheckoutReserve> ||
                        std::is_same_v<T, CreateCouponBatch> || std::is_same_v<T, RedeemReward> ||
                        std::is_same_v<T, RefundRedemption> || std::is_same_v<T, CreateWebhook> ||
                        std::is_same_v<T, UpdateWebhook> || std::is_same_v<T, ReplayDeliveries> ||
                        std::is_same_v<T, SendReminders> || std::is_same_v<T, WinbackReward> ||
                        std::is_same_v<T, PutCart> || std::is_same_v<T, RemindCart> ||
                        std::is_same_v<T, SendReplenishment> ||
                        std::is_same_v<T, AnnounceProduct> || std::is_same_v<T, NotifyProduct> ||
                        std::is_same_v<T, FinishProduct>) {
            return fail(ErrorCode::kInvalidArgument, "", "unreachable");
          } else if constexpr (std::is_same_v<T, ledger::Grant>) {
            return run.run(
                c, **policy, {body.order_id, 0}, [&](auto& w, json::object& out) -> Result<void> {
                  auto r = w.grant(body);
                  if (!r) return std::unexpected(r.error());
                  out = {{"lot_id", r->lot_id},
                         {"pending", r->pending},
                         {"expires_at", r->expires_at ? json::value(format_instant(*r->expires_at))
                                                      : json::value(nullptr)},
                         {"debt_settled", r->debt_settled}};
                  return {};
                });
          } else if constexpr (std::is_same_v<T, ledger::Spend>) {
            return run.run(c, **policy, {body.order_id, 0},
                           [&](auto& w, json::object& out) -> Result<void> {
                             auto r = w.spend(body);
                             if (!r) return std::unexpected(r.error());
                             out = {{"redemption_id", r->redemption_id},
                                    {"amount", body.amount},
                                    {"allocations", allocations_json(r->allocations)}};
                             return {};
                           });
          } else if constexpr (std::is_same_v<T, ledger::Reserve>) {
            // A hold without a cart cannot be checked against minimum order,
            // caps or excluded lines: wallets with redemption rules are
            // reserved through the checkout (CheckoutReserve) only.
            if ((*program)->program.rules.redeem_rule(c.wallet) != nullptr) {
              return fail(ErrorCode::kFailedPrecondition, "cart",
                          "wallet '" + c.wallet +
                              "' has redemption rules: reserve it with a cart (POST "
                              "/v1/checkout/holds with \"cart\", patron checkout reserve)");
            }
            return run.run(c, **policy, {body.order_id, 0},
                           [&](auto& w, json::object& out) -> Result<void> {
                             auto r = w.reserve(body);
                             if (!r) return std::unexpected(r.error());
                             out = hold_result_json(*r);
                             out["order_id"] = body.order_id;
                             return {};
                           });
          } else if constexpr (std::is_same_v<T, Capture>) {
            std::string order_id;
            auto done = run.run(c, **policy, {"", body.hold_id},
                                [&](auto& w, json::object& out) -> Result<void> {
                                  auto r = w.capture(body.hold_id, body.amount);
                                  if (!r) return std::unexpected(r.error());
                                  out = hold_result_json(*r);
                                  for (const ledger::Hold& h : w.state().holds) {
                                    if (h.id == body.hold_id) order_id = h.order_id;
                                  }
                                  return {};
                                });
            // The checkout went through: the order's coupons are used for good.
            if (done && !done->replayed && !order_id.empty()) {
              auto confirmed = settle_order_coupons(store, c.program_id, order_id, false);
              if (!confirmed) return std::unexpected(confirmed.error());
              done->write.coupon_redemptions = std::move(*confirmed);
            }
            return done;
          } else if constexpr (std::is_same_v<T, Release>) {
            return run.run(c, **policy, {"", body.hold_id},
                           [&](auto& w, json::object& out) -> Result<void> {
                             auto r = w.release(body.hold_id);
                             if (!r) return std::unexpected(r.error());
                             out = hold_result_json(*r);
                             return {};
                           });
          } else if constexpr (std::is_same_v<T, ledger::Clawback>) {
            return run.run(
                c, **policy, {body.order_id, 0}, [&](auto& w, json::object& out) -> Result<void> {
                  auto r = w.clawback(body);
                  if (!r) return std::unexpected(r.error());
                  out = {{"order_id", body.order_id},       {"due", r->due},
                         {"from_pending", r->from_pending}, {"from_available", r->from_available},
                         {"expired", r->expired},           {"debt_added", r->debt_added},
                         {"written_off", r->written_off}};
                  return {};
                });
          } else if constexpr (std::is_same_v<T, ledger::Restore>) {
            return run.run(c, **policy, {body.order_id, 0},
                           [&](auto& w, json::object& out) -> Result<void> {
                             auto r = w.restore(body);
                             if (!r) return std::unexpected(r.error());
                             out = {{"order_id", body.order_id},
                                    {"restored", r->restored},
                                    {"to_new_lots", r->to_new_lots},
                                    {"expired_now", r->expired_now}};
                             return {};
                           });
          } else if constexpr (std::is_same_v<T, ledger::Adjust>) {
            return run.run(c, **policy, {}, [&](auto& w, json::object& out) -> Result<void> {
              auto r = w.adjust(body);
              if (!r) return std::unexpected(r.error());
              out = {{"amount", body.amount}, {"reason", body.reason}};
              if (r->lot_id != 0) out["lot_id"] = r->lot_id;
              return {};
            });
          } else if constexpr (std::is_same_v<T, ReleaseOrder>) {
            return run.run(
                c, **policy, {body.order_id, 0}, [&](auto& w, json::object& out) -> Result<void> {
                  auto r = w.release_order(body.order_id);
                  if (!r) return std::unexpected(r.error());
                  out = {{"order_id", body.order_id}, {"lots", r->lots}, {"amount", r->amount}};
                  return {};
                });
          } else {
            static_assert(std::is_same_v<T, Settle>);
            // The ledger settles every wallet it opens at `now`; the job only
            // needs to open it and keep what settling changed.
            return run.run(c, **policy, {}, [&](auto&, json::object& out) -> Result<void> {
              out = {{"job", body.job}};
              return {};
            });
          }
        },
        c.body);
  }();
  if (!result) return result;
  if (std::holds_alternative<Settle>(c.body)) {
    // Report what settling did: matured and expired value, holds released by TTL.
    int64_t matured = 0, expired = 0, holds_expired = 0;
    for (const auto& t : result->write.changes.transfers) {
      if (t.kind == "mature") matured += t.amount;
      if (t.kind == "expire") expired += t.amount;
    }
    for (const auto& h : result->write.changes.holds) {
      if (h.state == ledger::HoldState::kExpired) holds_expired += 1;
    }
    json::object out = json::parse(result->response).as_object();
    out["matured"] = matured;
    out["expired"] = expired;
    out["holds_expired"] = holds_expired;
    result->response = json::serialize(out);
  }
  if (auto* adjust = std::get_if<ledger::Adjust>(&c.body)) {
    json::object detail{
        {"wallet", c.wallet}, {"amount", adjust->amount}, {"reason", adjust->reason}};
    result->write.audit.push_back(AuditEntry{0, c.program_id, c.actor, "wallet.adjust", c.member_id,
                                             json::serialize(detail), now});
  }
  if (!c.idempotency_key.empty()) {
    result->write.idempotency = IdempotencyRecord{c.idempotency_key, hash, result->response, now};
  }
  return result;
}

}  // namespace patron::app
