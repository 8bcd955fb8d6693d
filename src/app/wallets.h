// The member's wallets for one command that may touch several of them (an
// order event, a member event granting rewards): each wallet is loaded once
// and every ledger operation of the command runs on the same ledger object.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/json_codec.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"
#include "core/limits.h"
#include "ledger/wallet_ledger.h"

namespace patron::app {

namespace json = boost::json;

// Ids for settling or trying commands in memory only (views, quotes): what
// they would create is thrown away, so the ids are negative and never stored.
class ScratchIds final : public ledger::IdSource {
 public:
  int64_t next_lot_id() override { return --n_; }
  int64_t next_hold_id() override { return --n_; }
  int64_t next_redemption_id() override { return --n_; }
  int64_t next_journal_id() override { return --n_; }
  int64_t next_transfer_id() override { return --n_; }

 private:
  int64_t n_ = 0;
};

// Per-wallet effects of one command, for the response.
struct WalletEffect {
  int64_t earned = 0;
  int64_t clawed_back = 0;
  int64_t debt_added = 0;
  int64_t written_off = 0;
  int64_t restored = 0;
  int64_t released = 0;
  int64_t scheduled = 0;
  int64_t rewarded = 0;  // engagement rewards (signup, first purchase, ...)
};

// The member's wallets for one command: each is loaded once, on first use,
// and every ledger operation of the command (several events of one upsert)
// runs on the same ledger object, so a later event sees what an earlier one
// did. finish() collects the writes: the first into Executed::write, the
// rest into Executed::more.
class Wallets {
 public:
  // `partial`: load each wallet without the lots only a pick needs (LoadHint::
  // partial_at) for a command that rarely picks: the ledger loads them if it does.
  Wallets(Store& store, const ResolvedProgram& program, ledger::IdSource& ids, Instant now,
          std::string member_id, std::string order_id, bool partial = false)
      : store_(store),
        program_(program),
        ids_(ids),
        now_(now),
        member_id_(std::move(member_id)),
        order_id_(std::move(order_id)),
        partial_(partial) {}
  Wallets(const Wallets&) = delete;  // ledgers point at sources_, which point here
  Wallets& operator=(const Wallets&) = delete;

  // The member is created by this command: every wallet starts empty (lots,
  // holds, redemptions and debts all reference the member's row), so none is
  // read from the store. Call before the first with().
  void member_is_new() { new_member_ = true; }

  // Calls fn(ledger, effect) for wallet `name`.
  template <class F>
  Result<void> with(const std::string& name, F&& fn) {
    auto it = ledgers_.find(name);
    if (it == ledgers_.end()) {
      auto policy = program_.wallet(name);
      if (!policy) return std::unexpected(policy.error());
      LoadHint hint{order_id_, 0};
      if (partial_) hint.partial_at = now_;
      Result<ledger::WalletState> state = ledger::WalletState{};
      if (new_member_) {
        state->wallet = name;
      } else {
        state = store_.load_wallet(program_.program.id, member_id_, name, hint);
      }
      if (!state) return std::unexpected(state.error());
      std::size_t lots = state->lots.size();
      if (state->left_out) lots += static_cast<std::size_t>(state->left_out->lots);
      if (lots > limits::kOpenLotsMax) {
        return fail(ErrorCode::kFailedPrecondition, "member_id",
                    "member has more open lots than patron handles in one command");
      }
      ledger::LotSource* more = nullptr;  // only a partial state needs one
      if (state->left_out) more = &sources_.emplace(name, FullLoad{*this, name}).first->second;
      it = ledgers_
               .emplace(name, std::make_unique<ledger::WalletLedger>(std::move(*state), **policy,
                                                                     ids_, now_, more))
               .first;
    }
    return fn(*it->second, effects_[name]);
  }

  // Calls fn(ledger) for every wallet of the program without adding it to
  // the response's effects (a step that usually changes nothing).
  template <class F>
  Result<void> each_ledger(F&& fn) {
    for (const auto& w : program_.program.wallets) {
      bool had_effect = effects_.count(w.name) > 0;
      auto r =
          with(w.name, [&](ledger::WalletLedger& ledger, WalletEffect&) { return fn(ledger); });
      if (!had_effect) effects_.erase(w.name);
      if (!r) return r;
    }
    return {};
  }

