#include "ledger/wallet_ledger.h"

#include <algorithm>

#include "core/assert.h"
#include "core/limits.h"
#include "core/money.h"
#include "ledger/allocation.h"

namespace patron::ledger {

namespace {

bool valid_source(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<void> check_id(const std::string& id, std::string_view field, bool required) {
  if (id.empty()) {
    if (required) return fail(ErrorCode::kInvalidArgument, std::string(field), "is required");
    return {};
  }
  if (id.size() > limits::kIdBytesMax) {
    return fail(ErrorCode::kInvalidArgument, std::string(field), "is longer than 128 bytes");
  }
  return {};
}

Result<void> check_lines(const std::vector<PayLine>& lines) {
  if (lines.size() > limits::kLinesMax) {
    return fail(ErrorCode::kInvalidArgument, "lines", "too many lines (at most 500)");
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string field = "lines[" + std::to_string(i) + "]";
    if (lines[i].amount < 0 || lines[i].amount > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, field + ".amount", "must be between 0 and 10^14");
    }
    if (auto ok = check_id(lines[i].line_id, field + ".line_id", true); !ok) return ok;
  }
  return {};
}

}  // namespace

WalletLedger::WalletLedger(WalletState state, const WalletPolicy& policy, IdSource& ids,
                           Instant now, LotSource* more)
    : state_(std::move(state)), policy_(policy), ids_(ids), now_(now), more_(more) {
  initial_debt_ = state_.debt;
  PATRON_ASSERT(state_.debt >= 0);
  if (state_.left_out) {
    // Lots due by `now` were kept, and debt (which any lot may pay) means whole.
    PATRON_ASSERT(more_ != nullptr);
    PATRON_ASSERT(state_.left_out->through == now_);
    PATRON_ASSERT(state_.debt == 0);
  }
  settle();
}

Result<void> WalletLedger::load_left_out() {
  if (!state_.left_out) return {};
  auto full = more_->full();
  if (!full) return std::unexpected(full.error());
  std::set<int64_t> have;
  for (const Lot& lot : state_.lots) have.insert(lot.id);
  std::vector<Lot> added;
  int64_t available = 0;
  for (Lot& lot : full->lots) {
    if (have.count(lot.id)) continue;
    available += lot.remaining;
    added.push_back(std::move(lot));
  }
  // Checked before anything changes: on an error the state stays as it was.
  if (static_cast<int64_t>(added.size()) != state_.left_out->lots ||
      available != state_.left_out->available) {
    return fail(ErrorCode::kCorruption, "",
                "the full load of wallet " + state_.wallet + " does not match what was left out");
  }
  for (Lot& lot : added) state_.lots.push_back(std::move(lot));
  std::sort(state_.lots.begin(), state_.lots.end(),
            [](const Lot& a, const Lot& b) { return a.id < b.id; });
  state_.left_out.reset();
  return {};
}

int64_t WalletLedger::journal() {
  if (journal_id_ == 0) journal_id_ = ids_.next_journal_id();
  return journal_id_;
}

void WalletLedger::post(const char* kind, const std::string& from, const std::string& to,
                        int64_t amount, int64_t lot_id) {
  PATRON_ASSERT(amount > 0);
  PATRON_ASSERT(from != to);
  transfers_.push_back(Transfer{ids_.next_transfer_id(), journal(), state_.wallet, kind, from, to,
                                amount, lot_id, now_});
}

Lot& WalletLedger::lot_by_id(int64_t id) {
  for (Lot& lot : state_.lots) {
    if (lot.id == id) return lot;
  }
  PATRON_ASSERT(false && "allocation refers to a lot that was not loaded");
  __builtin_unreachable();
}

Hold* WalletLedger::find_hold(int64_t id) {
  for (Hold& hold : state_.holds) {
    if (hold.id == id) return &hold;
  }
  return nullptr;
}

void WalletLedger::settle() {
  expire_holds();
  mature();
  expire();
  settle_debt();
  journal_id_ = 0;
}

void WalletLedger::settle_debt() {
  if (state_.debt == 0) return;
  PATRON_ASSERT(!state_.left_out);  // debt arises only after load_left_out()
  for (std::size_t index : spendable_in_order(state_.lots, now_)) {
    if (state_.debt == 0) break;
    Lot& lot = state_.lots[index];
    // Debt lives in member:debt (negative); value that becomes available pays it.
    int64_t take = std::min(lot.remaining, state_.debt);
    lot.remaining -= take;
    state_.debt -= take;
    post("settle_debt", account::kAvailable, account::kDebt, take, lot.id);
    touch_lot(lot);
  }
}

JobResult WalletLedger::expire_holds() {
  JobResult result;
  journal_id_ = 0;
  for (Hold& hold : state_.holds) {
    if (hold.state != HoldState::kOpen || hold.expires_at > now_) continue;
    return_to_lots(hold.allocations, "hold_expire");
    hold.state = HoldState::kExpired;
    touched_holds_.insert(hold.id);
    result.holds += 1;
    result.amount += hold.amount;
  }
  return result;
}

JobResult WalletLedger::mature() {
  JobResult result;
  journal_id_ = 0;
  // In the order they became available, since each may pay debt in turn.
  std::vector<Lot*> due;
  for (Lot& lot : state_.lots) {
    if (lot.state == LotState::kPending && lot.available_at && *lot.available_at <= now_) {
      due.push_back(&lot);
    }
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const Lot* a, const Lot* b) { return *a->available_at < *b->available_at; });
  for (Lot* due_lot : due) {
    Lot& lot = *due_lot;
    if (lot.remaining > 0)
      post("mature", account::kPending, account::kAvailable, lot.remaining, lot.id);
    lot.state = LotState::kAvailable;
    touch_lot(lot);
    result.lots += 1;
    result.amount += lot.remaining;
    // It became spendable at available_at and paid debt then, even if it has
    // expired since (a job that runs late must not change the outcome).
    int64_t pay = std::min(lot.remaining, state_.debt);
    if (pay > 0) {
      post("settle_debt", account::kAvailable, account::kDebt, pay, lot.id);
      lot.remaining -= pay;
      state_.debt -= pay;
    }
  }
  settle_debt();
  return result;
}

