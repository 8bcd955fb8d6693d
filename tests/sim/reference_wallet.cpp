#include "reference_wallet.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <tuple>

#include "core/limits.h"

namespace patron::sim {

namespace {

using ledger::PayLine;

std::unexpected<ModelError> error(ErrorCode code, std::string field) {
  return std::unexpected(ModelError{code, std::move(field)});
}

std::optional<ModelError> bad_id(const std::string& id, const std::string& field, bool required) {
  if (id.empty() && required) return ModelError{ErrorCode::kInvalidArgument, field};
  if (id.size() > limits::kIdBytesMax) return ModelError{ErrorCode::kInvalidArgument, field};
  return std::nullopt;
}

bool bad_amount(int64_t amount) {
  return amount <= 0 || amount > limits::kAmountMax;
}

std::optional<ModelError> bad_lines(const std::vector<PayLine>& lines) {
  if (lines.size() > limits::kLinesMax) return ModelError{ErrorCode::kInvalidArgument, "lines"};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string field = "lines[" + std::to_string(i) + "]";
    if (lines[i].amount < 0 || lines[i].amount > limits::kAmountMax) {
      return ModelError{ErrorCode::kInvalidArgument, field + ".amount"};
    }
    if (auto e = bad_id(lines[i].line_id, field + ".line_id", true)) return e;
  }
  return std::nullopt;
}

bool good_source(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Part of a line share due back for a refund of numerator/denominator of the
// line: the whole open rest for a full refund, else floor(share * n / d),
// never more than is still open (so repeated refunds cannot exceed the share).
int64_t refund_part(int64_t amount, int64_t& clawed, int64_t n, int64_t d) {
  int64_t open = amount - clawed;
  int64_t part = open;
  if (n != d) {
    __extension__ using Wide = __int128;
    part = std::min(open, static_cast<int64_t>(static_cast<Wide>(amount) * n / d));
  }
  clawed += part;
  return part;
}

}  // namespace

Instant ReferenceWallet::end_of_local_day_plus(Instant t, int64_t days) const {
  int64_t local = to_unix_seconds(t) + config_.zone_offset_s;
  int64_t day = local >= 0 ? local / kSecondsPerDay : (local - kSecondsPerDay + 1) / kSecondsPerDay;
  return from_unix_seconds((day + days + 1) * kSecondsPerDay - config_.zone_offset_s);
}

Instant ReferenceWallet::end_of_local_month(Instant t) const {
  using namespace std::chrono;
  auto local_day = floor<days>(sys_seconds{seconds{to_unix_seconds(t) + config_.zone_offset_s}});
  year_month_day ymd{local_day};
  year_month next = year_month{ymd.year(), ymd.month()} + months{1};
  sys_days first{next / day{1}};
  return from_unix_seconds(duration_cast<seconds>(first.time_since_epoch()).count() -
                           config_.zone_offset_s);
}

std::optional<Instant> ReferenceWallet::default_expiry(const std::string& source,
                                                       Instant now) const {
  if (auto it = config_.expiry_days.find(source); it != config_.expiry_days.end()) {
    return end_of_local_day_plus(now, it->second);
  }
  for (const std::string& s : config_.end_of_month_sources) {
    if (s == source) return end_of_local_month(now);
  }
  return std::nullopt;
}

ModelLot* ReferenceWallet::lot(int64_t id) {
  for (ModelLot& l : lots_) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

ModelHold* ReferenceWallet::hold(int64_t id) {
  for (ModelHold& h : holds_) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

void ReferenceWallet::return_piece(const ModelPiece& piece) {
  give_back(*lot(piece.lot_id), piece.amount);
}

int64_t ReferenceWallet::give_back(ModelLot& l, int64_t amount) {
  int64_t repaid = std::min(amount, l.written_off);
  l.written_off -= repaid;
  totals_.written_off -= repaid;
  amount -= repaid;
  int64_t pay = std::min(amount, debt_);  // value becoming available pays debt first
  debt_ -= pay;
  amount -= pay;
  if (l.state != ModelLotState::kExpired) {
    l.remaining += amount;
    return 0;
  }
  l.breakage += amount;
  totals_.expired += amount;
  return amount;
}

int64_t ReferenceWallet::take_in_rank_order(int64_t amount) {
  int64_t left = amount;
  for (std::size_t i : ranked_spendable(false)) {
    int64_t take = std::min(left, lots_[i].remaining);
    lots_[i].remaining -= take;
    left -= take;
  }
  return amount - left;
}

void ReferenceWallet::settle_debt() {
  if (debt_ > 0) debt_ -= take_in_rank_order(debt_);
}

void ReferenceWallet::settle(Instant now) {
  now_ = now;
  for (ModelHold& h : holds_) {
    if (h.state != ModelHoldState::kOpen || h.expires_at > now) continue;
    for (const ModelPiece& p : h.pieces) return_piece(p);
    h.state = ModelHoldState::kExpired;
  }
  std::vector<ModelLot*> maturing;  // earliest first: each may pay debt in turn
  for (ModelLot& l : lots_) {
    if (l.state == ModelLotState::kPending && l.available_at && *l.available_at <= now) {
      maturing.push_back(&l);
    }
  }
  std::stable_sort(maturing.begin(), maturing.end(), [](const ModelLot* a, const ModelLot* b) {
    return *a->available_at < *b->available_at;
  });
  for (ModelLot* lp : maturing) {
    ModelLot& l = *lp;
    {
      l.state = ModelLotState::kAvailable;
      // Debt is paid at the moment the value became available.
      int64_t pay = std::min(l.remaining, debt_);
      l.remaining -= pay;
      debt_ -= pay;
    }
  }
  for (ModelLot& l : lots_) {
    if (l.state == ModelLotState::kExpired || !l.expires_at || *l.expires_at > now) continue;
    l.breakage += l.remaining;
    totals_.expired += l.remaining;
    l.remaining = 0;
    l.state = ModelLotState::kExpired;
  }
  settle_debt();
}

ModelResult<ledger::GrantResult> ReferenceWallet::grant(Instant now, const ledger::Grant& g) {
  settle(now);
  if (bad_amount(g.amount)) return error(ErrorCode::kInvalidArgument, "amount");
  if (!good_source(g.source)) return error(ErrorCode::kInvalidArgument, "source");
  if (g.reason.size() > limits::kReasonBytesMax) {
    return error(ErrorCode::kInvalidArgument, "reason");
  }
  if (auto e = bad_id(g.order_id, "order_id", false)) return std::unexpected(*e);
  if (g.expires_at && *g.expires_at <= now) return error(ErrorCode::kInvalidArgument, "expires_at");
  std::optional<Instant> expires = g.expires_at ? g.expires_at : default_expiry(g.source, now);
  Instant available = g.available_at.value_or(now);
  if (expires && available >= *expires) return error(ErrorCode::kInvalidArgument, "available_at");
  if (!g.line_shares.empty()) {
    if (g.line_shares.size() > limits::kLinesMax) {
      return error(ErrorCode::kInvalidArgument, "line_shares");
    }
    int64_t sum = 0;
    for (const ledger::LineShare& s : g.line_shares) {
      if (s.amount < 0 || s.amount > g.amount || s.clawed != 0) {
        return error(ErrorCode::kInvalidArgument, "line_shares");
      }
      if (auto e = bad_id(s.line_id, "line_shares.line_id", true)) return std::unexpected(*e);
      sum += s.amount;
    }
    if (sum != g.amount) return error(ErrorCode::kInvalidArgument, "line_shares");
  }
  ModelLot l;
  l.id = next_lot_id_++;
  l.source = g.source;
  l.amount = g.amount;
  l.remaining = g.amount;
  l.granted_at = now;
  bool pending = g.pending_until_release || available > now;
  l.state = pending ? ModelLotState::kPending : ModelLotState::kAvailable;
  if (!g.pending_until_release) l.available_at = available;
  l.expires_at = expires;
  l.scope = g.scope;
  l.order_id = g.order_id;
  for (const ledger::LineShare& s : g.line_shares) l.shares.push_back({s.line_id, s.amount, 0});
  lots_.push_back(l);
  totals_.issued += g.amount;
  int64_t debt_before = debt_;
  settle(now);
  return ledger::GrantResult{l.id, pending, expires, debt_before - debt_};
}

ModelResult<ledger::SpendResult> ReferenceWallet::spend(
    Instant now, const ledger::Spend& s, const std::vector<ledger::Allocation>* observed) {
  settle(now);
  if (bad_amount(s.amount)) return error(ErrorCode::kInvalidArgument, "amount");
  if (auto e = bad_id(s.order_id, "order_id", false)) return std::unexpected(*e);
  if (auto e = bad_lines(s.lines)) return std::unexpected(*e);
  auto pieces = pick(s.amount, s.lines, observed);
  if (!pieces) return std::unexpected(pieces.error());
  for (const ModelPiece& p : *pieces) lot(p.lot_id)->remaining -= p.amount;
  totals_.redeemed += s.amount;
  ModelRedemption r{next_redemption_id_++, s.order_id, *pieces};
  redemptions_.push_back(r);
  settle(now);
  ledger::SpendResult result;
  result.redemption_id = r.id;
  for (const ModelPiece& p : r.pieces)
    result.allocations.push_back({p.lot_id, p.line_id, p.amount, 0});
  return result;
}

ModelResult<ledger::HoldResult> ReferenceWallet::reserve(
    Instant now, const ledger::Reserve& r, const std::vector<ledger::Allocation>* observed) {
  settle(now);
  if (bad_amount(r.amount)) return error(ErrorCode::kInvalidArgument, "amount");
  if (auto e = bad_id(r.order_id, "order_id", true)) return std::unexpected(*e);
  if (auto e = bad_lines(r.lines)) return std::unexpected(*e);
  int64_t ttl = r.ttl_s.value_or(config_.hold_ttl_s);
  if (ttl <= 0 || ttl > limits::kHoldTtlSecondsMax) {
    return error(ErrorCode::kInvalidArgument, "ttl_s");
  }
  auto pieces = pick(r.amount, r.lines, observed);
  if (!pieces) return std::unexpected(pieces.error());
  for (const ModelPiece& p : *pieces) lot(p.lot_id)->remaining -= p.amount;
  ModelHold h{
      next_hold_id_++, r.order_id, r.amount, ModelHoldState::kOpen, now + std::chrono::seconds{ttl},
      *pieces};
  holds_.push_back(h);
  settle(now);
  return ledger::HoldResult{h.id, h.amount, 0, 0, ledger::HoldState::kOpen, h.expires_at};
}

ModelResult<ledger::HoldResult> ReferenceWallet::capture(Instant now, int64_t hold_id,
                                                         std::optional<int64_t> amount) {
  settle(now);
  ModelHold* h = hold(hold_id);
  if (h == nullptr) return error(ErrorCode::kNotFound, "hold_id");
  if (h->state != ModelHoldState::kOpen) return error(ErrorCode::kConflict, "hold_id");
  int64_t want = amount.value_or(h->amount);
  if (bad_amount(want)) return error(ErrorCode::kInvalidArgument, "amount");
  if (want > h->amount) return error(ErrorCode::kFailedPrecondition, "amount");
  // Soonest-expiring pieces are captured; the rest goes back to its lots.
  std::vector<ModelPiece> captured;
  int64_t left = want;
  for (const ModelPiece& p : h->pieces) {
    int64_t take = std::min(left, p.amount);
    left -= take;
    if (take > 0) captured.push_back({p.lot_id, p.line_id, take, 0});
    if (p.amount > take) return_piece({p.lot_id, p.line_id, p.amount - take, 0});
  }
  h->state = ModelHoldState::kCaptured;
  totals_.redeemed += want;
  redemptions_.push_back({next_redemption_id_++, h->order_id, captured});
  ledger::HoldResult result{
      h->id, h->amount, want, h->amount - want, ledger::HoldState::kCaptured, h->expires_at};
  settle(now);
  return result;
}

ModelResult<ledger::HoldResult> ReferenceWallet::release(Instant now, int64_t hold_id) {
  settle(now);
  ModelHold* h = hold(hold_id);
  if (h == nullptr) return error(ErrorCode::kNotFound, "hold_id");
  if (h->state != ModelHoldState::kOpen) return error(ErrorCode::kConflict, "hold_id");
  for (const ModelPiece& p : h->pieces) return_piece(p);
  h->state = ModelHoldState::kReleased;
  ledger::HoldResult result{h->id,        h->amount, 0, h->amount, ledger::HoldState::kReleased,
                            h->expires_at};
  settle(now);
  return result;
}

ModelResult<ledger::ClawbackResult> ReferenceWallet::clawback(Instant now,
                                                              const ledger::Clawback& c) {
  settle(now);
  last_expired_shortfall_ = 0;
  if (auto e = bad_id(c.order_id, "order_id", true)) return std::unexpected(*e);
  auto bad_fraction = [](int64_t n, int64_t d) {
    return d <= 0 || n <= 0 || n > d || d > limits::kAmountMax;
  };
  if (c.lines.empty() && bad_fraction(c.numerator, c.denominator)) {
    return error(ErrorCode::kInvalidArgument, "fraction");
  }
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    std::string field = "lines[" + std::to_string(i) + "]";
    if (bad_fraction(c.lines[i].numerator, c.lines[i].denominator)) {
      return error(ErrorCode::kInvalidArgument, field);
    }
    if (auto e = bad_id(c.lines[i].line_id, field + ".line_id", true)) return std::unexpected(*e);
  }
  if (!c.lines.empty()) {
    for (const ModelLot& l : lots_) {
      if (l.order_id == c.order_id && l.shares.empty()) {
        return error(ErrorCode::kFailedPrecondition, "lines");
      }
    }
  }
  ledger::ClawbackResult result;
  int64_t shortfall = 0;
  std::vector<std::pair<ModelLot*, int64_t>> owed;
  for (ModelLot& l : lots_) {
    if (l.order_id != c.order_id) continue;
    int64_t due = 0;
    if (l.shares.empty()) {
      // Without attribution the lot is one anonymous line: only an
      // order-level (fraction) refund can reach it.
      if (c.lines.empty())
        due += refund_part(l.amount, l.unattributed_clawed, c.numerator, c.denominator);
    }
    for (ModelShare& s : l.shares) {
      if (c.lines.empty()) due += refund_part(s.amount, s.clawed, c.numerator, c.denominator);
      for (const ledger::RefundLine& r : c.lines) {
        if (r.line_id == s.line_id)
          due += refund_part(s.amount, s.clawed, r.numerator, r.denominator);
      }
    }
    if (due == 0) continue;
    result.due += due;
    if (l.state == ModelLotState::kExpired) {
      // Only what expired unspent is breakage; value spent before the lot
      // expired was still received by the member and follows the debt policy.
      // Breakage the refund claims is reclassified as clawed back.
      int64_t broken = std::min(due, l.breakage - l.breakage_claimed);
      l.breakage_claimed += broken;
      result.expired += broken;
      totals_.expired -= broken;
      totals_.clawed_back += broken;
      last_expired_shortfall_ += due - broken;
      shortfall += due - broken;
      if (due > broken) owed.push_back({&l, due - broken});
      continue;
    }
    int64_t take = std::min(due, l.remaining);
    l.remaining -= take;
    (l.state == ModelLotState::kPending ? result.from_pending : result.from_available) += take;
    totals_.clawed_back += take;
    shortfall += due - take;
    if (due > take) owed.push_back({&l, due - take});
  }
  int64_t taken = take_in_rank_order(shortfall);
  result.from_available += taken;
  totals_.clawed_back += taken;
  shortfall -= taken;
  if (shortfall > 0) {
    totals_.clawed_back += shortfall;
    if (config_.debt == ledger::DebtPolicy::kNegativeBalance) {
      debt_ += shortfall;
      result.debt_added = shortfall;
    } else {
      totals_.written_off += shortfall;
      result.written_off = shortfall;
      int64_t left = shortfall;
      for (auto& [l, x] : owed) {
        int64_t part = std::min(left, x);
        l->written_off += part;
        left -= part;
      }
    }
  }
  settle(now);
  return result;
}

ModelResult<ledger::RestoreResult> ReferenceWallet::restore(Instant now, const ledger::Restore& r) {
  settle(now);
  if (auto e = bad_id(r.order_id, "order_id", true)) return std::unexpected(*e);
  if (r.amount && bad_amount(*r.amount)) return error(ErrorCode::kInvalidArgument, "amount");
  if (r.line_ids.size() > limits::kLinesMax) return error(ErrorCode::kInvalidArgument, "line_ids");
  for (std::size_t i = 0; i < r.line_ids.size(); ++i) {
    if (auto e = bad_id(r.line_ids[i], "line_ids[" + std::to_string(i) + "]", true)) {
      return std::unexpected(*e);
    }
  }
  int64_t can = restorable(r.order_id, r.line_ids);
  int64_t want = r.amount.value_or(can);
  if (want > can) return error(ErrorCode::kFailedPrecondition, "amount");
  auto selected = [&](const ModelPiece& p) {
    return r.line_ids.empty() ||
           std::find(r.line_ids.begin(), r.line_ids.end(), p.line_id) != r.line_ids.end();
  };
  ledger::RestoreResult result;
  int64_t left = want;
  // The value spent last goes back first.
  for (auto red = redemptions_.rbegin(); red != redemptions_.rend(); ++red) {
    if (red->order_id != r.order_id) continue;
    for (auto p = red->pieces.rbegin(); p != red->pieces.rend(); ++p) {
      if (!selected(*p)) continue;
      int64_t give = std::min(left, p->amount - p->restored);
      if (give <= 0) continue;
      p->restored += give;
      left -= give;
      totals_.redeemed -= give;
      result.restored += give;
      ModelLot* original = lot(p->lot_id);
      if (original->state != ModelLotState::kExpired ||
          config_.restore == ledger::RestorePolicy::kOriginalLot) {
        result.expired_now += give_back(*original, give);
      } else {
        // Expired: what the lot owes is repaid first, the rest is a new lot.
        int64_t repaid = std::min(give, original->written_off);
        give_back(*original, repaid);
        give -= repaid;
        if (give == 0) continue;
        ModelLot fresh;
        fresh.id = next_lot_id_++;
        fresh.source = "restore";
        fresh.amount = give;
        fresh.remaining = give;
        fresh.granted_at = now;
        fresh.available_at = now;
        fresh.expires_at = end_of_local_day_plus(now, config_.restored_lot_days);
        fresh.scope = original->scope;
        lots_.push_back(fresh);
        result.to_new_lots += give;
      }
    }
  }
  settle(now);
  return result;
}

ModelResult<ledger::GrantResult> ReferenceWallet::adjust(Instant now, const ledger::Adjust& a) {
  settle(now);
  if (a.reason.empty()) return error(ErrorCode::kInvalidArgument, "reason");
  if (a.amount == 0) return error(ErrorCode::kInvalidArgument, "amount");
  if (a.amount > 0) {
    ledger::Grant g;
    g.amount = a.amount;
    g.source = "adjustment";
    g.reason = a.reason;
    g.expires_at = a.expires_at;
    return grant(now, g);
  }
  if (a.reason.size() > limits::kReasonBytesMax) {
    return error(ErrorCode::kInvalidArgument, "reason");
  }
  if (a.amount < -limits::kAmountMax) return error(ErrorCode::kInvalidArgument, "amount");
  int64_t want = -a.amount;
  if (spendable(false) < want) return error(ErrorCode::kInsufficientFunds, "amount");
  take_in_rank_order(want);
  totals_.adjusted += want;
  settle(now);
  return ledger::GrantResult{};
}

ModelResult<ledger::JobResult> ReferenceWallet::release_order(Instant now,
                                                              const std::string& order_id) {
  settle(now);
  if (auto e = bad_id(order_id, "order_id", true)) return std::unexpected(*e);
  ledger::JobResult result;
  for (ModelLot& l : lots_) {
    if (l.order_id != order_id || l.state != ModelLotState::kPending) continue;
    l.state = ModelLotState::kAvailable;
    l.available_at = now;
    result.lots += 1;
    result.amount += l.remaining;
  }
  settle(now);
  return result;
}

ledger::Balances ReferenceWallet::balances() const {
  ledger::Balances b;
  for (const ModelLot& l : lots_) {
    if (l.state == ModelLotState::kAvailable) b.available += l.remaining;
    if (l.state == ModelLotState::kPending) b.pending += l.remaining;
  }
  for (const ModelHold& h : holds_) {
    if (h.state != ModelHoldState::kOpen) continue;
    for (const ModelPiece& p : h.pieces) b.held += p.amount;
  }
  b.debt = debt_;
  b.available -= debt_;
  return b;
}

int64_t ReferenceWallet::spendable(bool unrestricted_only) const {
  int64_t sum = 0;
  for (std::size_t i : ranked_spendable(unrestricted_only)) sum += lots_[i].remaining;
  return sum;
}

int64_t ReferenceWallet::restorable(const std::string& order_id,
                                    const std::vector<std::string>& line_ids) const {
  int64_t sum = 0;
  for (const ModelRedemption& r : redemptions_) {
    if (r.order_id != order_id) continue;
    for (const ModelPiece& p : r.pieces) {
      bool selected = line_ids.empty() ||
                      std::find(line_ids.begin(), line_ids.end(), p.line_id) != line_ids.end();
      if (selected) sum += p.amount - p.restored;
    }
  }
  return sum;
}

}  // namespace patron::sim
