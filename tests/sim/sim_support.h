// Glue for the property test: the simulated wallet policy per seed, the
// matching model configuration, and a row-by-row comparison of the stored
// production state with the reference model. Reuses the ledger unit tests'
// harness helpers (CountingIds, apply_changes, same_state, check_transfers).
#pragma once

#include <string>
#include <vector>

#include "../ledger/ledger_test_support.h"
#include "ledger/policy.h"
#include "ledger/types.h"
#include "reference_wallet.h"

namespace patron::sim {

using ledger::testing::apply_changes;
using ledger::testing::check_transfers;
using ledger::testing::CountingIds;
using ledger::testing::same_state;

// Taiwan defaults plus end-of-month campaign credit; seeds cycle through every
// DebtPolicy x RestorePolicy combination.
inline ledger::WalletPolicy sim_policy(uint64_t seed) {
  ledger::WalletPolicy p = ledger::default_credit_policy(ledger::testing::taipei());
  p.expiry_by_source["campaign"] = ledger::ExpiryRule::end_of(CalendarUnit::kMonth);
  p.debt = seed % 2 == 0 ? ledger::DebtPolicy::kNegativeBalance : ledger::DebtPolicy::kWriteOff;
  p.restore = (seed / 2) % 2 == 0 ? ledger::RestorePolicy::kNewLotIfExpired
                                  : ledger::RestorePolicy::kOriginalLot;
  p.hold_ttl_s = 15 * 60;
  return p;
}

// The same rules, stated independently for the model (not read from `policy`
// beyond the two policy switches and the hold TTL under test).
inline ModelConfig model_config(const ledger::WalletPolicy& policy) {
  ModelConfig c;
  c.debt = policy.debt;
  c.restore = policy.restore;
  c.hold_ttl_s = policy.hold_ttl_s;
  c.expiry_days = {{"birthday", 30}, {"signup", 60}};
  c.end_of_month_sources = {"campaign"};
  c.restored_lot_days = 30;
  c.zone_offset_s = 8 * 3600;
  return c;
}

inline ledger::LotState to_lot_state(ModelLotState s) {
  switch (s) {
    case ModelLotState::kPending:
      return ledger::LotState::kPending;
    case ModelLotState::kAvailable:
      return ledger::LotState::kAvailable;
    case ModelLotState::kExpired:
      return ledger::LotState::kExpired;
  }
  return ledger::LotState::kExpired;
}

inline ledger::HoldState to_hold_state(ModelHoldState s) {
  switch (s) {
    case ModelHoldState::kOpen:
      return ledger::HoldState::kOpen;
    case ModelHoldState::kCaptured:
      return ledger::HoldState::kCaptured;
    case ModelHoldState::kReleased:
      return ledger::HoldState::kReleased;
    case ModelHoldState::kExpired:
      return ledger::HoldState::kExpired;
  }
  return ledger::HoldState::kExpired;
}

inline bool same_pieces(const std::vector<ledger::Allocation>& p,
                        const std::vector<ModelPiece>& m) {
  if (p.size() != m.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].lot_id != m[i].lot_id || p[i].line_id != m[i].line_id || p[i].amount != m[i].amount ||
        p[i].restored != m[i].restored) {
      return false;
    }
  }
  return true;
}

inline bool same_shares(const ledger::Lot& p, const ModelLot& m) {
  if (m.shares.empty()) {
    // Production records an anonymous share the first time a refund reaches
    // a lot without attribution; the model keeps a counter instead.
    if (p.line_shares.empty()) return m.unattributed_clawed == 0;
    return p.line_shares.size() == 1 && p.line_shares[0].line_id.empty() &&
           p.line_shares[0].amount == m.amount && p.line_shares[0].clawed == m.unattributed_clawed;
  }
  if (p.line_shares.size() != m.shares.size()) return false;
  for (std::size_t i = 0; i < m.shares.size(); ++i) {
    if (p.line_shares[i].line_id != m.shares[i].line_id ||
        p.line_shares[i].amount != m.shares[i].amount ||
        p.line_shares[i].clawed != m.shares[i].clawed) {
      return false;
    }
  }
  return true;
}