JobResult WalletLedger::expire() {
  JobResult result;
  journal_id_ = 0;
  for (Lot& lot : state_.lots) {
    if (lot.state == LotState::kExpired || !lot.expires_at || *lot.expires_at > now_) continue;
    const char* from = lot.state == LotState::kPending ? account::kPending : account::kAvailable;
    if (lot.remaining > 0) post("expire", from, account::kExpired, lot.remaining, lot.id);
    result.lots += 1;
    result.amount += lot.remaining;
    lot.expired += lot.remaining;
    lot.remaining = 0;
    lot.state = LotState::kExpired;
    touch_lot(lot);
  }
  return result;
}

// Puts held value back on its lots. A lot that expired while held gets the
// value back and expires it at once (after repaying what it owes), so
// breakage is booked against the lot.
void WalletLedger::return_to_lots(std::vector<Allocation> allocations, const char* kind) {
  for (const Allocation& a : allocations) {
    if (a.amount == 0) continue;
    Lot& lot = lot_by_id(a.lot_id);
    post(kind, account::kHeld, account::kAvailable, a.amount, lot.id);
    return_value(lot, a.amount);
  }
}

int64_t WalletLedger::return_value(Lot& lot, int64_t amount) {
  touch_lot(lot);
  int64_t recover = std::min(amount, lot.written_off);
  if (recover > 0) {
    post("write_off_recovered", account::kAvailable, account::kWrittenOff, recover, lot.id);
    lot.written_off -= recover;
    amount -= recover;
  }
  // Value becoming available pays debt at once, as it would have when the hold
  // resolved even if the lot has expired since: the result must not depend
  // on when a job ran.
  int64_t pay = std::min(amount, state_.debt);
  if (pay > 0) {
    post("settle_debt", account::kAvailable, account::kDebt, pay, lot.id);
    state_.debt -= pay;
    amount -= pay;
  }
  if (amount == 0) return 0;
  if (lot.state != LotState::kExpired) {
    lot.remaining += amount;  // expire() books it if the lot is past its expiry
    return 0;
  }
  if (amount > 0) {
    post("expire", account::kAvailable, account::kExpired, amount, lot.id);
    lot.expired += amount;
  }
  return amount;
}

