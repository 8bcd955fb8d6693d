// Shared fixtures for the ledger unit tests: a counting IdSource, Taipei
// instants, and a WalletHarness that runs one command per WalletLedger the way
// the app does (build from the stored state at `now`, run, take_changes, store
// the changes) and checks after every command that
//   - every transfer is one balanced row: amount > 0, from != to, right wallet;
//   - applying Changes to the stored state gives exactly ledger.state();
//   - verify_wallet(state, every transfer so far) reports nothing;
//   - a failed command changed neither the settled state nor the transfers.
#pragma once

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "ledger/policy.h"
#include "ledger/types.h"
#include "ledger/verify.h"
#include "ledger/wallet_ledger.h"

namespace patron::ledger::testing {

inline const date::time_zone* taipei() {
  return date::locate_zone("Asia/Taipei");
}

// A local Taipei time ("2026-03-10T15:00") or any ISO 8601 instant with offset.
inline Instant at(const std::string& text) {
  auto parsed = parse_instant(text, taipei(), "at");
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(Instant{});
}

class CountingIds final : public IdSource {
 public:
  int64_t next_lot_id() override { return ++lot_; }
  int64_t next_hold_id() override { return ++hold_; }
  int64_t next_redemption_id() override { return ++redemption_; }
  int64_t next_journal_id() override { return ++journal_; }
  int64_t next_transfer_id() override { return ++transfer_; }

 private:
  int64_t lot_ = 0;
  int64_t hold_ = 0;
  int64_t redemption_ = 0;
  int64_t journal_ = 0;
  int64_t transfer_ = 0;
};

inline bool same_state(const WalletState& a, const WalletState& b) {
  return a.wallet == b.wallet && a.lots == b.lots && a.holds == b.holds &&
         a.redemptions == b.redemptions && a.debt == b.debt;
}

// Upserts by id, as a store would persist Changes.
template <class Row>
void upsert(std::vector<Row>& rows, const std::vector<Row>& changed) {
  for (const Row& row : changed) {
    bool found = false;
    for (Row& existing : rows) {
      if (existing.id == row.id) {
        existing = row;
        found = true;
      }
    }
    if (!found) rows.push_back(row);
  }
}

// Stores Changes; a lot listed in new_lots must not be stored yet, and every
// other changed lot must be (the SQLite store inserts the first without
// looking and updates the others).
inline void apply_changes(WalletState& state, const Changes& changes) {
  EXPECT_TRUE(std::is_sorted(changes.new_lots.begin(), changes.new_lots.end()));
  for (const Lot& lot : changes.lots) {
    const bool stored = std::any_of(state.lots.begin(), state.lots.end(),
                                    [&](const Lot& l) { return l.id == lot.id; });
    const bool listed =
        std::binary_search(changes.new_lots.begin(), changes.new_lots.end(), lot.id);
    EXPECT_NE(stored, listed) << "lot " << lot.id
                              << (listed ? " is listed as new but stored"
                                         : " is new but not listed");
  }
  for (int64_t id : changes.new_lots) {
    EXPECT_TRUE(std::any_of(changes.lots.begin(), changes.lots.end(),
                            [&](const Lot& l) { return l.id == id; }))
        << "new lot " << id << " has no row in the changes";
  }
  upsert(state.lots, changes.lots);
  upsert(state.holds, changes.holds);
  upsert(state.redemptions, changes.redemptions);
  if (changes.debt) state.debt = *changes.debt;
}

// Every transfer is a single balanced row. Returns the problems found.
inline std::vector<std::string> check_transfers(const std::vector<Transfer>& transfers,
                                                const std::string& wallet) {
  std::vector<std::string> problems;
  for (const Transfer& t : transfers) {
    std::string name = "transfer " + std::to_string(t.id) + " (" + t.kind + ")";
    if (t.amount <= 0) problems.push_back(name + " has amount " + std::to_string(t.amount));
    if (t.from == t.to) problems.push_back(name + " moves to its own account " + t.from);
    if (t.from.empty() || t.to.empty()) problems.push_back(name + " has an empty account");
    if (t.wallet != wallet) problems.push_back(name + " is for wallet " + t.wallet);
    if (t.journal_id <= 0) problems.push_back(name + " has no journal");
  }
  return problems;
}

class WalletHarness {
 public:
  explicit WalletHarness(WalletPolicy policy) : policy_(std::move(policy)) {
    state_.wallet = policy_.name;
  }
  WalletHarness() : WalletHarness(default_credit_policy(taipei())) {}

  WalletPolicy& policy() { return policy_; }
  const WalletState& state() const { return state_; }
  const std::vector<Transfer>& transfers() const { return transfers_; }
  // Transfers stored by the last successful run (settlement + command).
  const std::vector<Transfer>& last_transfers() const { return last_transfers_; }

