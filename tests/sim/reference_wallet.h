// A deliberately simple reference model of one member wallet, written from
// design.md §4.2 and the header contracts of src/ledger, for the seeded
// property test. It shares only plain data structs with production (commands,
// Scope, PayLine, result structs); every rule is re-implemented here on its own
// representation: no production function from src/ledger is called.
//
// Where a rule is a choice (soonest expiry first, capture order, restore
// order, debt settlement order) the model implements the same choice
// independently. The one place it takes production's word is how a multi-line
// spend splits each lot's (model-computed) share across lines: that split is
// not unique, so the model checks that production's split is valid and adopts it.
//
// Failure: commands return ModelResult with the ErrorCode and field production
// must report. Thread safety: none.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "ledger/policy.h"
#include "ledger/types.h"
#include "ledger/wallet_ledger.h"

namespace patron::sim {

enum class ModelLotState { kPending, kAvailable, kExpired };

struct ModelShare {
  std::string line_id;
  int64_t amount = 0;
  int64_t clawed = 0;
};

struct ModelLot {
  int64_t id = 0;
  std::string source;
  int64_t amount = 0;
  int64_t remaining = 0;  // free value
  ModelLotState state = ModelLotState::kAvailable;
  Instant granted_at{};
  std::optional<Instant> available_at;  // nullopt while pending: until released
  std::optional<Instant> expires_at;
  ledger::Scope scope;
  std::string order_id;
  std::vector<ModelShare> shares;
  int64_t unattributed_clawed = 0;  // clawed from a lot without line shares
  int64_t breakage = 0;             // value of this lot that expired
  int64_t breakage_claimed = 0;     // breakage already counted by clawbacks
  int64_t written_off = 0;          // refund shortfall written off, not yet repaid
};

struct ModelPiece {
  int64_t lot_id = 0;
  std::string line_id;
  int64_t amount = 0;
  int64_t restored = 0;
};

enum class ModelHoldState { kOpen, kCaptured, kReleased, kExpired };

struct ModelHold {
  int64_t id = 0;
  std::string order_id;
  int64_t amount = 0;
  ModelHoldState state = ModelHoldState::kOpen;
  Instant expires_at{};
  std::vector<ModelPiece> pieces;
};

struct ModelRedemption {
  int64_t id = 0;
  std::string order_id;
  std::vector<ModelPiece> pieces;
};

// Net flows into the system accounts, signed as production posts them.
struct ModelTotals {
  int64_t issued = 0;  // value granted (the issued:* accounts sum to minus this)
  int64_t redeemed = 0;
  int64_t expired = 0;
  int64_t clawed_back = 0;
  int64_t written_off = 0;  // value absorbed (written_off sums to minus this)
  int64_t adjusted = 0;
};

struct ModelConfig {
  ledger::DebtPolicy debt = ledger::DebtPolicy::kNegativeBalance;
  ledger::RestorePolicy restore = ledger::RestorePolicy::kNewLotIfExpired;
  int64_t hold_ttl_s = 15 * 60;
  std::map<std::string, int64_t> expiry_days;  // source -> N days
  std::vector<std::string> end_of_month_sources;
  int64_t restored_lot_days = 30;
  int64_t zone_offset_s = 8 * 3600;  // Asia/Taipei: UTC+8 all year
};

struct ModelError {
  ErrorCode code;
  std::string field;
};
template <class T>
using ModelResult = std::expected<T, ModelError>;

class ReferenceWallet {
 public:
  explicit ReferenceWallet(ModelConfig config) : config_(std::move(config)) {}

  // Holds past their TTL return, due pending lots mature, due lots expire, debt settles.
  void settle(Instant now);

  // Each command settles at `now` first, as production does.
  ModelResult<ledger::GrantResult> grant(Instant now, const ledger::Grant& g);
  // `observed`: production's allocations, adopted for multi-line splits when valid.
  ModelResult<ledger::SpendResult> spend(Instant now, const ledger::Spend& s,
                                         const std::vector<ledger::Allocation>* observed);
  ModelResult<ledger::HoldResult> reserve(Instant now, const ledger::Reserve& r,
                                          const std::vector<ledger::Allocation>* observed);
  ModelResult<ledger::HoldResult> capture(Instant now, int64_t hold_id,
                                          std::optional<int64_t> amount);
  ModelResult<ledger::HoldResult> release(Instant now, int64_t hold_id);
  ModelResult<ledger::ClawbackResult> clawback(Instant now, const ledger::Clawback& c);
  ModelResult<ledger::RestoreResult> restore(Instant now, const ledger::Restore& r);
  ModelResult<ledger::GrantResult> adjust(Instant now, const ledger::Adjust& a);
  ModelResult<ledger::JobResult> release_order(Instant now, const std::string& order_id);

  // Available is net of debt, as the wallet shows it.
  ledger::Balances balances() const;
  int64_t spendable(bool unrestricted_only) const;
  int64_t restorable(const std::string& order_id, const std::vector<std::string>& line_ids) const;
  // What the last clawback owed from expired lots beyond their breakage: value
  // spent before the lot expired, which follows the debt policy.
  int64_t last_expired_shortfall() const { return last_expired_shortfall_; }

  const std::vector<ModelLot>& lots() const { return lots_; }
  const std::vector<ModelHold>& holds() const { return holds_; }
  const std::vector<ModelRedemption>& redemptions() const { return redemptions_; }
  const ModelTotals& totals() const { return totals_; }
  int64_t debt() const { return debt_; }
  // Invalid production splits seen by spend/reserve; the test fails on any.
  const std::vector<std::string>& problems() const { return problems_; }

  // The model's own expiry arithmetic (fixed UTC offset, std::chrono calendar).
  Instant end_of_local_day_plus(Instant t, int64_t days) const;
  Instant end_of_local_month(Instant t) const;

 private:
  std::optional<Instant> default_expiry(const std::string& source, Instant now) const;
  std::vector<std::size_t> ranked_spendable(bool unrestricted_only) const;
  ModelResult<std::vector<ModelPiece>> pick(int64_t amount,
                                            const std::vector<ledger::PayLine>& lines,
                                            const std::vector<ledger::Allocation>* observed);
  void return_piece(const ModelPiece& piece);
  // Value coming back to a lot: repays its write-off, then live lot or (expired)
  // debt and breakage. Returns what expired.
  int64_t give_back(ModelLot& l, int64_t amount);
  int64_t take_in_rank_order(int64_t amount);
  void settle_debt();
  ModelLot* lot(int64_t id);
  ModelHold* hold(int64_t id);

  ModelConfig config_;
  Instant now_{};
  std::vector<ModelLot> lots_;
  std::vector<ModelHold> holds_;
  std::vector<ModelRedemption> redemptions_;
  ModelTotals totals_;
  int64_t debt_ = 0;
  int64_t next_lot_id_ = 1;
  int64_t next_hold_id_ = 1;
  int64_t next_redemption_id_ = 1;
  int64_t last_expired_shortfall_ = 0;
  std::vector<std::string> problems_;
};

// Largest total that `lots` (with their free remainders) can pay for `lines`:
// the max flow lots -> lines, computed as its min cut by enumerating which
// lines' capacities are cut. Exposed for the model's own sanity tests.
int64_t max_payable(const std::vector<const ModelLot*>& lots,
                    const std::vector<ledger::PayLine>& lines);
bool model_covers(const ledger::Scope& scope, const ledger::PayLine& line);

}  // namespace patron::sim