Result<GrantResult> WalletLedger::grant(const Grant& c) {
  journal_id_ = 0;
  if (auto ok = positive_amount(c.amount, "amount"); !ok) return std::unexpected(ok.error());
  if (!valid_source(c.source)) {
    return fail(ErrorCode::kInvalidArgument, "source",
                "must be 1-40 characters of a-z, 0-9 and _, got '" + c.source + "'");
  }
  if (c.reason.size() > limits::kReasonBytesMax) {
    return fail(ErrorCode::kInvalidArgument, "reason", "is longer than 500 bytes");
  }
  if (auto ok = check_id(c.order_id, "order_id", false); !ok) return std::unexpected(ok.error());
  if (c.never_expires && c.expires_at) {
    return fail(ErrorCode::kInvalidArgument, "expires_at", "a lot that never expires has none");
  }
  std::optional<Instant> expires = c.expires_at;
  if (!expires && !c.never_expires) {
    expires = expires_at(policy_.expiry_for(c.source), now_, policy_.zone);
  }
  if (c.expires_at && *c.expires_at <= now_) {
    return fail(ErrorCode::kInvalidArgument, "expires_at", "must be in the future");
  }
  Instant available = c.available_at.value_or(now_);
  if (expires && available >= *expires) {
    return fail(ErrorCode::kInvalidArgument, "available_at", "must be before expires_at");
  }
  if (!c.line_shares.empty()) {
    if (c.order_id.empty()) {
      return fail(ErrorCode::kInvalidArgument, "order_id",
                  "line shares need the order they belong to");
    }
    if (c.line_shares.size() > limits::kOrderLinesMax + 1) {  // + shipping
      return fail(ErrorCode::kInvalidArgument, "line_shares", "too many lines (at most 5001)");
    }
    int64_t sum = 0;
    for (const LineShare& share : c.line_shares) {
      if (share.amount < 0 || share.amount > limits::kAmountMax || share.clawed != 0) {
        return fail(ErrorCode::kInvalidArgument, "line_shares",
                    "amounts must be between 0 and 10^14 and not yet clawed back");
      }
      if (auto ok = check_id(share.line_id, "line_shares.line_id", true); !ok) {
        return std::unexpected(ok.error());
      }
      sum += share.amount;  // at most 500 x 10^14: cannot overflow int64
    }
    if (sum != c.amount) {
      return fail(ErrorCode::kInvalidArgument, "line_shares", "must sum to the granted amount");
    }
  }
  Lot lot;
  lot.id = ids_.next_lot_id();
  created_lots_.insert(lot.id);
  lot.wallet = state_.wallet;
  lot.source = c.source;
  lot.amount = c.amount;
  lot.remaining = c.amount;
  lot.granted_at = now_;
  lot.expires_at = expires;
  lot.scope = c.scope;
  lot.order_id = c.order_id;
  lot.line_shares = c.line_shares;
  lot.reason = c.reason;
  bool pending = c.pending_until_release || available > now_;
  lot.state = pending ? LotState::kPending : LotState::kAvailable;
  if (!c.pending_until_release) lot.available_at = available;
  post("grant", account::issued(c.source), pending ? account::kPending : account::kAvailable,
       c.amount, lot.id);
  state_.lots.push_back(lot);
  touched_lots_.insert(lot.id);
  int64_t debt_before = state_.debt;
  settle_debt();
  GrantResult result{lot.id, pending, expires, debt_before - state_.debt};
  settle();
  return result;
}

Result<std::vector<Allocation>> WalletLedger::pick(int64_t amount,
                                                   const std::vector<PayLine>& lines_in) {
  std::vector<PayLine> no_lines;
  if (lines_in.empty()) {
    // A spend without a cart: one line that only unrestricted lots can pay.
    no_lines.emplace_back();
    no_lines.back().amount = amount;
  }
  const std::vector<PayLine>& lines = lines_in.empty() ? no_lines : lines_in;
  if (auto ok = load_left_out(); !ok) return std::unexpected(ok.error());
  auto order = spendable_in_order(state_.lots, now_);
  // A spend without lines may use only unrestricted lots.
  if (lines_in.empty()) {
    std::erase_if(order, [&](std::size_t i) { return !state_.lots[i].scope.unrestricted(); });
  }
  if (lines.size() > 1 && order.size() * lines.size() > limits::kAllocationPairsMax) {
    return fail(ErrorCode::kFailedPrecondition, "lines",
                std::to_string(order.size()) + " lots x " + std::to_string(lines.size()) +
                    " lines is more than one payment may weigh (5,000 pairs); pay fewer lines");
  }
  auto pieces = allocate(state_.lots, order, lines, amount);
  int64_t total = 0;
  for (const Piece& p : pieces) total += p.amount;
  if (total < amount) {
    return fail(ErrorCode::kInsufficientFunds, "amount",
                "only " + std::to_string(total) + " of " + std::to_string(amount) +
                    " is spendable on these lines");
  }
  std::vector<Allocation> allocations;
  allocations.reserve(pieces.size());
  for (const Piece& p : pieces) {
    allocations.push_back(
        Allocation{state_.lots[p.lot_index].id, lines[p.line_index].line_id, p.amount, 0});
  }
  return allocations;
}