// Differences between the stored production rows and the model, one line each.
inline std::vector<std::string> compare_rows(const ledger::WalletState& s,
                                             const ReferenceWallet& model) {
  std::vector<std::string> d;
  if (s.debt != model.debt()) {
    d.push_back("debt " + std::to_string(s.debt) + " vs model " + std::to_string(model.debt()));
  }
  if (s.lots.size() != model.lots().size()) {
    d.push_back(std::to_string(s.lots.size()) + " lots vs model " +
                std::to_string(model.lots().size()));
    return d;
  }
  for (std::size_t i = 0; i < s.lots.size(); ++i) {
    const ledger::Lot& p = s.lots[i];
    const ModelLot& m = model.lots()[i];
    std::string name = "lot " + std::to_string(p.id) + " (model " + std::to_string(m.id) + ")";
    if (p.id != m.id || p.amount != m.amount || p.source != m.source || p.order_id != m.order_id ||
        !(p.scope == m.scope)) {
      d.push_back(name + ": identity differs");
    }
    if (p.remaining != m.remaining) {
      d.push_back(name + ": remaining " + std::to_string(p.remaining) + " vs model " +
                  std::to_string(m.remaining));
    }
    if (p.state != to_lot_state(m.state)) {
      d.push_back(name + ": state " + std::string(ledger::to_string(p.state)) + " vs model " +
                  std::string(ledger::to_string(to_lot_state(m.state))));
    }
    if (p.granted_at != m.granted_at || p.available_at != m.available_at ||
        p.expires_at != m.expires_at) {
      d.push_back(name + ": times differ (expires " +
                  (p.expires_at ? format_instant(*p.expires_at) : "never") + " vs model " +
                  (m.expires_at ? format_instant(*m.expires_at) : "never") + ")");
    }
    if (!same_shares(p, m)) d.push_back(name + ": line shares differ");
    if (p.written_off != m.written_off) {
      d.push_back(name + ": written off " + std::to_string(p.written_off) + " vs model " +
                  std::to_string(m.written_off));
    }
    if (p.expired != m.breakage - m.breakage_claimed) {
      d.push_back(name + ": unclaimed breakage " + std::to_string(p.expired) + " vs model " +
                  std::to_string(m.breakage - m.breakage_claimed));
    }
  }
  if (s.holds.size() != model.holds().size()) {
    d.push_back(std::to_string(s.holds.size()) + " holds vs model " +
                std::to_string(model.holds().size()));
    return d;
  }
  for (std::size_t i = 0; i < s.holds.size(); ++i) {
    const ledger::Hold& p = s.holds[i];
    const ModelHold& m = model.holds()[i];
    std::string name = "hold " + std::to_string(p.id);
    if (p.id != m.id || p.order_id != m.order_id || p.amount != m.amount ||
        p.expires_at != m.expires_at) {
      d.push_back(name + ": identity differs");
    }
    if (p.state != to_hold_state(m.state)) {
      d.push_back(name + ": state " + std::string(ledger::to_string(p.state)) + " vs model " +
                  std::string(ledger::to_string(to_hold_state(m.state))));
    }
    if (!same_pieces(p.allocations, m.pieces)) d.push_back(name + ": allocations differ");
  }
  if (s.redemptions.size() != model.redemptions().size()) {
    d.push_back(std::to_string(s.redemptions.size()) + " redemptions vs model " +
                std::to_string(model.redemptions().size()));
    return d;
  }
  for (std::size_t i = 0; i < s.redemptions.size(); ++i) {
    const ledger::Redemption& p = s.redemptions[i];
    const ModelRedemption& m = model.redemptions()[i];
    if (p.id != m.id || p.order_id != m.order_id || !same_pieces(p.allocations, m.pieces)) {
      d.push_back("redemption " + std::to_string(p.id) + " differs from the model");
    }
  }
  return d;
}

}  // namespace patron::sim