  Instant now() const { return now_; }
  Store& store() const { return store_; }

  // Every wallet of the program, in configuration order.
  template <class F>
  Result<void> each(F&& fn) {
    for (const auto& w : program_.program.wallets) {
      if (auto r = with(w.name, fn); !r) return r;
    }
    return {};
  }

  json::object effects_json() const {
    json::object out;
    for (const auto& [name, e] : effects_) {
      auto ledger = ledgers_.find(name);
      ledger::Balances b =
          ledger == ledgers_.end() ? ledger::Balances{} : ledger->second->balances();
      out[name] = json::object{{"earned", e.earned},          {"clawed_back", e.clawed_back},
                               {"debt_added", e.debt_added},  {"written_off", e.written_off},
                               {"restored", e.restored},      {"released", e.released},
                               {"scheduled", e.scheduled},    {"rewarded", e.rewarded},
                               {"balances", balances_json(b)}};
    }
    return out;
  }

  // Moves the collected writes into `e`; `first` carries the order and member.
  void finish(Executed& e, CommandWrite first) {
    std::vector<CommandWrite> writes = take_writes();
    if (!writes.empty()) {
      first.wallet = writes.front().wallet;
      first.changes = std::move(writes.front().changes);
      writes.erase(writes.begin());
    }
    e.write = std::move(first);
    e.more = std::move(writes);
    for (CommandWrite& w : extra_) e.more.push_back(std::move(w));
    extra_.clear();
  }

  // A write of the command beyond the wallets' (a coupon a reward issued),
  // stored after them by finish() or append().
  void add_write(CommandWrite write) { extra_.push_back(std::move(write)); }
  // An outbox event of the command (a reward given), stored with its writes.
  void add_event(OutboxEvent event) {
    CommandWrite write;
    write.program_id = program_.program.id;
    write.member_id = member_id_;
    write.events.push_back(std::move(event));
    add_write(std::move(write));
  }

  // Appends the collected writes to `e.more`: a second member's wallets in
  // the same command (a referral rewards referee and referrer).
  void append(Executed& e) {
    for (CommandWrite& w : take_writes()) e.more.push_back(std::move(w));
    for (CommandWrite& w : extra_) e.more.push_back(std::move(w));
    extra_.clear();
  }

  // The writes of every wallet that changed, in configuration order.
  std::vector<CommandWrite> take_writes() {
    std::vector<CommandWrite> writes;
    for (const auto& w : program_.program.wallets) {  // a stable order
      auto it = ledgers_.find(w.name);
      if (it == ledgers_.end()) continue;
      ledger::Changes changes = it->second->take_changes();
      if (changes.empty()) continue;
      CommandWrite write;
      write.program_id = program_.program.id;
      write.member_id = member_id_;
      write.wallet = w.name;
      write.changes = std::move(changes);
      writes.push_back(std::move(write));
    }
    return writes;
  }

 private:
  // A wallet's full load, for a ledger that needs the lots a partial load left out.
  struct FullLoad final : ledger::LotSource {
    FullLoad(const Wallets& owner, std::string wallet) : owner(owner), wallet(std::move(wallet)) {}
    Result<ledger::WalletState> full() override {
      return owner.store_.load_wallet(owner.program_.program.id, owner.member_id_, wallet,
                                      {owner.order_id_, 0});
    }
    const Wallets& owner;
    std::string wallet;
  };

  Store& store_;
  const ResolvedProgram& program_;
  ledger::IdSource& ids_;
  Instant now_;
  std::string member_id_;
  std::string order_id_;
  bool partial_;
  bool new_member_ = false;
  std::map<std::string, FullLoad> sources_;  // before ledgers_: they point into it
  std::map<std::string, std::unique_ptr<ledger::WalletLedger>> ledgers_;
  std::map<std::string, WalletEffect> effects_;
  std::vector<CommandWrite> extra_;
};

}  // namespace patron::app