Result<SpendResult> WalletLedger::spend(const Spend& c) {
  journal_id_ = 0;
  if (auto ok = positive_amount(c.amount, "amount"); !ok) return std::unexpected(ok.error());
  if (auto ok = check_id(c.order_id, "order_id", false); !ok) return std::unexpected(ok.error());
  if (auto ok = check_lines(c.lines); !ok) return std::unexpected(ok.error());
  auto allocations = pick(c.amount, c.lines);
  if (!allocations) return std::unexpected(allocations.error());
  for (const Allocation& a : *allocations) {
    Lot& lot = lot_by_id(a.lot_id);
    lot.remaining -= a.amount;
    PATRON_ASSERT(lot.remaining >= 0);
    post("spend", account::kAvailable, account::kRedeemed, a.amount, lot.id);
    touch_lot(lot);
  }
  Redemption r{ids_.next_redemption_id(), state_.wallet, c.order_id, 0, now_, *allocations};
  state_.redemptions.push_back(r);
  touched_redemptions_.insert(r.id);
  settle();
  return SpendResult{r.id, r.allocations};
}

Result<HoldResult> WalletLedger::reserve(const Reserve& c) {
  journal_id_ = 0;
  if (auto ok = positive_amount(c.amount, "amount"); !ok) return std::unexpected(ok.error());
  if (auto ok = check_id(c.order_id, "order_id", true); !ok) return std::unexpected(ok.error());
  if (auto ok = check_lines(c.lines); !ok) return std::unexpected(ok.error());
  int64_t ttl = c.ttl_s.value_or(policy_.hold_ttl_s);
  if (ttl <= 0 || ttl > limits::kHoldTtlSecondsMax) {
    return fail(ErrorCode::kInvalidArgument, "ttl_s", "must be between 1 and 604800 seconds");
  }
  auto allocations = pick(c.amount, c.lines);
  if (!allocations) return std::unexpected(allocations.error());
  Hold hold;
  hold.id = ids_.next_hold_id();
  hold.wallet = state_.wallet;
  hold.order_id = c.order_id;
  hold.amount = c.amount;
  hold.created_at = now_;
  hold.expires_at = now_ + std::chrono::seconds{ttl};
  hold.allocations = *allocations;
  for (const Allocation& a : hold.allocations) {
    Lot& lot = lot_by_id(a.lot_id);
    lot.remaining -= a.amount;
    PATRON_ASSERT(lot.remaining >= 0);
    post("reserve", account::kAvailable, account::kHeld, a.amount, lot.id);
    touch_lot(lot);
  }
  state_.holds.push_back(hold);
  touched_holds_.insert(hold.id);
  settle();
  return HoldResult{hold.id, hold.amount, 0, 0, HoldState::kOpen, hold.expires_at};
}

Result<HoldResult> WalletLedger::capture(int64_t hold_id, std::optional<int64_t> amount) {
  journal_id_ = 0;
  Hold* hold = find_hold(hold_id);
  if (hold == nullptr) {
    return fail(ErrorCode::kNotFound, "hold_id", "no hold " + std::to_string(hold_id));
  }
  if (hold->state != HoldState::kOpen) {
    return fail(
        ErrorCode::kConflict, "hold_id",
        "hold " + std::to_string(hold_id) + " is already " + std::string(to_string(hold->state)));
  }
  int64_t want = amount.value_or(hold->amount);
  if (auto ok = positive_amount(want, "amount"); !ok) return std::unexpected(ok.error());
  if (want > hold->amount) {
    return fail(
        ErrorCode::kFailedPrecondition, "amount",
        "cannot capture " + std::to_string(want) + ": the hold is " + std::to_string(hold->amount));
  }
  std::vector<Allocation> captured;
  std::vector<Allocation> released;
  int64_t left = want;
  for (const Allocation& a : hold->allocations) {
    int64_t take = std::min(left, a.amount);
    left -= take;
    if (take > 0) captured.push_back(Allocation{a.lot_id, a.line_id, take, 0});
    if (a.amount - take > 0)
      released.push_back(Allocation{a.lot_id, a.line_id, a.amount - take, 0});
  }
  for (const Allocation& a : captured)
    post("capture", account::kHeld, account::kRedeemed, a.amount, a.lot_id);
  return_to_lots(released, "release");
  hold->captured = want;
  hold->state = HoldState::kCaptured;
  touched_holds_.insert(hold->id);
  Redemption r{ids_.next_redemption_id(), state_.wallet, hold->order_id, hold->id, now_, captured};
  state_.redemptions.push_back(r);
  touched_redemptions_.insert(r.id);
  HoldResult result{hold->id,        hold->amount, want, hold->amount - want, HoldState::kCaptured,
                    hold->expires_at};
  settle();
  return result;
}