  // Runs one command at `now`. On success stores its changes; on failure checks
  // that it changed nothing and stores nothing (the app discards the object).
  template <class Command>
  auto run(Instant now, Command&& command) {
    WalletLedger ledger(state_, policy_, ids_, now);
    Changes settled_changes = ledger.take_changes();
    WalletState settled = ledger.state();
    auto result = command(ledger);
    Changes changes = ledger.take_changes();
    if (!result) {
      EXPECT_TRUE(changes.transfers.empty()) << "a failed command posted transfers";
      EXPECT_TRUE(same_state(ledger.state(), settled)) << "a failed command changed the state";
      return result;
    }
    commit(ledger, settled_changes, changes);
    return result;
  }

  // Builds a ledger at `now` and stores what settling alone changed (the jobs).
  void advance(Instant now) {
    WalletLedger ledger(state_, policy_, ids_, now);
    Changes settled_changes = ledger.take_changes();
    commit(ledger, settled_changes, Changes{});
  }

  Balances balances(Instant now) const { return balances_at(state_, policy_, now); }

  // Sum of stored transfers between two accounts, by kind ("" = any).
  int64_t moved(const std::string& from, const std::string& to,
                const std::string& kind = "") const {
    int64_t sum = 0;
    for (const Transfer& t : transfers_) {
      if (t.from == from && t.to == to && (kind.empty() || t.kind == kind)) sum += t.amount;
    }
    return sum;
  }
  // Inflow minus outflow of an account over every stored transfer.
  int64_t account_balance(const std::string& account) const {
    int64_t sum = 0;
    for (const Transfer& t : transfers_) {
      if (t.to == account) sum += t.amount;
      if (t.from == account) sum -= t.amount;
    }
    return sum;
  }

  const Lot& lot(int64_t id) const {
    for (const Lot& lot : state_.lots) {
      if (lot.id == id) return lot;
    }
    ADD_FAILURE() << "no lot " << id;
    static const Lot kNone;
    return kNone;
  }
  const Hold& hold(int64_t id) const {
    for (const Hold& hold : state_.holds) {
      if (hold.id == id) return hold;
    }
    ADD_FAILURE() << "no hold " << id;
    static const Hold kNone;
    return kNone;
  }

  // Grants `amount` from `source` at `now`; returns the lot id (0 on failure).
  int64_t grant(Instant now, int64_t amount, const std::string& source = "purchase",
                std::function<void(Grant&)> tweak = {}) {
    Grant g;
    g.amount = amount;
    g.source = source;
    if (tweak) tweak(g);
    auto r = run(now, [&](WalletLedger& l) { return l.grant(g); });
    EXPECT_TRUE(r) << r.error().field << ": " << r.error().message;
    return r ? r->lot_id : 0;
  }

 private:
  void commit(WalletLedger& ledger, const Changes& settled_changes, const Changes& changes) {
    WalletState stored = state_;
    apply_changes(stored, settled_changes);
    apply_changes(stored, changes);
    EXPECT_TRUE(same_state(stored, ledger.state()))
        << "Changes do not reproduce the ledger state (a row was modified but not touched)";
    last_transfers_ = settled_changes.transfers;
    last_transfers_.insert(last_transfers_.end(), changes.transfers.begin(),
                           changes.transfers.end());
    for (const std::string& p : check_transfers(last_transfers_, policy_.name)) ADD_FAILURE() << p;
    for (const Transfer& t : last_transfers_) {
      EXPECT_TRUE(transfer_ids_.insert(t.id).second) << "duplicate transfer id " << t.id;
    }
    transfers_.insert(transfers_.end(), last_transfers_.begin(), last_transfers_.end());
    state_ = ledger.state();
    for (const std::string& p : verify_wallet(state_, transfers_)) ADD_FAILURE() << p;
  }

  WalletPolicy policy_;
  CountingIds ids_;
  WalletState state_;
  std::vector<Transfer> transfers_;
  std::vector<Transfer> last_transfers_;
  std::set<int64_t> transfer_ids_;
};

// Asserts `result` failed with `code` naming `field`.
template <class T>
void expect_error(const Result<T>& result, ErrorCode code, const std::string& field) {
  ASSERT_FALSE(result) << "expected " << to_string(code) << " on " << field;
  EXPECT_EQ(to_string(result.error().code), to_string(code)) << result.error().message;
  EXPECT_EQ(result.error().field, field) << result.error().message;
  EXPECT_FALSE(result.error().message.empty());
}

inline PayLine line(const std::string& id, int64_t amount, const std::string& category = "",
                    const std::string& sku = "", const std::string& brand = "",
                    const std::string& channel = "") {
  PayLine l;
  l.line_id = id;
  l.amount = amount;
  l.category = category;
  l.sku = sku;
  l.brand = brand;
  l.channel = channel;
  return l;
}

}  // namespace patron::ledger::testing
