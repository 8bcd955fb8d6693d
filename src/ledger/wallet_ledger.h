// The rules of one member's wallet: grant, spend, holds, refunds (clawback and
// restore), admin adjustments, maturation and expiry, each posting balanced
// transfers. Pure and deterministic: state, command and `now` in; changes out.
//
// Usage: build a WalletLedger from a loaded WalletState, run one command, then
// take_changes(). Every command first settles the wallet at `now` (releases
// holds past their TTL, matures due pending lots, expires due lots) and again
// after it runs, so a command always sees the wallet as it is at `now` whether
// or not the jobs have run. A command that returns an error may have modified
// the object: discard it; nothing reaches the store.
//
// Thread safety: none; one object per command.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "ledger/policy.h"
#include "ledger/types.h"

namespace patron::ledger {

// Where new ids come from. The app backs it with counters the single writer
// owns; tests use a plain counter.
class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual int64_t next_lot_id() = 0;
  virtual int64_t next_hold_id() = 0;
  virtual int64_t next_redemption_id() = 0;
  virtual int64_t next_journal_id() = 0;
  virtual int64_t next_transfer_id() = 0;
};

// Where a partial WalletState's left-out lots come from: the app loads the
// wallet again in full. Called at most once per ledger, only by a command
// that picks among all spendable lots.
class LotSource {
 public:
  virtual ~LotSource() = default;
  // The wallet's full state for the same command; lots already held are kept.
  virtual Result<WalletState> full() = 0;
};

struct Grant {
  int64_t amount = 0;
  std::string source;  // [a-z0-9_]+
  std::string reason;
  std::optional<Instant> available_at;  // pending until then; default now
  bool pending_until_release = false;   // pending until release_order/release_lot
  std::optional<Instant> expires_at;    // default from the wallet policy for the source
  bool never_expires = false;           // the lot never expires, whatever the wallet's rule
  Scope scope;
  std::string order_id;
  std::vector<LineShare> line_shares;  // must sum to amount when given
};

struct Spend {
  int64_t amount = 0;
  std::string order_id;
  // Lines being paid. Empty: a spend with no cart, paid only by unrestricted lots.
  std::vector<PayLine> lines;
};

struct Reserve {
  int64_t amount = 0;
  std::string order_id;
  std::optional<int64_t> ttl_s;  // default from the wallet policy
  std::vector<PayLine> lines;
};

// A refunded part of an order line: numerator/denominator of the line.
struct RefundLine {
  std::string line_id;
  int64_t numerator = 1;
  int64_t denominator = 1;
};

// Claw back what an order's lines earned. Lines empty: `numerator/denominator`
// of every line (an amount-only refund is refund/order total).
struct Clawback {
  std::string order_id;
  std::vector<RefundLine> lines;
  int64_t numerator = 1;
  int64_t denominator = 1;
};

// Return spent value of an order (refund of a paid order).
struct Restore {
  std::string order_id;
  std::optional<int64_t> amount;  // default: everything still restorable
  // Only value spent on these lines, when given; "" selects value spent
  // without a line (a spend or a hold captured with no lines).
  std::vector<std::string> line_ids;
};

struct Adjust {
  int64_t amount = 0;  // signed: positive grants, negative removes
  std::string reason;  // required
  std::optional<Instant> expires_at;
};

struct GrantResult {
  int64_t lot_id = 0;
  bool pending = false;
  std::optional<Instant> expires_at;
  int64_t debt_settled = 0;
};

struct SpendResult {
  int64_t redemption_id = 0;
  std::vector<Allocation> allocations;
};

struct HoldResult {
  int64_t hold_id = 0;
  int64_t amount = 0;
  int64_t captured = 0;
  int64_t released = 0;
  HoldState state = HoldState::kOpen;
  Instant expires_at{};
};

struct ClawbackResult {
  int64_t due = 0;             // what the refunded lines had earned and not yet returned
  int64_t from_pending = 0;    // taken from pending lots
  int64_t from_available = 0;  // taken from available value
  int64_t expired = 0;         // already expired, nothing to take
  int64_t debt_added = 0;      // kNegativeBalance: left as debt
  int64_t written_off = 0;     // kWriteOff: absorbed by the program
};