Result<HoldResult> WalletLedger::release(int64_t hold_id) {
  journal_id_ = 0;
  Hold* hold = find_hold(hold_id);
  if (hold == nullptr) {
    return fail(ErrorCode::kNotFound, "hold_id", "no hold " + std::to_string(hold_id));
  }
  if (hold->state != HoldState::kOpen) {
    return fail(
        ErrorCode::kConflict, "hold_id",
        "hold " + std::to_string(hold_id) + " is already " + std::string(to_string(hold->state)));
  }
  return_to_lots(hold->allocations, "release");
  hold->state = HoldState::kReleased;
  touched_holds_.insert(hold->id);
  HoldResult result{hold->id,     hold->amount,         0,
                    hold->amount, HoldState::kReleased, hold->expires_at};
  settle();
  return result;
}

Result<int64_t> WalletLedger::take_from_available(int64_t amount, const char* kind,
                                                  const std::string& to) {
  if (auto ok = load_left_out(); !ok) return std::unexpected(ok.error());
  int64_t left = amount;
  for (std::size_t index : spendable_in_order(state_.lots, now_)) {
    if (left == 0) break;
    Lot& lot = state_.lots[index];
    int64_t take = std::min(left, lot.remaining);
    lot.remaining -= take;
    left -= take;
    post(kind, account::kAvailable, to, take, lot.id);
    touch_lot(lot);
  }
  return amount - left;
}

Result<ClawbackResult> WalletLedger::clawback(const Clawback& c) {
  journal_id_ = 0;
  if (auto ok = check_id(c.order_id, "order_id", true); !ok) return std::unexpected(ok.error());
  auto check_fraction = [](int64_t n, int64_t d, const std::string& field) -> Result<void> {
    if (d <= 0 || n <= 0 || n > d || d > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, field,
                  "refunded fraction must satisfy 0 < numerator <= denominator");
    }
    return {};
  };
  if (c.lines.empty()) {
    if (auto ok = check_fraction(c.numerator, c.denominator, "fraction"); !ok) {
      return std::unexpected(ok.error());
    }
  }
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    std::string field = "lines[" + std::to_string(i) + "]";
    if (auto ok = check_fraction(c.lines[i].numerator, c.lines[i].denominator, field); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = check_id(c.lines[i].line_id, field + ".line_id", true); !ok) {
      return std::unexpected(ok.error());
    }
  }
  // A partial state kept every lot of its own order only.
  if (state_.left_out && state_.left_out->order_id != c.order_id) {
    if (auto ok = load_left_out(); !ok) return std::unexpected(ok.error());
  }
  ClawbackResult result;
  // Pending lots first (peers.md §3: Open Loyalty forgot them), then available.
  std::vector<Lot*> funded;
  for (Lot& lot : state_.lots) {
    if (lot.order_id != c.order_id) continue;
    bool attributed = !lot.line_shares.empty() && !lot.line_shares.front().line_id.empty();
    if (!c.lines.empty() && !attributed) {
      return fail(ErrorCode::kFailedPrecondition, "lines",
                  "order " + c.order_id + " earned lot " + std::to_string(lot.id) +
                      " without line attribution: refund it by fraction");
    }
    funded.push_back(&lot);
  }
  std::stable_sort(funded.begin(), funded.end(), [](const Lot* a, const Lot* b) {
    return (a->state == LotState::kPending) > (b->state == LotState::kPending);
  });
  int64_t shortfall = 0;
  // Who owes the shortfall, by lot id: take_from_available() may load lots.
  std::vector<std::pair<int64_t, int64_t>> short_by_lot;
  for (Lot* lot : funded) {
    // Value due back from this lot for the refunded lines.
    int64_t due = 0;
    auto due_for = [](LineShare& share, int64_t n, int64_t d) {
      int64_t open = share.amount - share.clawed;
      int64_t part = n == d ? open : std::min(open, *scale(share.amount, n, d, Rounding::kFloor));
      share.clawed += part;
      return part;
    };
    if (lot->line_shares.empty()) {
      // No attribution stored: the whole lot counts as one line.
      lot->line_shares.push_back(LineShare{"", lot->amount, 0});
    }
    for (LineShare& share : lot->line_shares) {
      if (c.lines.empty()) {
        due += due_for(share, c.numerator, c.denominator);
      } else {
        for (const RefundLine& line : c.lines) {
          if (line.line_id == share.line_id)
            due += due_for(share, line.numerator, line.denominator);
        }
      }
    }
    touch_lot(*lot);
    if (due == 0) continue;
    result.due += due;
    if (lot->state == LotState::kExpired) {
      // What expired unspent is no longer the member's: reclassify it from
      // breakage to clawed back. What was spent before expiry is a shortfall.
      int64_t lapsed = std::min(due, lot->expired);
      if (lapsed > 0) {
        post("clawback", account::kExpired, account::kClawedBack, lapsed, lot->id);
        lot->expired -= lapsed;
        result.expired += lapsed;
      }
      shortfall += due - lapsed;
      if (due > lapsed) short_by_lot.push_back({lot->id, due - lapsed});
      continue;
    }
    int64_t take = std::min(due, lot->remaining);
    if (take > 0) {
      bool pending = lot->state == LotState::kPending;
      post("clawback", pending ? account::kPending : account::kAvailable, account::kClawedBack,
           take, lot->id);
      lot->remaining -= take;
      (pending ? result.from_pending : result.from_available) += take;
    }
    shortfall += due - take;
    if (due > take) short_by_lot.push_back({lot->id, due - take});
  }
  if (shortfall > 0) {
    // The earned value was already spent (or is held): recover from other
    // available value first, then apply the debt policy. Never drop it silently.
    auto taken = take_from_available(shortfall, "clawback", account::kClawedBack);
    if (!taken) return std::unexpected(taken.error());
    result.from_available += *taken;
    shortfall -= *taken;
  }
  if (shortfall > 0) {
    post("clawback", account::kDebt, account::kClawedBack, shortfall, 0);
    if (policy_.debt == DebtPolicy::kNegativeBalance) {
      state_.debt += shortfall;
      result.debt_added = shortfall;
    } else {
      post("write_off", account::kWrittenOff, account::kDebt, shortfall, 0);
      result.written_off = shortfall;
      // Remember which lots owe it: value returning to them repays it first.
      int64_t left = shortfall;
      for (auto& [lot_id, owed] : short_by_lot) {
        int64_t x = std::min(left, owed);
        Lot& lot = lot_by_id(lot_id);
        lot.written_off += x;
        left -= x;
        touch_lot(lot);
      }
      PATRON_ASSERT(left == 0);
    }
  }
  settle();
  return result;
}

