#include "ledger/verify.h"

#include <map>

namespace patron::ledger {

namespace {
bool is_member_account(const std::string& a) {
  return a.rfind("member:", 0) == 0;
}
}  // namespace

std::vector<std::string> verify_wallet(const WalletState& state,
                                       const std::vector<Transfer>& transfers) {
  std::vector<std::string> problems;
  auto report = [&](std::string text) {
    problems.push_back(state.wallet + ": " + std::move(text));
  };

  std::map<std::string, int64_t> account_balance;
  std::map<int64_t, int64_t> lot_net;  // value in member accounts traced to each lot
  for (const Transfer& t : transfers) {
    if (t.amount <= 0) report("transfer " + std::to_string(t.id) + " has a non-positive amount");
    if (t.from == t.to) report("transfer " + std::to_string(t.id) + " moves to its own account");
    // History is unbounded: sums are checked, and an overflow is a finding.
    bool overflow =
        __builtin_sub_overflow(account_balance[t.from], t.amount, &account_balance[t.from]) ||
        __builtin_add_overflow(account_balance[t.to], t.amount, &account_balance[t.to]);
    if (t.lot_id != 0) {
      int64_t& net = lot_net[t.lot_id];
      if (is_member_account(t.to) && t.to != "member:debt") {
        overflow = overflow || __builtin_add_overflow(net, t.amount, &net);
      }
      if (is_member_account(t.from) && t.from != "member:debt") {
        overflow = overflow || __builtin_sub_overflow(net, t.amount, &net);
      }
    }
    if (overflow) {
      report("account sums overflow int64 at transfer " + std::to_string(t.id));
      return problems;
    }
  }
  for (const auto& [name, balance] : account_balance) {
    if (!is_member_account(name) && name.rfind("issued:", 0) == 0 && balance > 0) {
      report("issuing account " + name + " has a positive balance");
    }
  }

  int64_t available = 0, pending = 0, held = 0, written_off_by_lots = 0;
  std::map<int64_t, int64_t> held_by_lot;
  for (const Hold& hold : state.holds) {
    int64_t sum = 0;
    for (const Allocation& a : hold.allocations) sum += a.amount;
    if (sum != hold.amount) {
      report("hold " + std::to_string(hold.id) + " allocations sum to " + std::to_string(sum) +
             " but the hold is " + std::to_string(hold.amount));
    }
    if (hold.state != HoldState::kOpen) continue;
    for (const Allocation& a : hold.allocations) {
      held += a.amount;
      held_by_lot[a.lot_id] += a.amount;
    }
  }
  for (const Lot& lot : state.lots) {
    std::string name = "lot " + std::to_string(lot.id);
    if (lot.remaining < 0) report(name + " has a negative remainder");
    if (lot.remaining > lot.amount) report(name + " has more remaining than was granted");
    if (lot.expired < 0 || lot.expired > lot.amount) {
      report(name + " has an impossible expired amount");
    }
    if (lot.written_off < 0 || lot.written_off > lot.amount) {
      report(name + " has an impossible written-off amount");
    }
    written_off_by_lots += lot.written_off;
    if (lot.state == LotState::kExpired && lot.remaining != 0) {
      report(name + " is expired but keeps " + std::to_string(lot.remaining));
    }
    if (lot.state == LotState::kAvailable) available += lot.remaining;
    if (lot.state == LotState::kPending) pending += lot.remaining;
    int64_t expected = lot.remaining + held_by_lot[lot.id];
    if (lot_net[lot.id] != expected) {
      report(name + ": transfers leave " + std::to_string(lot_net[lot.id]) +
             " in member accounts but the lot holds " + std::to_string(expected));
    }
    lot_net.erase(lot.id);
  }
  for (const auto& [lot_id, net] : lot_net) {
    if (net != 0) report("transfers refer to unknown lot " + std::to_string(lot_id));
  }
  auto check = [&](const char* account, int64_t from_lots, const char* what) {
    int64_t posted = account_balance[account];
    if (posted != from_lots) {
      report(std::string(account) + " is " + std::to_string(posted) + " by transfers but " + what +
             " sum to " + std::to_string(from_lots));
    }
  };
  check(account::kAvailable, available, "available lot remainders");
  check(account::kPending, pending, "pending lot remainders");
  check(account::kHeld, held, "open hold allocations");
  check(account::kDebt, -state.debt, "minus the recorded debt");
  check(account::kWrittenOff, -written_off_by_lots, "minus the lots' unrecovered write-offs");
  if (state.debt < 0) report("debt is negative");
  return problems;
}

}  // namespace patron::ledger