struct RestoreResult {
  int64_t restored = 0;
  int64_t to_new_lots = 0;  // the original lot had expired
  int64_t expired_now = 0;  // kOriginalLot into an expired lot
};

struct JobResult {
  int64_t lots = 0;
  int64_t amount = 0;
  int64_t holds = 0;
};

class WalletLedger {
 public:
  // A partial `state` (left_out set, at `now`, without debt) needs `more`.
  WalletLedger(WalletState state, const WalletPolicy& policy, IdSource& ids, Instant now,
               LotSource* more = nullptr);

  Result<GrantResult> grant(const Grant& command);
  Result<SpendResult> spend(const Spend& command);
  Result<HoldResult> reserve(const Reserve& command);
  Result<HoldResult> capture(int64_t hold_id, std::optional<int64_t> amount);
  Result<HoldResult> release(int64_t hold_id);
  Result<ClawbackResult> clawback(const Clawback& command);
  Result<RestoreResult> restore(const Restore& command);
  Result<GrantResult> adjust(const Adjust& command);  // lot_id 0 for a removal
  // Makes pending lots of an order spendable now (order completed, manual approval).
  Result<JobResult> release_order(const std::string& order_id);
  // Gives the order's lots that are pending until released a time to mature
  // (the return window started: fulfilment). Lots with a time keep theirs.
  Result<JobResult> schedule_order(const std::string& order_id, Instant available_at);

  // Jobs. Each is idempotent: running it twice at the same `now` changes nothing more.
  JobResult mature();
  JobResult expire();
  JobResult expire_holds();

  Balances balances() const;
  const WalletState& state() const { return state_; }
  Changes take_changes();

 private:
  // Makes a partial state whole (LotSource::full) before a command that picks
  // among all spendable lots. Moves lots: take no Lot reference across it.
  Result<void> load_left_out();
  void settle();
  void settle_debt();
  int64_t journal();
  void post(const char* kind, const std::string& from, const std::string& to, int64_t amount,
            int64_t lot_id);
  Lot& lot_by_id(int64_t id);
  Hold* find_hold(int64_t id);
  void touch_lot(const Lot& lot) { touched_lots_.insert(lot.id); }
  void return_to_lots(std::vector<Allocation> allocations, const char* kind);
  // `amount` was just posted into member:available against `lot`: repay the
  // lot's written-off refund first; then back to a live lot, or, for an expired
  // lot, pay debt and expire the rest. Returns what expired.
  int64_t return_value(Lot& lot, int64_t amount);
  Result<int64_t> take_from_available(int64_t amount, const char* kind, const std::string& to);
  Result<std::vector<Allocation>> pick(int64_t amount, const std::vector<PayLine>& lines);

  WalletState state_;
  const WalletPolicy& policy_;
  IdSource& ids_;
  Instant now_;
  LotSource* more_;
  int64_t journal_id_ = 0;
  std::set<int64_t> touched_lots_;
  std::set<int64_t> created_lots_;  // since the last take_changes()
  std::set<int64_t> touched_holds_;
  std::set<int64_t> touched_redemptions_;
  std::vector<Transfer> transfers_;
  int64_t initial_debt_ = 0;
};

// Whether leave_out() may leave `lot` out (allocations aside): available, not
// due to expire by `through`, not funded by `order_id`.
bool may_leave_out(const Lot& lot, const std::string& order_id, Instant through);

// The partial view of a full state for a command on `order_id` at `through`:
// leaves out every lot may_leave_out() allows that no hold or redemption of
// the state allocates. Such a lot can only be picked (spend, reserve, a
// negative adjustment, a clawback's shortfall) or pay debt, so the state is
// returned whole when it has debt. The stores load the same view directly
// (app::LoadHint::partial); this is its definition, and the tests' oracle.
WalletState leave_out(WalletState full, const std::string& order_id, Instant through);

// Read-only view at `now`: what the wallet would show if settled now.
Balances balances_at(const WalletState& state, const WalletPolicy& policy, Instant now);

}  // namespace patron::ledger