Result<RestoreResult> WalletLedger::restore(const Restore& c) {
  journal_id_ = 0;
  if (auto ok = check_id(c.order_id, "order_id", true); !ok) return std::unexpected(ok.error());
  if (c.amount) {
    if (auto ok = positive_amount(*c.amount, "amount"); !ok) return std::unexpected(ok.error());
  }
  if (c.line_ids.size() > limits::kOrderLinesMax + 1) {
    return fail(ErrorCode::kInvalidArgument, "line_ids", "too many lines (at most 5001)");
  }
  for (std::size_t i = 0; i < c.line_ids.size(); ++i) {
    // "" names value spent without a line (a spend or hold with no lines).
    if (auto ok = check_id(c.line_ids[i], "line_ids[" + std::to_string(i) + "]", false); !ok) {
      return std::unexpected(ok.error());
    }
  }
  auto selected = [&](const Allocation& a) {
    return c.line_ids.empty() ||
           std::find(c.line_ids.begin(), c.line_ids.end(), a.line_id) != c.line_ids.end();
  };
  int64_t restorable = 0;
  for (const Redemption& r : state_.redemptions) {
    if (r.order_id != c.order_id) continue;
    for (const Allocation& a : r.allocations) {
      if (selected(a)) restorable += a.amount - a.restored;
    }
  }
  int64_t want = c.amount.value_or(restorable);
  if (want > restorable) {
    return fail(ErrorCode::kFailedPrecondition, "amount",
                "only " + std::to_string(restorable) + " spent on order " + c.order_id +
                    " can still be restored");
  }
  RestoreResult result;
  int64_t left = want;
  // Undo in reverse: the value spent last (latest expiry) goes back first.
  for (auto r = state_.redemptions.rbegin(); r != state_.redemptions.rend() && left > 0; ++r) {
    if (r->order_id != c.order_id) continue;
    for (auto a = r->allocations.rbegin(); a != r->allocations.rend() && left > 0; ++a) {
      if (!selected(*a)) continue;
      int64_t give = std::min(left, a->amount - a->restored);
      if (give == 0) continue;
      a->restored += give;
      left -= give;
      touched_redemptions_.insert(r->id);
      Lot& lot = lot_by_id(a->lot_id);
      bool expired = lot.state == LotState::kExpired || (lot.expires_at && *lot.expires_at <= now_);
      if (!expired || policy_.restore == RestorePolicy::kOriginalLot) {
        post("restore", account::kRedeemed, account::kAvailable, give, lot.id);
        result.expired_now += return_value(lot, give);
        result.restored += give;
        continue;
      }
      // The lot expired: repay what it owes, the rest goes to a new lot.
      int64_t recover = std::min(give, lot.written_off);
      if (recover > 0) {
        post("restore", account::kRedeemed, account::kAvailable, recover, lot.id);
        return_value(lot, recover);
      }
      result.restored += give;
      give -= recover;
      if (give == 0) continue;
      {
        Lot fresh;
        fresh.id = ids_.next_lot_id();
        created_lots_.insert(fresh.id);
        fresh.wallet = state_.wallet;
        fresh.source = "restore";
        fresh.amount = give;
        fresh.remaining = give;
        fresh.state = LotState::kAvailable;
        fresh.granted_at = now_;
        fresh.available_at = now_;
        fresh.expires_at = expires_at(policy_.restored_lot_expiry, now_, policy_.zone);
        fresh.scope = lot.scope;
        fresh.order_id = "";
        fresh.reason =
            "restored from expired lot " + std::to_string(lot.id) + " (order " + c.order_id + ")";
        post("restore", account::kRedeemed, account::kAvailable, give, fresh.id);
        state_.lots.push_back(std::move(fresh));
        touched_lots_.insert(state_.lots.back().id);
        result.to_new_lots += give;
      }
    }
  }
  PATRON_ASSERT(left == 0);
  settle();
  return result;
}

Result<GrantResult> WalletLedger::adjust(const Adjust& c) {
  journal_id_ = 0;
  if (c.reason.empty()) {
    return fail(ErrorCode::kInvalidArgument, "reason", "an adjustment needs a reason");
  }
  if (c.amount == 0) return fail(ErrorCode::kInvalidArgument, "amount", "must not be zero");
  if (c.amount > 0) {
    Grant g;
    g.amount = c.amount;
    g.source = "adjustment";
    g.reason = c.reason;
    g.expires_at = c.expires_at;
    return grant(g);
  }
  if (c.reason.size() > limits::kReasonBytesMax) {
    return fail(ErrorCode::kInvalidArgument, "reason", "is longer than 500 bytes");
  }
  if (c.amount < -limits::kAmountMax) {
    return fail(ErrorCode::kInvalidArgument, "amount", "amount is too large");
  }
  int64_t want = -c.amount;
  if (auto ok = load_left_out(); !ok) return std::unexpected(ok.error());
  int64_t spendable = 0;
  for (std::size_t i : spendable_in_order(state_.lots, now_)) spendable += state_.lots[i].remaining;
  if (spendable < want) {
    return fail(ErrorCode::kInsufficientFunds, "amount",
                "only " + std::to_string(spendable) + " is available to remove");
  }
  auto taken = take_from_available(want, "adjust", account::kAdjusted);
  if (!taken) return std::unexpected(taken.error());
  PATRON_ASSERT(*taken == want);
  settle();
  return GrantResult{};
}

Result<JobResult> WalletLedger::release_order(const std::string& order_id) {
  journal_id_ = 0;
  if (auto ok = check_id(order_id, "order_id", true); !ok) return std::unexpected(ok.error());
  JobResult result;
  for (Lot& lot : state_.lots) {
    if (lot.order_id != order_id || lot.state != LotState::kPending) continue;
    if (lot.remaining > 0)
      post("mature", account::kPending, account::kAvailable, lot.remaining, lot.id);
    lot.state = LotState::kAvailable;
    lot.available_at = now_;
    touch_lot(lot);
    result.lots += 1;
    result.amount += lot.remaining;
  }
  settle();
  return result;
}

Result<JobResult> WalletLedger::schedule_order(const std::string& order_id, Instant available_at) {
  journal_id_ = 0;
  if (auto ok = check_id(order_id, "order_id", true); !ok) return std::unexpected(ok.error());
  JobResult result;
  for (Lot& lot : state_.lots) {
    if (lot.order_id != order_id || lot.state != LotState::kPending || lot.available_at) continue;
    lot.available_at = available_at;
    touch_lot(lot);
    result.lots += 1;
    result.amount += lot.remaining;
  }
  settle();  // matures them now when the time has passed
  return result;
}

Balances WalletLedger::balances() const {
  Balances b;
  for (const Lot& lot : state_.lots) {
    if (lot.state == LotState::kAvailable) b.available += lot.remaining;
    if (lot.state == LotState::kPending) b.pending += lot.remaining;
  }
  for (const Hold& hold : state_.holds) {
    if (hold.state != HoldState::kOpen) continue;
    for (const Allocation& a : hold.allocations) b.held += a.amount;
  }
  if (state_.left_out) b.available += state_.left_out->available;
  b.debt = state_.debt;
  b.available -= state_.debt;
  return b;
}

Changes WalletLedger::take_changes() {
  Changes changes;
  changes.lots.reserve(touched_lots_.size());
  for (const Lot& lot : state_.lots) {
    if (!touched_lots_.count(lot.id)) continue;
    changes.lots.push_back(lot);
    if (created_lots_.count(lot.id)) changes.new_lots.push_back(lot.id);
  }
  std::sort(changes.new_lots.begin(), changes.new_lots.end());
  for (const Hold& hold : state_.holds) {
    if (touched_holds_.count(hold.id)) changes.holds.push_back(hold);
  }
  for (const Redemption& r : state_.redemptions) {
    if (touched_redemptions_.count(r.id)) changes.redemptions.push_back(r);
  }
  changes.transfers = std::move(transfers_);
  transfers_.clear();
  if (state_.debt != initial_debt_) changes.debt = state_.debt;
  initial_debt_ = state_.debt;
  touched_lots_.clear();
  created_lots_.clear();  // written now: later changes to them are updates
  touched_holds_.clear();
  touched_redemptions_.clear();
  return changes;
}

namespace {
class NoIds final : public IdSource {
 public:
  int64_t next_lot_id() override { return -1; }
  int64_t next_hold_id() override { return -1; }
  int64_t next_redemption_id() override { return -1; }
  int64_t next_journal_id() override { return -1; }
  int64_t next_transfer_id() override { return -1; }
};
}  // namespace

bool may_leave_out(const Lot& lot, const std::string& order_id, Instant through) {
  if (lot.state != LotState::kAvailable) return false;
  if (lot.expires_at && *lot.expires_at <= through) return false;
  return lot.order_id.empty() || lot.order_id != order_id;
}

WalletState leave_out(WalletState full, const std::string& order_id, Instant through) {
  PATRON_ASSERT(!full.left_out);
  if (full.debt != 0) return full;
  std::set<int64_t> allocated;
  for (const Hold& h : full.holds) {
    for (const Allocation& a : h.allocations) allocated.insert(a.lot_id);
  }
  for (const Redemption& r : full.redemptions) {
    for (const Allocation& a : r.allocations) allocated.insert(a.lot_id);
  }
  LeftOut out{order_id, through, 0, 0};
  std::erase_if(full.lots, [&](const Lot& lot) {
    if (!may_leave_out(lot, order_id, through) || allocated.count(lot.id)) return false;
    out.lots += 1;
    out.available += lot.remaining;
    return true;
  });
  if (out.lots > 0) full.left_out = std::move(out);
  return full;
}

Balances balances_at(const WalletState& state, const WalletPolicy& policy, Instant now) {
  NoIds ids;  // settling creates no lots, holds or redemptions; transfer ids are discarded
  WalletLedger view(state, policy, ids, now);
  return view.balances();
}

std::string_view to_string(LotState s) {
  switch (s) {
    case LotState::kPending:
      return "pending";
    case LotState::kAvailable:
      return "available";
    case LotState::kExpired:
      return "expired";
  }
  return "unknown";
}

std::optional<LotState> lot_state_from(std::string_view s) {
  if (s == "pending") return LotState::kPending;
  if (s == "available") return LotState::kAvailable;
  if (s == "expired") return LotState::kExpired;
  return std::nullopt;
}

std::string_view to_string(HoldState s) {
  switch (s) {
    case HoldState::kOpen:
      return "open";
    case HoldState::kCaptured:
      return "captured";
    case HoldState::kReleased:
      return "released";
    case HoldState::kExpired:
      return "expired";
  }
  return "unknown";
}

std::optional<HoldState> hold_state_from(std::string_view s) {
  if (s == "open") return HoldState::kOpen;
  if (s == "captured") return HoldState::kCaptured;
  if (s == "released") return HoldState::kReleased;
  if (s == "expired") return HoldState::kExpired;
  return std::nullopt;
}

}  // namespace patron::ledger
