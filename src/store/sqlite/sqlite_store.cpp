#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/carts.h"
#include "core/assert.h"
#include "core/limits.h"
#include "ledger/wallet_ledger.h"
#include "rules/tiers.h"
#include "store/codec.h"
#include "store/sqlite/wal_buffer_vfs.h"

namespace patron::store {

const std::vector<std::pair<int, std::string_view>>& migrations();  // generated

namespace {

using app::CommandWrite;
using app::IdempotencyRecord;
using app::Member;
using app::Program;

std::unexpected<Error> sql_error(sqlite3* db, std::string_view what) {
  return fail(ErrorCode::kStorage, "",
              std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "cannot open database"));
}

// A referral's reasons column: a JSON array of strings ('[]' when none).
std::string encode_reasons(const std::vector<std::string>& reasons) {
  boost::json::array a;
  for (const auto& r : reasons) a.emplace_back(r);
  return boost::json::serialize(a);
}

Result<std::vector<std::string>> decode_reasons(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return fail(ErrorCode::kCorruption, "", "not a JSON array");
  std::vector<std::string> out;
  for (const auto& item : v.as_array()) {
    if (!item.is_string()) return fail(ErrorCode::kCorruption, "", "a reason is not a string");
    out.emplace_back(std::string_view(item.as_string()));
  }
  return out;
}

// A member's consent and tags columns: joined by commas ("email,line").
std::string join_channels(const std::vector<std::string>& channels) {
  std::string out;
  for (const auto& c : channels) out += (out.empty() ? "" : ",") + c;
  return out;
}

std::vector<std::string> split_channels(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// A prepared statement with positional binding; reset on every use.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  ~Stmt() { sqlite3_reset(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int64_t v) {
    sqlite3_bind_int64(s_, ++n_, v);
    return *this;
  }
  // An lvalue string outlives the statement's use (every call site binds and
  // steps within one scope), so SQLite may read it in place; a temporary is copied.
  Stmt& bind(const std::string& v) {
    sqlite3_bind_text(s_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& bind(std::string&& v) {
    sqlite3_bind_text(s_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(std::optional<Instant> v) {
    if (v) {
      sqlite3_bind_int64(s_, ++n_, to_unix_seconds(*v));
    } else {
      sqlite3_bind_null(s_, ++n_);
    }
    return *this;
  }
  Stmt& bind(Instant v) { return bind(to_unix_seconds(v)); }

  // true: a row is ready; false: done. Errors go to `error`.
  Result<bool> step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sql_error(db_, "sqlite step");
  }
  Result<void> run() {
    auto r = step();
    if (!r) return std::unexpected(r.error());
    return {};
  }
  int64_t i(int col) const { return sqlite3_column_int64(s_, col); }
  std::string s(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : "";
  }
  bool null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::optional<Instant> opt_t(int col) const {
    if (null(col)) return std::nullopt;
    return from_unix_seconds(i(col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
  int n_ = 0;
};

// Column lists as macros so the statements below are single literals.
#define PATRON_LOT_COLUMNS                                                              \
  "id, source, amount, remaining, state, granted_at, available_at, expires_at, scope, " \
  "order_id, line_shares, reason, expired, written_off"
#define PATRON_HOLD_COLUMNS \
  "id, order_id, amount, captured, state, created_at, expires_at, allocations"
#define PATRON_REDEMPTION_COLUMNS "id, order_id, hold_id, at, allocations"
#define PATRON_MEMBER_WALLET " WHERE program_id = ? AND member_id = ? AND wallet = ?"
#define PATRON_MEMBER_COLUMNS                                                          \
  "id, birthday, email, phone, created_at, updated_at, tier, tier_since, tier_until, " \
  "tier_previous, tier_upgraded_by, referral_code, referred_by, name, locale, consent, tags"
#define PATRON_REFERRAL_COLUMNS                                                         \
  "referee_id, referrer_id, code, state, order_id, reasons, created_at, qualified_at, " \
  "decided_at, decided_by, note"
#define PATRON_COUPON_BATCH_COLUMNS \
  "id, name, terms, shared_code, count, member_id, created_at, created_by"
#define PATRON_COUPON_COLUMNS "code, batch_id, member_id, single_use, created_at"
#define PATRON_API_KEY_COLUMNS "id, program_id, role, secret_hash, label, created_at, revoked_at"
#define PATRON_AUDIT_COLUMNS "id, program_id, actor, action, target, detail, at"
#define PATRON_JOB_RUN_COLUMNS \
  "id, program_id, job, trigger, as_of, started_at, finished_at, ok, report"
#define PATRON_ORDER_COLUMNS                                                                 \
  "id, member_id, placed_at, paid_at, fulfilled_at, completed_at, cancelled_at, earned_at, " \
  "program_version, subtotal, body, created_at, updated_at"
// What member_order_summaries reads: columns only, never the body.
#define PATRON_ORDER_SUMMARY_COLUMNS \
  "id, placed_at, paid_at, fulfilled_at, completed_at, cancelled_at, subtotal, paid_value"

class SqliteStore final : public app::Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }

  // Statements are cached by the address of their text, so every SQL string
  // passed here must live as long as the connection (literals, static strings).
  Result<Stmt> prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
        return sql_error(db_, "sqlite prepare");
      }
      it = cache_.emplace(sql, s).first;
    }
    return Result<Stmt>(std::in_place, db_, it->second);
  }

  // BEGIN, COMMIT and ROLLBACK: prepared once per connection (sqlite3_exec
  // prepared them on every call: 5% of the reader threads' samples under
  // quotes; quotes/s did not move measurably).
  Result<void> control(const char* sql) {
    auto q = prepare(sql);
    if (!q) return std::unexpected(q.error());
    return q->run();
  }

  Result<void> exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      return fail(ErrorCode::kStorage, "", std::string("sqlite: ") + text);
    }
    return {};
  }

  Result<std::vector<Program>> programs() override {
    std::vector<Program> out;
    auto q = prepare(
        "SELECT id, currency, minor_digits, time_zone, version, rules FROM programs ORDER BY id");
    if (!q) return std::unexpected(q.error());
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      Program p;
      p.id = q->s(0);
      p.currency = q->s(1);
      p.minor_digits = static_cast<int>(q->i(2));
      p.time_zone = q->s(3);
      p.version = q->i(4);
      auto rules = decode_rules(q->s(5));
      if (!rules) return std::unexpected(rules.error());
      p.rules = std::move(*rules);
      out.push_back(std::move(p));
    }
    for (Program& p : out) {
      auto w = prepare(
          "SELECT name, unit, minor_digits, default_expiry, expiry_by_source, hold_ttl_s, "
          "debt_policy, restore_policy, restored_lot_expiry FROM wallets WHERE program_id = ? "
          "ORDER BY position");
      if (!w) return std::unexpected(w.error());
      w->bind(p.id);
      for (;;) {
        auto row = w->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        app::WalletConfig c;  // zone stays null: resolved by the app
        c.name = w->s(0);
        c.unit = w->s(1);
        c.minor_digits = static_cast<int>(w->i(2));
        auto def = ledger::parse_expiry_rule(w->s(3), "default_expiry");
        auto by_source = decode_expiry_map(w->s(4));
        auto restored = ledger::parse_expiry_rule(w->s(8), "restored_lot_expiry");
        if (!def || !by_source || !restored) {
          return fail(ErrorCode::kCorruption, "", "wallet " + c.name + " has a bad expiry rule");
        }
        c.default_expiry = *def;
        c.expiry_by_source = *by_source;
        c.hold_ttl_s = w->i(5);
        c.debt = w->s(6) == "write_off" ? ledger::DebtPolicy::kWriteOff
                                        : ledger::DebtPolicy::kNegativeBalance;
        c.restore = w->s(7) == "original_lot" ? ledger::RestorePolicy::kOriginalLot
                                              : ledger::RestorePolicy::kNewLotIfExpired;
        c.restored_lot_expiry = *restored;
        p.wallets.push_back(std::move(c));
      }
    }
    return out;
  }

  Result<void> put_program(const Program& p) override {
    auto q = prepare(
        "INSERT INTO programs (id, currency, minor_digits, time_zone, version, rules) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET currency = excluded.currency, "
        "minor_digits = excluded.minor_digits, time_zone = excluded.time_zone, "
        "version = excluded.version, rules = excluded.rules");
    if (!q) return std::unexpected(q.error());
    q->bind(p.id)
        .bind(p.currency)
        .bind(int64_t{p.minor_digits})
        .bind(p.time_zone)
        .bind(p.version)
        .bind(encode_rules(p.rules));
    if (auto r = q->run(); !r) return r;
    auto del = prepare("DELETE FROM wallets WHERE program_id = ?");
    if (!del) return std::unexpected(del.error());
    del->bind(p.id);
    if (auto r = del->run(); !r) return r;
    int64_t position = 0;
    for (const auto& w : p.wallets) {
      auto ins = prepare(
          "INSERT INTO wallets (program_id, name, unit, minor_digits, default_expiry, "
          "expiry_by_source, hold_ttl_s, debt_policy, restore_policy, restored_lot_expiry, "
          "position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!ins) return std::unexpected(ins.error());
      ins->bind(p.id)
          .bind(w.name)
          .bind(w.unit)
          .bind(int64_t{w.minor_digits})
          .bind(ledger::to_string(w.default_expiry))
          .bind(encode_expiry_map(w.expiry_by_source))
          .bind(w.hold_ttl_s)
          .bind(std::string(ledger::to_string(w.debt)))
          .bind(std::string(ledger::to_string(w.restore)))
          .bind(ledger::to_string(w.restored_lot_expiry))
          .bind(position++);
      if (auto r = ins->run(); !r) return r;
    }
    return {};
  }

  Result<std::vector<app::ProgramVersion>> program_versions(
      const std::string& program_id) override {
    auto q = prepare(
        "SELECT version, config, applied_at, actor FROM program_versions WHERE program_id = ? "
        "ORDER BY version");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id);
    std::vector<app::ProgramVersion> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      out.push_back(
          app::ProgramVersion{program_id, q->i(0), q->s(1), from_unix_seconds(q->i(2)), q->s(3)});
    }
    return out;
  }

  Result<std::string> programs_fingerprint() override {
    auto q = prepare("SELECT id, version FROM programs ORDER BY id");
    if (!q) return std::unexpected(q.error());
    std::string out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      out += q->s(0) + ":" + std::to_string(q->i(1)) + ",";
    }
    return out;
  }

  Result<Member> read_member(Stmt& q, const std::string& program_id) {
    Member m;
    m.program_id = program_id;
    m.id = q.s(0);
    if (!q.null(1)) {
      auto d = parse_date(q.s(1), "birthday");
      if (!d) return fail(ErrorCode::kCorruption, "", "member " + m.id + " has a bad birthday");
      m.birthday = *d;
    }
    m.email = q.s(2);
    m.phone = q.s(3);
    m.created_at = from_unix_seconds(q.i(4));
    m.updated_at = from_unix_seconds(q.i(5));
    m.tier.tier = q.s(6);
    m.tier.since = q.opt_t(7);
    m.tier.until = q.opt_t(8);
    m.tier.previous = q.s(9);
    m.tier.upgraded_by = q.s(10);
    m.referral_code = q.s(11);
    m.referred_by = q.s(12);
    m.name = q.s(13);
    m.locale = q.s(14);
    m.consent = split_channels(q.s(15));
    m.tags = split_channels(q.s(16));
    return m;
  }

  Result<std::optional<Member>> find_member(const std::string& program_id,
                                            const std::string& member_id) override {
    auto q = prepare("SELECT " PATRON_MEMBER_COLUMNS
                     " FROM members "
                     "WHERE program_id = ? AND id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<Member>{};
    auto m = read_member(*q, program_id);
    if (!m) return std::unexpected(m.error());
    return std::optional<Member>{std::move(*m)};
  }

  // While set, read_lot decodes line shares only for lots of this order.
  const std::string* shares_only_for_ = nullptr;

  Result<ledger::Lot> read_lot(Stmt& q, const std::string& wallet) {
    ledger::Lot lot;
    lot.id = q.i(0);
    lot.wallet = wallet;
    lot.source = q.s(1);
    lot.amount = q.i(2);
    lot.remaining = q.i(3);
    auto state = ledger::lot_state_from(q.s(4));
    if (!state) return fail(ErrorCode::kCorruption, "", "lot has unknown state " + q.s(4));
    lot.state = *state;
    lot.granted_at = from_unix_seconds(q.i(5));
    lot.available_at = q.opt_t(6);
    lot.expires_at = q.opt_t(7);
    auto scope = decode_scope(q.s(8));
    if (!scope) return std::unexpected(scope.error());
    lot.scope = std::move(*scope);
    lot.order_id = q.s(9);
    if (shares_only_for_ == nullptr || lot.order_id == *shares_only_for_) {
      auto shares = decode_line_shares(q.s(10));
      if (!shares) return std::unexpected(shares.error());
      lot.line_shares = std::move(*shares);
    }
    lot.reason = q.s(11);
    lot.expired = q.i(12);
    lot.written_off = q.i(13);
    return lot;
  }

  Result<ledger::Hold> read_hold(Stmt& q, const std::string& wallet) {
    ledger::Hold h;
    h.id = q.i(0);
    h.wallet = wallet;
    h.order_id = q.s(1);
    h.amount = q.i(2);
    h.captured = q.i(3);
    auto state = ledger::hold_state_from(q.s(4));
    if (!state) return fail(ErrorCode::kCorruption, "", "hold has unknown state " + q.s(4));
    h.state = *state;
    h.created_at = from_unix_seconds(q.i(5));
    h.expires_at = from_unix_seconds(q.i(6));
    auto allocations = decode_allocations(q.s(7));
    if (!allocations) return std::unexpected(allocations.error());
    h.allocations = std::move(*allocations);
    return h;
  }

  Result<ledger::Redemption> read_redemption(Stmt& q, const std::string& wallet) {
    ledger::Redemption r;
    r.id = q.i(0);
    r.wallet = wallet;
    r.order_id = q.s(1);
    r.hold_id = q.i(2);
    r.at = from_unix_seconds(q.i(3));
    auto allocations = decode_allocations(q.s(4));
    if (!allocations) return std::unexpected(allocations.error());
    r.allocations = std::move(*allocations);
    return r;
  }

  // Runs `sql` with the member-wallet key bound first, then `extra` binders,
  // and appends each decoded row.
  template <class T, class Read, class... Extra>
  Result<void> collect(const char* sql, const std::string& program_id, const std::string& member_id,
                       const std::string& wallet, std::vector<T>& out, Read read,
                       const Extra&... extra) {
    auto q = prepare(sql);
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id).bind(wallet);
    (q->bind(extra), ...);
    if (out.capacity() == 0)
      out.reserve(16);  // most wallets hold a few rows; skip the first regrowths
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return {};
      auto value = (this->*read)(*q, wallet);
      if (!value) return std::unexpected(value.error());
      out.push_back(std::move(*value));
    }
  }

  Result<int64_t> debt(const std::string& program_id, const std::string& member_id,
                       const std::string& wallet) {
    auto q = prepare(
        "SELECT debt FROM wallet_debts WHERE program_id = ? AND member_id = ? AND wallet = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id).bind(wallet);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    return *row ? q->i(0) : 0;
  }

  Result<ledger::WalletState> load_wallet(const std::string& program_id,
                                          const std::string& member_id, const std::string& wallet,
                                          const app::LoadHint& hint) override {
    ledger::WalletState state;
    state.wallet = wallet;
    auto d = debt(program_id, member_id, wallet);
    if (!d) return std::unexpected(d.error());
    state.debt = *d;
    if (auto r = collect("SELECT " PATRON_HOLD_COLUMNS " FROM holds" PATRON_MEMBER_WALLET
                         " AND (state = 'open' OR id = ? OR (order_id != '' AND order_id = ?))"
                         " ORDER BY id",
                         program_id, member_id, wallet, state.holds, &SqliteStore::read_hold,
                         hint.hold_id, hint.order_id);
        !r) {
      return std::unexpected(r.error());
    }
    if (!hint.order_id.empty()) {
      if (auto r = collect("SELECT " PATRON_REDEMPTION_COLUMNS
                           " FROM redemptions" PATRON_MEMBER_WALLET " AND order_id = ? ORDER BY id",
                           program_id, member_id, wallet, state.redemptions,
                           &SqliteStore::read_redemption, hint.order_id);
          !r) {
        return std::unexpected(r.error());
      }
    }
    // Partial (LoadHint::partial_at): what ledger::leave_out() keeps of the
    // full load, read through the indexes: pending lots, lots due to expire,
    // the order's lots, and (below) the lots loaded holds and redemptions
    // allocate. With debt every lot may pay it: whole.
    const bool partial = hint.partial_at && state.debt == 0;
    // Line shares only for the named order's lots (LoadHint::all_line_shares).
    if (!hint.all_line_shares) shares_only_for_ = &hint.order_id;
    auto lots =
        // Three index searches whose rows may overlap (an order's pending
        // lot): sorted and made unique below. Cheaper than `id IN (...)` or
        // ORDER BY, whose temporary b-tree or sorter cost more than the rest
        // of the query (49k instructions against 24k for an empty wallet).
        partial
            ? collect("SELECT " PATRON_LOT_COLUMNS
                      " FROM lots WHERE program_id = ?1 AND member_id = ?2"
                      " AND wallet = ?3 AND state = 'pending' UNION ALL SELECT " PATRON_LOT_COLUMNS
                      " FROM lots WHERE program_id = ?1 AND member_id = ?2"
                      " AND wallet = ?3 AND state = 'available' AND expires_at <= ?4 UNION ALL "
                      "SELECT " PATRON_LOT_COLUMNS
                      " FROM lots WHERE program_id = ?1 AND member_id = ?2"
                      " AND wallet = ?3 AND order_id != '' AND order_id = ?5",
                      program_id, member_id, wallet, state.lots, &SqliteStore::read_lot,
                      *hint.partial_at, hint.order_id)
            : collect("SELECT " PATRON_LOT_COLUMNS " FROM lots" PATRON_MEMBER_WALLET
                      " AND (state != 'expired' OR (order_id != '' AND order_id = ?))"
                      " ORDER BY id",
                      program_id, member_id, wallet, state.lots, &SqliteStore::read_lot,
                      hint.order_id);
    shares_only_for_ = nullptr;
    if (!lots) return std::unexpected(lots.error());
    // Expired lots that loaded holds or redemptions point at (restores need them).
    std::set<int64_t> have;
    for (const auto& lot : state.lots) have.insert(lot.id);
    std::set<int64_t> missing;
    for (const auto& h : state.holds) {
      for (const auto& a : h.allocations) {
        if (!have.count(a.lot_id)) missing.insert(a.lot_id);
      }
    }
    for (const auto& r : state.redemptions) {
      for (const auto& a : r.allocations) {
        if (!have.count(a.lot_id)) missing.insert(a.lot_id);
      }
    }
    for (int64_t id : missing) {
      if (auto r =
              collect("SELECT " PATRON_LOT_COLUMNS " FROM lots" PATRON_MEMBER_WALLET " AND id = ?",
                      program_id, member_id, wallet, state.lots, &SqliteStore::read_lot, id);
          !r) {
        return std::unexpected(r.error());
      }
    }
    if (partial && !hint.all_line_shares) {
      // Allocated lots a partial load fetched here that the full load reads
      // in its main query, shares left out as there (expired ones keep them).
      for (auto& lot : state.lots) {
        if (missing.count(lot.id) && lot.state != ledger::LotState::kExpired &&
            (lot.order_id.empty() || lot.order_id != hint.order_id)) {
          lot.line_shares.clear();
        }
      }
    }
    // In id order, as the memory store and ledger::leave_out() have them, and
    // once each (the partial load's three searches may return a lot twice).
    if (partial || !missing.empty()) sort_unique_by_id(state.lots);
    if (partial) {
      if (auto r = count_left_out(program_id, member_id, wallet, hint, state); !r) {
        return std::unexpected(r.error());
      }
    }
    return state;
  }

  // Sorts lots by id and drops repeats. Sorts positions, then moves each lot
  // once: a Lot is large, and std::sort's swaps of a few hundred of them were
  // 9% of an import whose members have hundreds of pending lots.
  static void sort_unique_by_id(std::vector<ledger::Lot>& lots) {
    if (std::adjacent_find(lots.begin(), lots.end(),
                           [](const ledger::Lot& a, const ledger::Lot& b) {
                             return a.id >= b.id;
                           }) == lots.end()) {
      return;  // already ascending, no repeats
    }
    std::vector<uint32_t> order(lots.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return lots[a].id < lots[b].id; });
    std::vector<ledger::Lot> sorted;
    sorted.reserve(lots.size());
    for (uint32_t i : order) {
      if (!sorted.empty() && sorted.back().id == lots[i].id) continue;
      sorted.push_back(std::move(lots[i]));
    }
    lots = std::move(sorted);
  }

  // The lots a partial load left out, in sum: every available lot not due by
  // `through` (a covering index scan) less those loaded anyway.
  Result<void> count_left_out(const std::string& program_id, const std::string& member_id,
                              const std::string& wallet, const app::LoadHint& hint,
                              ledger::WalletState& state) {
    auto q = prepare("SELECT count(*), coalesce(sum(remaining), 0) FROM lots" PATRON_MEMBER_WALLET
                     " AND state = 'available' AND (expires_at IS NULL OR expires_at > ?)");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id).bind(wallet).bind(*hint.partial_at);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    ledger::LeftOut out{hint.order_id, *hint.partial_at, q->i(0), q->i(1)};
    for (const ledger::Lot& lot : state.lots) {
      // What the query counted (available, not due), whatever the order.
      if (!ledger::may_leave_out(lot, "", *hint.partial_at)) continue;
      out.lots -= 1;
      out.available -= lot.remaining;
    }
    if (out.lots < 0 || out.available < 0) {
      return fail(ErrorCode::kCorruption, "", "the lots of wallet " + wallet + " do not add up");
    }
    if (out.lots > 0) state.left_out = std::move(out);
    return {};
  }

  Result<ledger::WalletState> load_wallet_history(const std::string& program_id,
                                                  const std::string& member_id,
                                                  const std::string& wallet) override {
    ledger::WalletState state;
    state.wallet = wallet;
    auto d = debt(program_id, member_id, wallet);
    if (!d) return std::unexpected(d.error());
    state.debt = *d;
    if (auto r =
            collect("SELECT " PATRON_LOT_COLUMNS " FROM lots" PATRON_MEMBER_WALLET " ORDER BY id",
                    program_id, member_id, wallet, state.lots, &SqliteStore::read_lot);
        !r) {
      return std::unexpected(r.error());
    }
    if (auto r =
            collect("SELECT " PATRON_HOLD_COLUMNS " FROM holds" PATRON_MEMBER_WALLET " ORDER BY id",
                    program_id, member_id, wallet, state.holds, &SqliteStore::read_hold);
        !r) {
      return std::unexpected(r.error());
    }
    if (auto r = collect("SELECT " PATRON_REDEMPTION_COLUMNS
                         " FROM redemptions" PATRON_MEMBER_WALLET " ORDER BY id",
                         program_id, member_id, wallet, state.redemptions,
                         &SqliteStore::read_redemption);
        !r) {
      return std::unexpected(r.error());
    }
    return state;
  }

  Result<ledger::Transfer> read_transfer(Stmt& q, const std::string& wallet) {
    return ledger::Transfer{
        q.i(0), q.i(1), wallet, q.s(2), q.s(3), q.s(4), q.i(5), q.i(6), from_unix_seconds(q.i(7))};
  }

  Result<std::vector<ledger::Transfer>> transfers(const std::string& program_id,
                                                  const std::string& member_id,
                                                  const std::string& wallet) override {
    std::vector<ledger::Transfer> out;
    if (auto r = collect("SELECT id, journal_id, kind, from_account, to_account, amount, lot_id, "
                         "at FROM transfers WHERE program_id = ? AND member_id = ? AND wallet = ? "
                         "ORDER BY id",
                         program_id, member_id, wallet, out, &SqliteStore::read_transfer);
        !r) {
      return std::unexpected(r.error());
    }
    return out;
  }

  Result<std::vector<ledger::Transfer>> transfers_page(const std::string& program_id,
                                                       const std::string& member_id,
                                                       const std::string& wallet, int64_t after_id,
                                                       std::size_t limit) override {
    auto q = prepare(
        "SELECT id, journal_id, kind, from_account, to_account, amount, lot_id, at, wallet "
        "FROM transfers WHERE program_id = ? AND member_id = ? AND (? = '' OR wallet = ?) "
        "AND id > ? ORDER BY id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(member_id)
        .bind(wallet)
        .bind(wallet)
        .bind(after_id)
        .bind(static_cast<int64_t>(page_limit(limit)));
    std::vector<ledger::Transfer> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      auto t = read_transfer(*q, q->s(8));
      if (!t) return std::unexpected(t.error());
      out.push_back(std::move(*t));
    }
    return out;
  }

  Result<std::optional<app::HoldRef>> find_hold(const std::string& program_id,
                                                int64_t hold_id) override {
    auto q = prepare("SELECT member_id, wallet FROM holds WHERE program_id = ? AND id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(hold_id);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::HoldRef>{};
    return std::optional<app::HoldRef>{app::HoldRef{q->s(0), q->s(1)}};
  }

  Result<std::vector<std::string>> strings(const char* sql,
                                           const std::vector<std::string>& text_args,
                                           std::optional<Instant> at) {
    auto q = prepare(sql);
    if (!q) return std::unexpected(q.error());
    for (const auto& a : text_args) q->bind(a);
    if (at) q->bind(*at);
    std::vector<std::string> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(q->s(0));
    }
  }

  Result<std::vector<std::string>> members_due(const std::string& program_id,
                                               const std::string& wallet, const std::string& kind,
                                               Instant now) override {
    if (kind == "mature") {
      return strings(
          "SELECT DISTINCT member_id FROM lots WHERE program_id = ? AND wallet = ? "
          "AND state = 'pending' AND available_at <= ? ORDER BY member_id",
          {program_id, wallet}, now);
    }
    if (kind == "expire") {
      return strings(
          "SELECT DISTINCT member_id FROM lots WHERE program_id = ? AND wallet = ? "
          "AND state != 'expired' AND expires_at <= ? ORDER BY member_id",
          {program_id, wallet}, now);
    }
    if (kind == "holds") {
      return strings(
          "SELECT DISTINCT member_id FROM holds WHERE program_id = ? AND wallet = ? "
          "AND state = 'open' AND expires_at <= ? ORDER BY member_id",
          {program_id, wallet}, now);
    }
    return fail(ErrorCode::kInvalidArgument, "kind", "unknown due kind " + kind);
  }

  Result<std::vector<DueLot>> due_lots(const std::string& program_id, const std::string& wallet,
                                       Instant now, std::size_t limit) override {
    auto q = prepare("SELECT " PATRON_LOT_COLUMNS
                     ", member_id FROM lots "
                     "WHERE program_id = ? AND wallet = ? "
                     // Spelled out so the partial index lots_expiring applies.
                     "AND state != 'expired' "
                     "AND (state = 'available' OR (state = 'pending' AND available_at IS NULL)) "
                     "AND expires_at <= ? ORDER BY expires_at, id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(wallet).bind(now).bind(static_cast<int64_t>(limit));
    std::vector<DueLot> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      auto lot = read_lot(*q, wallet);
      if (!lot) return std::unexpected(lot.error());
      out.push_back(DueLot{q->s(14), std::move(*lot)});
    }
  }

  Result<std::vector<std::string>> members_expiring(const std::string& program_id,
                                                    const std::string& wallet, Instant from,
                                                    Instant to) override {
    auto q = prepare(
        "SELECT DISTINCT member_id FROM lots WHERE program_id = ? AND wallet = ? "
        // Spelled out so the partial index lots_expiring applies.
        "AND state != 'expired' AND state = 'available' AND remaining > 0 "
        "AND expires_at > ? AND expires_at <= ? ORDER BY member_id");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(wallet).bind(from).bind(to);
    std::vector<std::string> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(q->s(0));
    }
  }

  Result<std::vector<std::string>> member_ids(const std::string& program_id) override {
    return strings("SELECT id FROM members WHERE program_id = ? ORDER BY id", {program_id},
                   std::nullopt);
  }

  // Every row of a query selecting PATRON_MEMBER_COLUMNS.
  Result<std::vector<Member>> read_members(Stmt& q, const std::string& program_id) {
    std::vector<Member> out;
    for (;;) {
      auto row = q.step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      auto m = read_member(q, program_id);
      if (!m) return std::unexpected(m.error());
      out.push_back(std::move(*m));
    }
  }

  Result<std::vector<Member>> members_page(const std::string& program_id,
                                           const app::PageRequest& request) override {
    auto q = prepare("SELECT " PATRON_MEMBER_COLUMNS
                     " FROM members WHERE program_id = ? AND id > ? ORDER BY id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(request.after).bind(static_cast<int64_t>(page_limit(request.limit)));
    return read_members(*q, program_id);
  }

  // A row of PATRON_ORDER_COLUMNS; the subtotal column must agree with the
  // lines in the body, or the row is corrupt.
  Result<app::OrderRecord> read_order(Stmt& q, const std::string& program_id) {
    const std::string id = q.s(0);
    auto decoded = decode_order_body(q.s(10));
    if (!decoded) return std::unexpected(decoded.error());
    app::OrderRecord o = std::move(*decoded);
    o.program_id = program_id;
    o.order.id = id;
    o.order.member_id = q.s(1);
    o.order.placed_at = from_unix_seconds(q.i(2));
    o.paid_at = q.opt_t(3);
    o.fulfilled_at = q.opt_t(4);
    o.completed_at = q.opt_t(5);
    o.cancelled_at = q.opt_t(6);
    o.earned_at = q.opt_t(7);
    o.program_version = q.i(8);
    if (q.i(9) != o.order.subtotal()) {
      return fail(ErrorCode::kCorruption, "",
                  "order " + id + " has a subtotal that disagrees with its lines");
    }
    o.created_at = from_unix_seconds(q.i(11));
    o.updated_at = from_unix_seconds(q.i(12));
    return o;
  }

  // Steps a bound PATRON_ORDER_COLUMNS query to the end.
  Result<std::vector<app::OrderRecord>> read_orders(Stmt& q, const std::string& program_id) {
    std::vector<app::OrderRecord> out;
    for (;;) {
      auto row = q.step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      auto o = read_order(q, program_id);
      if (!o) return std::unexpected(o.error());
      out.push_back(std::move(*o));
    }
  }

  Result<std::optional<app::OrderRecord>> find_order(const std::string& program_id,
                                                     const std::string& order_id) override {
    auto q = prepare("SELECT " PATRON_ORDER_COLUMNS " FROM orders WHERE program_id = ? AND id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(order_id);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::OrderRecord>{};
    auto o = read_order(*q, program_id);
    if (!o) return std::unexpected(o.error());
    return std::optional<app::OrderRecord>{std::move(*o)};
  }

  Result<std::vector<app::OrderRecord>> member_orders(const std::string& program_id,
                                                      const std::string& member_id) override {
    auto q = prepare("SELECT " PATRON_ORDER_COLUMNS
                     " FROM orders WHERE program_id = ? AND member_id = ? "
                     "ORDER BY placed_at, id");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id);
    return read_orders(*q, program_id);
  }

  Result<std::vector<app::OrderSummary>> member_order_summaries(
      const std::string& program_id, const std::string& member_id) override {
    // Served by the index orders_by_member (program_id, member_id, placed_at).
    auto q = prepare("SELECT " PATRON_ORDER_SUMMARY_COLUMNS
                     " FROM orders WHERE program_id = ? AND member_id = ? "
                     "ORDER BY placed_at, id");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id);
    std::vector<app::OrderSummary> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      app::OrderSummary o;
      o.id = q->s(0);
      o.placed_at = from_unix_seconds(q->i(1));
      o.paid_at = q->opt_t(2);
      o.fulfilled_at = q->opt_t(3);
      o.completed_at = q->opt_t(4);
      o.cancelled_at = q->opt_t(5);
      o.subtotal = q->i(6);
      o.paid_value = q->i(7);
      out.push_back(std::move(o));
    }
  }

  Result<std::vector<std::string>> members_tier_due(const std::string& program_id,
                                                    Instant now) override {
    // Served by the partial index members_tier_due (program_id, tier_until).
    return strings(
        "SELECT id FROM members WHERE program_id = ? AND tier_until IS NOT NULL "
        "AND tier_until <= ? ORDER BY id",
        {program_id}, now);
  }

  Result<std::vector<app::OrderRecord>> orders_page(const std::string& program_id,
                                                    const app::PageRequest& request) override {
    auto q = prepare("SELECT " PATRON_ORDER_COLUMNS
                     " FROM orders WHERE program_id = ? AND id > ? ORDER BY id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(request.after).bind(static_cast<int64_t>(page_limit(request.limit)));
    return read_orders(*q, program_id);
  }

  // Steps a bound "SELECT count, value" query of one row (or none: 0/0).
  static Result<app::UseTotals> read_totals(Stmt& q) {
    auto row = q.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return app::UseTotals{};
    return app::UseTotals{q.i(0), q.i(1)};
  }

  Result<app::UseTotals> member_rule_uses(const std::string& program_id,
                                          const std::string& member_id, const std::string& rule_id,
                                          Instant since) override {
    // Served by the primary key range (program, member, rule), filtered by
    // time (migration 0015). Instant::min() binds as INT64_MIN
    // (to_unix_seconds is the plain count), below every row.
    auto q = prepare(
        "SELECT COUNT(*), COALESCE(SUM(value), 0) FROM rule_uses "
        "WHERE program_id = ? AND member_id = ? AND rule_id = ? AND at >= ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id).bind(rule_id).bind(since);
    return read_totals(*q);
  }

  Result<bool> rule_use_exists(const std::string& program_id, const std::string& member_id,
                               const std::string& rule_id, const std::string& key) override {
    auto q = prepare(
        "SELECT 1 FROM rule_uses WHERE program_id = ? AND member_id = ? AND rule_id = ? "
        "AND key = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id).bind(rule_id).bind(key);
    return q->step();
  }

  Result<app::UseTotals> rule_totals(const std::string& program_id,
                                     const std::string& rule_id) override {
    auto q = prepare("SELECT count, value FROM rule_totals WHERE program_id = ? AND rule_id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(rule_id);
    return read_totals(*q);
  }

  Result<std::vector<Member>> members_born_in(const std::string& program_id,
                                              const std::vector<unsigned>& months,
                                              const std::string& rule_id,
                                              const std::string& key) override {
    // The months travel as a mask ('1' at position m), so one literal
    // statement serves every set; birthdays are 'YYYY-MM-DD' (format_date).
    std::string mask(12, '0');
    for (unsigned m : months) {
      if (m >= 1 && m <= 12) mask[m - 1] = '1';
    }
    if (mask.find('1') == std::string::npos) return std::vector<Member>{};
    auto q = prepare("SELECT " PATRON_MEMBER_COLUMNS
                     " FROM members m WHERE m.program_id = ? AND m.birthday IS NOT NULL "
                     "AND substr(?, CAST(substr(m.birthday, 6, 2) AS INTEGER), 1) = '1' "
                     "AND NOT EXISTS (SELECT 1 FROM rule_uses u WHERE u.program_id = m.program_id "
                     "AND u.member_id = m.id AND u.rule_id = ? AND u.key = ?) ORDER BY m.id");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(mask).bind(rule_id).bind(key);
    return read_members(*q, program_id);
  }

  Result<std::vector<Member>> members_without_use(const std::string& program_id,
                                                  const std::string& rule_id,
                                                  const std::string& key,
                                                  const app::PageRequest& page) override {
    auto q =
        prepare("SELECT " PATRON_MEMBER_COLUMNS
                " FROM members m WHERE m.program_id = ? AND m.id > ? "
                "AND NOT EXISTS (SELECT 1 FROM rule_uses u WHERE u.program_id = m.program_id "
                "AND u.member_id = m.id AND u.rule_id = ? AND u.key = ?) ORDER BY m.id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(page.after)
        .bind(rule_id)
        .bind(key)
        .bind(static_cast<int64_t>(page_limit(page.limit)));
    return read_members(*q, program_id);
  }

  Result<std::optional<std::string>> member_by_referral_code(const std::string& program_id,
                                                             const std::string& code) override {
    if (code.empty()) return std::optional<std::string>{};  // '' is no code
    // "referral_code <> ''" lets the partial unique index serve the lookup.
    auto q = prepare(
        "SELECT id FROM members WHERE program_id = ? AND referral_code = ? "
        "AND referral_code <> ''");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(code);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<std::string>{};
    return std::optional<std::string>{q->s(0)};
  }

  // ---- Coupons ----

  Result<app::CouponBatch> read_coupon_batch(const Stmt& q, const std::string& program_id) {
    app::CouponBatch b;
    b.program_id = program_id;
    b.id = q.s(0);
    b.name = q.s(1);
    auto terms = decode_coupon_terms(q.s(2));
    if (!terms) return std::unexpected(terms.error());
    b.terms = std::move(*terms);
    b.terms.batch_id = b.id;
    b.shared_code = q.s(3);
    b.count = q.i(4);
    b.member_id = q.s(5);
    b.created_at = from_unix_seconds(q.i(6));
    b.created_by = q.s(7);
    return b;
  }

  Result<std::optional<app::CouponBatch>> find_coupon_batch(const std::string& program_id,
                                                            const std::string& batch_id) override {
    auto q = prepare("SELECT " PATRON_COUPON_BATCH_COLUMNS
                     " FROM coupon_batches WHERE program_id = ? AND id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(batch_id);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::CouponBatch>{};
    auto b = read_coupon_batch(*q, program_id);
    if (!b) return std::unexpected(b.error());
    return std::optional<app::CouponBatch>{std::move(*b)};
  }

  Result<std::vector<app::CouponBatch>> coupon_batches_page(
      const std::string& program_id, const app::PageRequest& request) override {
    auto q = prepare("SELECT " PATRON_COUPON_BATCH_COLUMNS
                     " FROM coupon_batches WHERE program_id = ? AND id > ? ORDER BY id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(request.after).bind(static_cast<int64_t>(page_limit(request.limit)));
    std::vector<app::CouponBatch> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      auto b = read_coupon_batch(*q, program_id);
      if (!b) return std::unexpected(b.error());
      out.push_back(std::move(*b));
    }
  }

  static app::Coupon read_coupon(const Stmt& q, const std::string& program_id) {
    return app::Coupon{program_id, q.s(0), q.s(1), q.s(2), q.i(3) != 0, from_unix_seconds(q.i(4))};
  }

  Result<std::optional<app::Coupon>> find_coupon(const std::string& program_id,
                                                 const std::string& code) override {
    auto q =
        prepare("SELECT " PATRON_COUPON_COLUMNS " FROM coupons WHERE program_id = ? AND code = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(code);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::Coupon>{};
    return std::optional<app::Coupon>{read_coupon(*q, program_id)};
  }

  Result<std::vector<app::Coupon>> coupons_page(const std::string& program_id,
                                                const std::string& batch_id,
                                                const app::PageRequest& request) override {
    auto q = prepare("SELECT " PATRON_COUPON_COLUMNS
                     " FROM coupons WHERE program_id = ? AND batch_id = ? AND code > ? "
                     "ORDER BY code LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(batch_id)
        .bind(request.after)
        .bind(static_cast<int64_t>(page_limit(request.limit)));
    std::vector<app::Coupon> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(read_coupon(*q, program_id));
    }
  }

  Result<app::CouponUses> coupon_uses(const std::string& program_id, const std::string& code,
                                      const std::string& batch_id, const std::string& member_id,
                                      Instant now) override {
    // Counted where a redemption counts: confirmed, or pending and not expired.
    auto q = prepare(
        "SELECT "
        "(SELECT COUNT(*) FROM coupon_redemptions WHERE program_id = ?1 AND code = ?2 "
        " AND (state = 'confirmed' OR (state = 'pending' AND expires_at > ?5))), "
        "(SELECT COUNT(*) FROM coupon_redemptions WHERE program_id = ?1 AND batch_id = ?3 "
        " AND (state = 'confirmed' OR (state = 'pending' AND expires_at > ?5))), "
        "(SELECT COUNT(*) FROM coupon_redemptions WHERE program_id = ?1 AND batch_id = ?3 "
        " AND member_id = ?4 AND (state = 'confirmed' OR (state = 'pending' AND expires_at > "
        "?5)))");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(code).bind(batch_id).bind(member_id).bind(now);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    return app::CouponUses{q->i(0), q->i(1), q->i(2)};
  }

  Result<std::vector<app::CouponRedemption>> order_coupon_redemptions(
      const std::string& program_id, const std::string& order_id) override {
    auto q = prepare(
        "SELECT code, order_id, batch_id, member_id, state, discount, at, expires_at "
        "FROM coupon_redemptions WHERE program_id = ? AND order_id = ? ORDER BY code");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(order_id);
    std::vector<app::CouponRedemption> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(app::CouponRedemption{program_id, q->s(0), q->s(1), q->s(2), q->s(3), q->s(4),
                                          q->i(5), from_unix_seconds(q->i(6)),
                                          from_unix_seconds(q->i(7))});
    }
  }

  Result<void> put_coupon_batch(const app::CouponBatch& b, const std::string& program_id) {
    auto q = prepare("INSERT INTO coupon_batches (program_id, " PATRON_COUPON_BATCH_COLUMNS
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (program_id, id) DO UPDATE SET name = excluded.name, "
                     "terms = excluded.terms, count = excluded.count");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(b.id)
        .bind(b.name)
        .bind(encode_coupon_terms(b.terms))
        .bind(b.shared_code)
        .bind(b.count)
        .bind(b.member_id)
        .bind(b.created_at)
        .bind(b.created_by);
    return q->run();
  }

  Result<void> put_coupon(const app::Coupon& c, const std::string& program_id) {
    auto q = prepare("INSERT INTO coupons (program_id, " PATRON_COUPON_COLUMNS
                     ") VALUES (?, ?, ?, ?, ?, ?)");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(c.code)
        .bind(c.batch_id)
        .bind(c.member_id)
        .bind(int64_t{c.single_use ? 1 : 0})
        .bind(c.created_at);
    return q->run();
  }

  // ---- Reward catalog ----

#define PATRON_REWARD_REDEMPTION_COLUMNS                                             \
  "id, member_id, item_id, kind, wallet, price, program_version, coupon_code, sku, " \
  "credit_wallet, credit_amount, lot_id, state, at, refunded_at"

  static app::RewardRedemption read_reward_redemption(const Stmt& q,
                                                      const std::string& program_id) {
    app::RewardRedemption r;
    r.program_id = program_id;
    r.id = q.i(0);
    r.member_id = q.s(1);
    r.item_id = q.s(2);
    r.kind = q.s(3);
    r.wallet = q.s(4);
    r.price = q.i(5);
    r.program_version = q.i(6);
    r.coupon_code = q.s(7);
    r.sku = q.s(8);
    r.credit_wallet = q.s(9);
    r.credit_amount = q.i(10);
    r.lot_id = q.i(11);
    r.state = q.s(12);
    r.at = from_unix_seconds(q.i(13));
    if (q.i(14) != 0) r.refunded_at = from_unix_seconds(q.i(14));
    return r;
  }

  Result<std::optional<app::RewardRedemption>> find_reward_redemption(const std::string& program_id,
                                                                      int64_t id) override {
    auto q = prepare("SELECT " PATRON_REWARD_REDEMPTION_COLUMNS
                     " FROM reward_redemptions WHERE program_id = ? AND id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(id);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::RewardRedemption>{};
    return std::optional<app::RewardRedemption>{read_reward_redemption(*q, program_id)};
  }

  Result<std::vector<app::RewardRedemption>> reward_redemptions_page(
      const std::string& program_id, const std::string& member_id,
      const app::PageRequest& request) override {
    auto before = id_cursor(request.after);
    if (!before) return std::unexpected(before.error());
    auto q = prepare("SELECT " PATRON_REWARD_REDEMPTION_COLUMNS
                     " FROM reward_redemptions WHERE program_id = ? AND member_id = ? AND id < ? "
                     "ORDER BY id DESC LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(member_id)
        .bind(*before)
        .bind(static_cast<int64_t>(page_limit(request.limit)));
    std::vector<app::RewardRedemption> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(read_reward_redemption(*q, program_id));
    }
  }

  Result<int64_t> count_reward_redemptions(const std::string& program_id,
                                           const std::string& item_id, const std::string& member_id,
                                           Instant since) override {
    // Two statements, so a member's count is a range of the index, not a
    // scan of every redemption of the item.
    auto q = member_id.empty()
                 ? prepare(
                       "SELECT COUNT(*) FROM reward_redemptions WHERE program_id = ? AND "
                       "item_id = ? AND state = 'redeemed' AND at >= ?")
                 : prepare(
                       "SELECT COUNT(*) FROM reward_redemptions WHERE program_id = ? AND "
                       "item_id = ? AND state = 'redeemed' AND member_id = ? AND at >= ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(item_id);
    if (!member_id.empty()) q->bind(member_id);
    q->bind(since);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    return q->i(0);
  }

  // Outbox and webhooks
#define PATRON_EVENT_COLUMNS \
  "id, program_id, type, member_id, data, created_at, message, send_after, marketing"
  static app::OutboxEvent read_event(const Stmt& q) {
    return app::OutboxEvent{q.i(0), q.s(1),     q.s(2),
                            q.s(3), q.s(4),     from_unix_seconds(q.i(5)),
                            q.s(6), q.opt_t(7), q.i(8) != 0};
  }

  // New products
#define PATRON_PRODUCT_COLUMNS \
  "sku, name, category, brand, url, price, announced_at, state, notified, sent_at"
  static app::Product read_product(const Stmt& q, const std::string& program_id) {
    app::Product p;
    p.program_id = program_id;
    p.sku = q.s(0);
    p.name = q.s(1);
    p.category = q.s(2);
    p.brand = q.s(3);
    p.url = q.s(4);
    p.price = q.i(5);
    p.announced_at = from_unix_seconds(q.i(6));
    p.state = q.s(7);
    p.notified = q.i(8);
    p.sent_at = q.opt_t(9);
    return p;
  }

  Result<std::optional<app::Product>> find_product(const std::string& program_id,
                                                   const std::string& sku) override {
    auto q =
        prepare("SELECT " PATRON_PRODUCT_COLUMNS " FROM products WHERE program_id = ? AND sku = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(sku);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::Product>{};
    return std::optional<app::Product>{read_product(*q, program_id)};
  }

  Result<std::vector<app::Product>> pending_products(const std::string& program_id, Instant until,
                                                     std::size_t limit) override {
    auto q = prepare("SELECT " PATRON_PRODUCT_COLUMNS
                     " FROM products WHERE program_id = ? AND state = 'pending' AND "
                     "announced_at <= ? ORDER BY announced_at, sku LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(until).bind(static_cast<int64_t>(limit));
    std::vector<app::Product> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(read_product(*q, program_id));
    }
  }

  // Carts
  static Result<app::Cart> read_cart(const Stmt& q, const std::string& program_id) {
    app::Cart c;
    c.program_id = program_id;
    c.id = q.s(0);
    c.member_id = q.s(1);
    boost::system::error_code ec;
    boost::json::value items = boost::json::parse(q.s(2), ec);
    if (ec || !items.is_array()) {
      return fail(ErrorCode::kCorruption, "", "cart " + c.id + " has bad items");
    }
    for (const auto& v : items.as_array()) {
      const auto* o = v.if_object();
      if (o == nullptr) return fail(ErrorCode::kCorruption, "", "cart " + c.id + " has bad items");
      app::CartItem i;
      try {
        i.sku = std::string(o->at("sku").as_string());
        i.name = std::string(o->at("name").as_string());
        i.category = std::string(o->at("category").as_string());
        i.quantity = o->at("quantity").as_int64();
        i.unit_price = o->at("unit_price").as_int64();
      } catch (const std::exception&) {
        return fail(ErrorCode::kCorruption, "", "cart " + c.id + " has bad items");
      }
      c.items.push_back(std::move(i));
    }
    c.total = q.i(3);
    c.url = q.s(4);
    c.created_at = from_unix_seconds(q.i(5));
    c.updated_at = from_unix_seconds(q.i(6));
    return c;
  }

#define PATRON_CART_COLUMNS "id, member_id, items, total, url, created_at, updated_at"
  Result<std::optional<app::Cart>> find_cart(const std::string& program_id,
                                             const std::string& cart_id) override {
    auto q = prepare("SELECT " PATRON_CART_COLUMNS " FROM carts WHERE program_id = ? AND id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(cart_id);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::Cart>{};
    auto cart = read_cart(*q, program_id);
    if (!cart) return std::unexpected(cart.error());
    return std::optional<app::Cart>{std::move(*cart)};
  }

  Result<std::vector<app::Cart>> idle_carts(const std::string& program_id, Instant from, Instant to,
                                            std::size_t limit) override {
    auto q = prepare("SELECT " PATRON_CART_COLUMNS
                     " FROM carts WHERE program_id = ? AND updated_at >= ? AND updated_at < ? "
                     "AND items != '[]' ORDER BY updated_at, id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(from).bind(to).bind(static_cast<int64_t>(limit));
    std::vector<app::Cart> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      auto cart = read_cart(*q, program_id);
      if (!cart) return std::unexpected(cart.error());
      out.push_back(std::move(*cart));
    }
  }

  Result<int64_t> count_marketing_messages(const std::string& program_id,
                                           const std::string& member_id, Instant from,
                                           Instant to) override {
    auto q = prepare(
        "SELECT COUNT(*) FROM outbox WHERE program_id = ? AND member_id = ? AND marketing = 1 "
        "AND send_after >= ? AND send_after < ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(member_id).bind(from).bind(to);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    return q->i(0);
  }

  Result<std::vector<app::OutboxEvent>> events_after(const std::string& program_id,
                                                     const std::string& member_id, int64_t after_id,
                                                     std::size_t limit) override {
    auto q = member_id.empty()
                 ? prepare("SELECT " PATRON_EVENT_COLUMNS
                           " FROM outbox WHERE program_id = ? AND id > ? ORDER BY id LIMIT ?")
                 : prepare("SELECT " PATRON_EVENT_COLUMNS
                           " FROM outbox WHERE program_id = ? AND member_id = ? AND id > ? "
                           "ORDER BY id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id);
    if (!member_id.empty()) q->bind(member_id);
    q->bind(after_id).bind(static_cast<int64_t>(page_limit(limit)));
    std::vector<app::OutboxEvent> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(read_event(*q));
    }
  }

  Result<std::optional<app::OutboxEvent>> find_event(const std::string& program_id,
                                                     int64_t id) override {
    auto q = prepare("SELECT " PATRON_EVENT_COLUMNS " FROM outbox WHERE program_id = ? AND id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(id);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::OutboxEvent>{};
    return std::optional<app::OutboxEvent>{read_event(*q)};
  }

  Result<int64_t> last_event_id() override {
    auto q = prepare("SELECT COALESCE(MAX(id), 0) FROM outbox");
    if (!q) return std::unexpected(q.error());
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    return q->i(0);
  }

#define PATRON_ENDPOINT_COLUMNS \
  "id, url, secret, events, enabled, max_in_flight, cursor, created_at, updated_at, messages"
  Result<std::vector<app::WebhookEndpoint>> webhook_endpoints(
      const std::string& program_id) override {
    auto q = prepare("SELECT " PATRON_ENDPOINT_COLUMNS
                     " FROM webhook_endpoints WHERE program_id = ? ORDER BY id");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id);
    std::vector<app::WebhookEndpoint> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      auto events = decode_reasons(q->s(3));
      if (!events) return std::unexpected(events.error());
      out.push_back(app::WebhookEndpoint{program_id, q->s(0), q->s(1), q->s(2), std::move(*events),
                                         q->i(4) != 0, q->i(5), q->i(9) != 0, q->i(6),
                                         from_unix_seconds(q->i(7)), from_unix_seconds(q->i(8))});
    }
  }

  Result<void> put_webhook_endpoint(const app::WebhookEndpoint& e,
                                    const std::string& command_program) {
    auto q = prepare("INSERT INTO webhook_endpoints (program_id, " PATRON_ENDPOINT_COLUMNS
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (program_id, id) DO UPDATE SET url = excluded.url, "
                     "secret = excluded.secret, events = excluded.events, "
                     "enabled = excluded.enabled, max_in_flight = excluded.max_in_flight, "
                     "cursor = excluded.cursor, updated_at = excluded.updated_at, "
                     "messages = excluded.messages");
    if (!q) return std::unexpected(q.error());
    q->bind(e.program_id.empty() ? command_program : e.program_id)
        .bind(e.id)
        .bind(e.url)
        .bind(e.secret)
        .bind(encode_reasons(e.events))
        .bind(int64_t{e.enabled ? 1 : 0})
        .bind(e.max_in_flight)
        .bind(e.cursor)
        .bind(e.created_at)
        .bind(e.updated_at)
        .bind(int64_t{e.messages ? 1 : 0});
    return q->run();
  }

#define PATRON_DELIVERY_COLUMNS                                                           \
  "id, program_id, endpoint_id, event_id, event_type, state, attempts, next_attempt_at, " \
  "last_attempt_at, last_status, last_error, last_duration_us, created_at"
  static app::WebhookDelivery read_delivery(const Stmt& q) {
    app::WebhookDelivery d;
    d.id = q.i(0);
    d.program_id = q.s(1);
    d.endpoint_id = q.s(2);
    d.event_id = q.i(3);
    d.event_type = q.s(4);
    d.state = q.s(5);
    d.attempts = q.i(6);
    d.next_attempt_at = from_unix_seconds(q.i(7));
    if (!q.null(8)) d.last_attempt_at = from_unix_seconds(q.i(8));
    d.last_status = q.i(9);
    d.last_error = q.s(10);
    d.last_duration_us = q.i(11);
    d.created_at = from_unix_seconds(q.i(12));
    return d;
  }

  template <class Bind>
  Result<std::vector<app::WebhookDelivery>> read_deliveries(const char* sql, Bind bind) {
    auto q = prepare(sql);
    if (!q) return std::unexpected(q.error());
    bind(*q);
    std::vector<app::WebhookDelivery> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(read_delivery(*q));
    }
  }

  Result<std::vector<app::WebhookDelivery>> due_deliveries(const std::string& program_id,
                                                           const std::string& endpoint_id,
                                                           Instant now,
                                                           std::size_t limit) override {
    return read_deliveries("SELECT " PATRON_DELIVERY_COLUMNS
                           " FROM webhook_deliveries WHERE program_id = ? AND endpoint_id = ? AND "
                           "state = 'pending' AND next_attempt_at <= ? "
                           "ORDER BY next_attempt_at, id LIMIT ?",
                           [&](Stmt& q) {
                             q.bind(program_id)
                                 .bind(endpoint_id)
                                 .bind(now)
                                 .bind(static_cast<int64_t>(page_limit(limit)));
                           });
  }

  Result<std::vector<app::WebhookDelivery>> deliveries_page(
      const std::string& program_id, const std::string& endpoint_id, const std::string& state,
      const app::PageRequest& request) override {
    auto before = id_cursor(request.after);
    if (!before) return std::unexpected(before.error());
    auto limit = static_cast<int64_t>(page_limit(request.limit));
    if (state.empty()) {
      return read_deliveries(
          "SELECT " PATRON_DELIVERY_COLUMNS
          " FROM webhook_deliveries WHERE program_id = ? AND endpoint_id = ? "
          "AND id < ? ORDER BY id DESC LIMIT ?",
          [&](Stmt& q) { q.bind(program_id).bind(endpoint_id).bind(*before).bind(limit); });
    }
    return read_deliveries(
        "SELECT " PATRON_DELIVERY_COLUMNS
        " FROM webhook_deliveries WHERE program_id = ? AND endpoint_id = ? AND state = ? "
        "AND id < ? ORDER BY id DESC LIMIT ?",
        [&](Stmt& q) {
          q.bind(program_id).bind(endpoint_id).bind(state).bind(*before).bind(limit);
        });
  }

  Result<std::optional<app::WebhookDelivery>> find_delivery(const std::string& program_id,
                                                            int64_t id) override {
    auto rows = read_deliveries("SELECT " PATRON_DELIVERY_COLUMNS
                                " FROM webhook_deliveries WHERE program_id = ? AND id = ?",
                                [&](Stmt& q) { q.bind(program_id).bind(id); });
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<app::WebhookDelivery>{};
    return std::optional<app::WebhookDelivery>{std::move(rows->front())};
  }

  Result<void> put_delivery(const app::WebhookDelivery& d, const std::string& command_program) {
    if (d.id == 0) {
      auto q = prepare(
          "INSERT INTO webhook_deliveries (program_id, endpoint_id, event_id, event_type, state, "
          "attempts, next_attempt_at, last_attempt_at, last_status, last_error, last_duration_us, "
          "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!q) return std::unexpected(q.error());
      q->bind(d.program_id.empty() ? command_program : d.program_id)
          .bind(d.endpoint_id)
          .bind(d.event_id)
          .bind(d.event_type)
          .bind(d.state)
          .bind(d.attempts)
          .bind(d.next_attempt_at)
          .bind(d.last_attempt_at)
          .bind(d.last_status)
          .bind(d.last_error)
          .bind(d.last_duration_us)
          .bind(d.created_at);
      return q->run();
    }
    auto q = prepare(
        "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, "
        "last_attempt_at = ?, last_status = ?, last_error = ?, last_duration_us = ? "
        "WHERE program_id = ? AND id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(d.state)
        .bind(d.attempts)
        .bind(d.next_attempt_at)
        .bind(d.last_attempt_at)
        .bind(d.last_status)
        .bind(d.last_error)
        .bind(d.last_duration_us)
        .bind(d.program_id.empty() ? command_program : d.program_id)
        .bind(d.id);
    if (auto r = q->run(); !r) return r;
    if (sqlite3_changes(db_) != 1) {
      return fail(ErrorCode::kStorage, "delivery", "no delivery " + std::to_string(d.id));
    }
    return {};
  }

  Result<void> put_reward_redemption(const app::RewardRedemption& r,
                                     const std::string& program_id) {
    auto q = prepare("INSERT INTO reward_redemptions (program_id, " PATRON_REWARD_REDEMPTION_COLUMNS
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (program_id, id) DO UPDATE SET state = excluded.state, "
                     "refunded_at = excluded.refunded_at");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(r.id)
        .bind(r.member_id)
        .bind(r.item_id)
        .bind(r.kind)
        .bind(r.wallet)
        .bind(r.price)
        .bind(r.program_version)
        .bind(r.coupon_code)
        .bind(r.sku)
        .bind(r.credit_wallet)
        .bind(r.credit_amount)
        .bind(r.lot_id)
        .bind(r.state)
        .bind(r.at)
        .bind(r.refunded_at ? to_unix_seconds(*r.refunded_at) : int64_t{0});
    return q->run();
  }

  Result<void> put_coupon_redemption(const app::CouponRedemption& r,
                                     const std::string& program_id) {
    auto q = prepare(
        "INSERT INTO coupon_redemptions (program_id, code, order_id, batch_id, member_id, state, "
        "discount, at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (program_id, code, order_id) DO UPDATE SET batch_id = excluded.batch_id, "
        "member_id = excluded.member_id, state = excluded.state, discount = excluded.discount, "
        "at = excluded.at, expires_at = excluded.expires_at");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(r.code)
        .bind(r.order_id)
        .bind(r.batch_id)
        .bind(r.member_id)
        .bind(r.state)
        .bind(r.discount)
        .bind(r.at)
        .bind(r.expires_at);
    return q->run();
  }

  // A row of PATRON_REFERRAL_COLUMNS.
  static Result<app::Referral> read_referral(const Stmt& q, const std::string& program_id) {
    app::Referral f;
    f.program_id = program_id;
    f.referee_id = q.s(0);
    f.referrer_id = q.s(1);
    f.code = q.s(2);
    f.state = q.s(3);
    f.order_id = q.s(4);
    auto reasons = decode_reasons(q.s(5));
    if (!reasons) {
      return fail(ErrorCode::kCorruption, "",
                  "referral of " + f.referee_id + " has bad reasons: " + reasons.error().message);
    }
    f.reasons = std::move(*reasons);
    f.created_at = from_unix_seconds(q.i(6));
    f.qualified_at = q.opt_t(7);
    f.decided_at = q.opt_t(8);
    f.decided_by = q.s(9);
    f.note = q.s(10);
    return f;
  }

  Result<std::optional<app::Referral>> find_referral(const std::string& program_id,
                                                     const std::string& referee_id) override {
    auto q = prepare("SELECT " PATRON_REFERRAL_COLUMNS
                     " FROM referrals WHERE program_id = ? AND referee_id = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(referee_id);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::Referral>{};
    auto f = read_referral(*q, program_id);
    if (!f) return std::unexpected(f.error());
    return std::optional<app::Referral>{std::move(*f)};
  }

  Result<std::vector<app::Referral>> referrals_page(const std::string& program_id,
                                                    const std::string& state,
                                                    const app::PageRequest& request) override {
    // Two statements so each has its index: the primary key for all states,
    // referrals_by_state (program_id, state, referee_id) for one.
    auto q = state.empty() ? prepare("SELECT " PATRON_REFERRAL_COLUMNS
                                     " FROM referrals WHERE program_id = ? AND referee_id > ? "
                                     "ORDER BY referee_id LIMIT ?")
                           : prepare("SELECT " PATRON_REFERRAL_COLUMNS
                                     " FROM referrals WHERE program_id = ? AND state = ? "
                                     "AND referee_id > ? ORDER BY referee_id LIMIT ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id);
    if (!state.empty()) q->bind(state);
    q->bind(request.after).bind(static_cast<int64_t>(page_limit(request.limit)));
    std::vector<app::Referral> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      auto f = read_referral(*q, program_id);
      if (!f) return std::unexpected(f.error());
      out.push_back(std::move(*f));
    }
  }

  Result<int64_t> referrals_qualified_since(const std::string& program_id,
                                            const std::string& referrer_id,
                                            Instant since) override {
    // Served by the partial index referrals_qualified (its WHERE spelled the
    // same). A NULL qualified_at never counts.
    auto q = prepare(
        "SELECT COUNT(*) FROM referrals WHERE program_id = ? AND referrer_id = ? "
        "AND state <> 'pending' AND qualified_at >= ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(referrer_id).bind(since);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    return *row ? q->i(0) : int64_t{0};
  }

  Result<app::ApiKey> read_api_key(Stmt& q) {
    app::ApiKey k;
    k.id = q.s(0);
    k.program_id = q.s(1);
    auto role = app::parse_role(q.s(2));
    if (!role) return fail(ErrorCode::kCorruption, "", "api key " + k.id + " has unknown role");
    k.role = *role;
    k.secret_hash = q.s(3);
    k.label = q.s(4);
    k.created_at = from_unix_seconds(q.i(5));
    k.revoked_at = q.opt_t(6);
    return k;
  }

  Result<std::optional<app::ApiKey>> find_api_key(const std::string& secret_hash) override {
    auto q = prepare("SELECT " PATRON_API_KEY_COLUMNS " FROM api_keys WHERE secret_hash = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(secret_hash);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<app::ApiKey>{};
    auto k = read_api_key(*q);
    if (!k) return std::unexpected(k.error());
    return std::optional<app::ApiKey>{std::move(*k)};
  }

  Result<std::vector<app::ApiKey>> api_keys(const std::string& program_id) override {
    auto q = prepare("SELECT " PATRON_API_KEY_COLUMNS
                     " FROM api_keys WHERE program_id = ? ORDER BY created_at, id");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id);
    std::vector<app::ApiKey> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      auto k = read_api_key(*q);
      if (!k) return std::unexpected(k.error());
      out.push_back(std::move(*k));
    }
  }

  // Runs a newest-first page query (program_id, id below, limit) and decodes each row.
  template <class T, class Read>
  Result<std::vector<T>> newest_first(const char* sql, const std::string& program_id,
                                      const app::PageRequest& request, Read read) {
    auto before = id_cursor(request.after);
    if (!before) return std::unexpected(before.error());
    auto q = prepare(sql);
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(*before).bind(static_cast<int64_t>(page_limit(request.limit)));
    std::vector<T> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return out;
      out.push_back(read(*q));
    }
  }

  Result<std::vector<app::AuditEntry>> audit_log(const std::string& program_id,
                                                 const app::PageRequest& request) override {
    return newest_first<app::AuditEntry>(
        "SELECT " PATRON_AUDIT_COLUMNS
        " FROM audit_log WHERE program_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        program_id, request, [](const Stmt& q) {
          return app::AuditEntry{
              q.i(0), q.s(1), q.s(2), q.s(3), q.s(4), q.s(5), from_unix_seconds(q.i(6))};
        });
  }

  Result<std::vector<app::JobRun>> job_runs(const std::string& program_id,
                                            const app::PageRequest& request) override {
    return newest_first<app::JobRun>(
        "SELECT " PATRON_JOB_RUN_COLUMNS
        " FROM job_runs WHERE program_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        program_id, request, [](const Stmt& q) {
          return app::JobRun{q.i(0),
                             q.s(1),
                             q.s(2),
                             q.s(3),
                             from_unix_seconds(q.i(4)),
                             from_unix_seconds(q.i(5)),
                             from_unix_seconds(q.i(6)),
                             q.i(7) != 0,
                             q.s(8)};
        });
  }

  Result<std::optional<IdempotencyRecord>> find_idempotency(const std::string& program_id,
                                                            const std::string& key) override {
    auto q = prepare(
        "SELECT request_hash, response, created_at FROM idempotency "
        "WHERE program_id = ? AND key = ?");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(key);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<IdempotencyRecord>{};
    return std::optional<IdempotencyRecord>{
        IdempotencyRecord{key, q->s(0), q->s(1), from_unix_seconds(q->i(2))}};
  }

  Result<app::IdHighWater> id_high_water() override {
    app::IdHighWater h;
    auto max_of = [&](const char* sql, int64_t& out) -> Result<void> {
      auto q = prepare(sql);
      if (!q) return std::unexpected(q.error());
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      out = *row ? q->i(0) : 0;
      return {};
    };
    for (auto [sql, out] :
         {std::pair{"SELECT COALESCE(MAX(id), 0) FROM lots", &h.lot},
          std::pair{"SELECT COALESCE(MAX(id), 0) FROM holds", &h.hold},
          // Catalog redemptions take their ids from the same sequence.
          std::pair{"SELECT MAX(COALESCE((SELECT MAX(id) FROM redemptions), 0), "
                    "COALESCE((SELECT MAX(id) FROM reward_redemptions), 0))",
                    &h.redemption},
          // Journal ids grow with transfer ids, so the newest transfer has the
          // largest: an index lookup instead of a scan.
          std::pair{"SELECT COALESCE((SELECT journal_id FROM transfers ORDER BY id "
                    "DESC LIMIT 1), 0)",
                    &h.journal},
          std::pair{"SELECT COALESCE(MAX(id), 0) FROM transfers", &h.transfer}}) {
      if (auto r = max_of(sql, *out); !r) return std::unexpected(r.error());
    }
    return h;
  }

  Result<void> begin() override {
    // A WAL restart is due (Checkpointer): copy what is left before this
    // transaction, which then rewinds the log. Here rather than in the
    // commit that crossed the mark, so that batch is answered first.
    if (restart_due_ && restart_due_->exchange(false, std::memory_order_relaxed)) {
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return control("BEGIN IMMEDIATE");
  }
  // Set by the factory when a Checkpointer watches this connection.
  void restart_wal_when(std::atomic<bool>* due) {
    restart_due_ = due;
  }
  // WAL: a deferred transaction takes its snapshot at the first read.
  Result<void> begin_read() override {
    return control("BEGIN DEFERRED");
  }
  Result<void> commit() override {
    return control("COMMIT");
  }
  Result<void> rollback() override {
    if (sqlite3_get_autocommit(db_)) return {};
    return control("ROLLBACK");
  }

  Result<void> insert_lot(const CommandWrite& w, const ledger::Lot& lot) {
    auto q = prepare(
        "INSERT INTO lots (id, program_id, member_id, wallet, source, amount, remaining, state, "
        "granted_at, available_at, expires_at, scope, order_id, line_shares, reason, expired, "
        "written_off) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!q) return std::unexpected(q.error());
    q->bind(lot.id)
        .bind(w.program_id)
        .bind(w.member_id)
        .bind(w.wallet)
        .bind(lot.source)
        .bind(lot.amount)
        .bind(lot.remaining)
        .bind(std::string(ledger::to_string(lot.state)))
        .bind(lot.granted_at)
        .bind(lot.available_at)
        .bind(lot.expires_at)
        .bind(encode_scope(lot.scope))
        .bind(lot.order_id)
        .bind(encode_line_shares(lot.line_shares))
        .bind(lot.reason)
        .bind(lot.expired)
        .bind(lot.written_off);
    return q->run();
  }

  Result<void> apply(const CommandWrite& w) override {
    if (sqlite3_get_autocommit(db_)) {
      return fail(ErrorCode::kStorage, "", "write outside a transaction");
    }
    if (w.member) {
      const Member& m = *w.member;
      auto q =
          prepare("INSERT INTO members (program_id, " PATRON_MEMBER_COLUMNS
                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (program_id, id) DO UPDATE SET "
                  "birthday = excluded.birthday, email = excluded.email, "
                  "phone = excluded.phone, updated_at = excluded.updated_at, "
                  "tier = excluded.tier, tier_since = excluded.tier_since, "
                  "tier_until = excluded.tier_until, tier_previous = excluded.tier_previous, "
                  "tier_upgraded_by = excluded.tier_upgraded_by, "
                  "referral_code = excluded.referral_code, "
                  "referred_by = excluded.referred_by, name = excluded.name, "
                  "locale = excluded.locale, consent = excluded.consent, tags = excluded.tags");
      if (!q) return std::unexpected(q.error());
      q->bind(m.program_id).bind(m.id);
      if (m.birthday) {
        q->bind(format_date(*m.birthday));
      } else {
        q->bind(std::optional<Instant>{});
      }
      q->bind(m.email).bind(m.phone).bind(m.created_at).bind(m.updated_at);
      q->bind(m.tier.tier)
          .bind(m.tier.since)
          .bind(m.tier.until)
          .bind(m.tier.previous)
          .bind(m.tier.upgraded_by)
          .bind(m.referral_code)
          .bind(m.referred_by)
          .bind(m.name)
          .bind(m.locale)
          .bind(join_channels(m.consent))
          .bind(join_channels(m.tags));
      if (auto r = q->run(); !r) return r;
    }
    const auto& c = w.changes;
    for (const auto& lot : c.lots) {
      // A lot the changes create is inserted. Other writes touch existing lots
      // (spend, expire, clawback): the narrow UPDATE of the mutable columns,
      // and an INSERT only if it hit nothing.
      // Empty line_shares may mean "not loaded" (LoadHint::all_line_shares):
      // leave the stored ones alone. A lot never loses its shares.
      if (std::binary_search(c.new_lots.begin(), c.new_lots.end(), lot.id)) {
        if (auto r = insert_lot(w, lot); !r) return r;
        continue;
      }
      auto u = lot.line_shares.empty()
                   ? prepare(
                         "UPDATE lots SET remaining = ?, state = ?, available_at = ?, "
                         "expired = ?, written_off = ? WHERE id = ?")
                   : prepare(
                         "UPDATE lots SET remaining = ?, state = ?, available_at = ?, "
                         "line_shares = ?, expired = ?, written_off = ? WHERE id = ?");
      if (!u) return std::unexpected(u.error());
      u->bind(lot.remaining).bind(std::string(ledger::to_string(lot.state))).bind(lot.available_at);
      if (!lot.line_shares.empty()) u->bind(encode_line_shares(lot.line_shares));
      u->bind(lot.expired).bind(lot.written_off).bind(lot.id);
      if (auto r = u->run(); !r) return r;
      if (sqlite3_changes(db_) > 0) continue;
      if (auto r = insert_lot(w, lot); !r) return r;
    }
    for (const auto& h : c.holds) {
      auto q = prepare(
          "INSERT INTO holds (id, program_id, member_id, wallet, order_id, amount, captured, "
          "state, created_at, expires_at, allocations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (id) DO UPDATE SET captured = excluded.captured, state = excluded.state");
      if (!q) return std::unexpected(q.error());
      q->bind(h.id)
          .bind(w.program_id)
          .bind(w.member_id)
          .bind(w.wallet)
          .bind(h.order_id)
          .bind(h.amount)
          .bind(h.captured)
          .bind(std::string(ledger::to_string(h.state)))
          .bind(h.created_at)
          .bind(h.expires_at)
          .bind(encode_allocations(h.allocations));
      if (auto r = q->run(); !r) return r;
    }
    for (const auto& r : c.redemptions) {
      auto q = prepare(
          "INSERT INTO redemptions (id, program_id, member_id, wallet, order_id, hold_id, at, "
          "allocations) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
          "allocations = excluded.allocations");
      if (!q) return std::unexpected(q.error());
      q->bind(r.id)
          .bind(w.program_id)
          .bind(w.member_id)
          .bind(w.wallet)
          .bind(r.order_id)
          .bind(r.hold_id)
          .bind(r.at)
          .bind(encode_allocations(r.allocations));
      if (auto x = q->run(); !x) return x;
    }
    for (const auto& t : c.transfers) {
      auto q = prepare(
          "INSERT INTO transfers (id, journal_id, program_id, member_id, wallet, kind, "
          "from_account, to_account, amount, lot_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!q) return std::unexpected(q.error());
      q->bind(t.id)
          .bind(t.journal_id)
          .bind(w.program_id)
          .bind(w.member_id)
          .bind(w.wallet)
          .bind(t.kind)
          .bind(t.from)
          .bind(t.to)
          .bind(t.amount)
          .bind(t.lot_id)
          .bind(t.at);
      if (auto r = q->run(); !r) return r;
    }
    if (c.debt) {
      auto q = prepare(
          "INSERT INTO wallet_debts (program_id, member_id, wallet, debt) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (program_id, member_id, wallet) DO UPDATE SET debt = excluded.debt");
      if (!q) return std::unexpected(q.error());
      q->bind(w.program_id).bind(w.member_id).bind(w.wallet).bind(*c.debt);
      if (auto r = q->run(); !r) return r;
    }
    if (w.idempotency) {
      const auto& i = *w.idempotency;
      auto q = prepare(
          "INSERT INTO idempotency (program_id, key, request_hash, response, created_at) "
          "VALUES (?, ?, ?, ?, ?)");
      if (!q) return std::unexpected(q.error());
      q->bind(w.program_id).bind(i.key).bind(i.request_hash).bind(i.response).bind(i.created_at);
      if (auto r = q->run(); !r) return r;
    }
    if (w.api_key) {
      if (auto r = put_api_key(*w.api_key, w.program_id); !r) return r;
    }
    for (const auto& e : w.audit) {
      auto q = prepare(
          "INSERT INTO audit_log (program_id, actor, action, target, detail, at) "
          "VALUES (?, ?, ?, ?, ?, ?)");
      if (!q) return std::unexpected(q.error());
      q->bind(e.program_id.empty() ? w.program_id : e.program_id)
          .bind(e.actor)
          .bind(e.action)
          .bind(e.target)
          .bind(e.detail)
          .bind(e.at);
      if (auto r = q->run(); !r) return r;
    }
    if (w.job_run) {
      const auto& j = *w.job_run;
      auto q = prepare(
          "INSERT INTO job_runs (program_id, job, trigger, as_of, started_at, finished_at, ok, "
          "report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      if (!q) return std::unexpected(q.error());
      q->bind(j.program_id.empty() ? w.program_id : j.program_id)
          .bind(j.job)
          .bind(j.trigger)
          .bind(j.as_of)
          .bind(j.started_at)
          .bind(j.finished_at)
          .bind(int64_t{j.ok ? 1 : 0})
          .bind(j.report);
      if (auto r = q->run(); !r) return r;
    }
    if (w.program) {
      if (auto r = put_program(*w.program); !r) return r;
    }
    if (w.program_version) {
      const auto& v = *w.program_version;
      auto q = prepare(
          "INSERT INTO program_versions (program_id, version, config, applied_at, actor) "
          "VALUES (?, ?, ?, ?, ?)");
      if (!q) return std::unexpected(q.error());
      q->bind(v.program_id).bind(v.version).bind(v.config).bind(v.applied_at).bind(v.actor);
      if (auto r = q->run(); !r) return r;
    }
    if (w.order) {
      if (auto r = put_order(*w.order, w.program_id); !r) return r;
    }
    for (const auto& u : w.rule_uses) {
      if (auto r = put_rule_use(u, w); !r) return r;
    }
    if (w.referral) {
      if (auto r = put_referral(*w.referral, w.program_id); !r) return r;
    }
    if (w.coupon_batch) {
      if (auto r = put_coupon_batch(*w.coupon_batch, w.program_id); !r) return r;
    }
    for (const auto& c : w.coupons) {
      if (auto r = put_coupon(c, w.program_id); !r) return r;
    }
    for (const auto& c : w.coupon_redemptions) {
      if (auto r = put_coupon_redemption(c, w.program_id); !r) return r;
    }
    if (w.reward_redemption) {
      if (auto r = put_reward_redemption(*w.reward_redemption, w.program_id); !r) return r;
    }
    for (const auto& e : w.events) {
      auto q = prepare(
          "INSERT INTO outbox (program_id, type, member_id, data, created_at, message, "
          "send_after, marketing) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      if (!q) return std::unexpected(q.error());
      q->bind(e.program_id.empty() ? w.program_id : e.program_id)
          .bind(e.type)
          .bind(e.member_id)
          .bind(e.data)
          .bind(e.created_at)
          .bind(e.message)
          .bind(e.send_after)
          .bind(int64_t{e.marketing ? 1 : 0});
      if (auto r = q->run(); !r) return r;
    }
    if (w.webhook_endpoint) {
      if (auto r = put_webhook_endpoint(*w.webhook_endpoint, w.program_id); !r) return r;
    }
    if (w.product) {
      const app::Product& p = *w.product;
      auto q = prepare("INSERT INTO products (program_id, " PATRON_PRODUCT_COLUMNS
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (program_id, sku) "
                       "DO UPDATE SET state = excluded.state, notified = excluded.notified, "
                       "sent_at = excluded.sent_at");
      if (!q) return std::unexpected(q.error());
      q->bind(p.program_id.empty() ? w.program_id : p.program_id)
          .bind(p.sku)
          .bind(p.name)
          .bind(p.category)
          .bind(p.brand)
          .bind(p.url)
          .bind(p.price)
          .bind(p.announced_at)
          .bind(p.state)
          .bind(p.notified)
          .bind(p.sent_at);
      if (auto r = q->run(); !r) return r;
    }
    if (w.cart) {
      const app::Cart& c = *w.cart;
      auto q = prepare("INSERT INTO carts (program_id, " PATRON_CART_COLUMNS
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (program_id, id) DO UPDATE "
                       "SET member_id = excluded.member_id, items = excluded.items, "
                       "total = excluded.total, url = excluded.url, "
                       "updated_at = excluded.updated_at");
      if (!q) return std::unexpected(q.error());
      q->bind(c.program_id.empty() ? w.program_id : c.program_id)
          .bind(c.id)
          .bind(c.member_id)
          .bind(boost::json::serialize(app::cart_items_json(c.items)))
          .bind(c.total)
          .bind(c.url)
          .bind(c.created_at)
          .bind(c.updated_at);
      if (auto r = q->run(); !r) return r;
    }
    for (const auto& d : w.deliveries) {
      if (auto r = put_delivery(d, w.program_id); !r) return r;
    }
    return {};
  }

  // Upsert by (program, referee): every column is replaced, created_at too
  // (the app keeps it). Both members must exist (foreign keys).
  Result<void> put_referral(const app::Referral& f, const std::string& command_program) {
    auto q = prepare("INSERT INTO referrals (program_id, " PATRON_REFERRAL_COLUMNS
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (program_id, referee_id) DO UPDATE SET "
                     "referrer_id = excluded.referrer_id, code = excluded.code, "
                     "state = excluded.state, order_id = excluded.order_id, "
                     "reasons = excluded.reasons, created_at = excluded.created_at, "
                     "qualified_at = excluded.qualified_at, decided_at = excluded.decided_at, "
                     "decided_by = excluded.decided_by, note = excluded.note");
    if (!q) return std::unexpected(q.error());
    q->bind(f.program_id.empty() ? command_program : f.program_id)
        .bind(f.referee_id)
        .bind(f.referrer_id)
        .bind(f.code)
        .bind(f.state)
        .bind(f.order_id)
        .bind(encode_reasons(f.reasons))
        .bind(f.created_at)
        .bind(f.qualified_at)
        .bind(f.decided_at)
        .bind(f.decided_by)
        .bind(f.note);
    return q->run();
  }

  // Appends a grant (a repeated key fails the primary key) and adds it to
  // its rule's program totals.
  Result<void> put_rule_use(const app::RuleUse& u, const CommandWrite& w) {
    const std::string& program_id = u.program_id.empty() ? w.program_id : u.program_id;
    const std::string& member_id = u.member_id.empty() ? w.member_id : u.member_id;
    auto q = prepare(
        "INSERT INTO rule_uses (program_id, member_id, rule_id, key, wallet, value, lot_id, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!q) return std::unexpected(q.error());
    q->bind(program_id)
        .bind(member_id)
        .bind(u.rule_id)
        .bind(u.key)
        .bind(u.wallet)
        .bind(u.value)
        .bind(u.lot_id)
        .bind(u.at);
    if (auto r = q->run(); !r) return r;
    auto t = prepare(
        "INSERT INTO rule_totals (program_id, rule_id, count, value) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (program_id, rule_id) DO UPDATE SET count = count + 1, "
        "value = value + excluded.value");
    if (!t) return std::unexpected(t.error());
    t->bind(program_id).bind(u.rule_id).bind(u.value);
    return t->run();
  }

  // Upsert by (program, order id): every column is replaced, created_at too
  // (the app keeps it; the store only stores).
  Result<void> put_order(const app::OrderRecord& o, const std::string& command_program) {
    auto q = prepare("INSERT INTO orders (program_id, " PATRON_ORDER_COLUMNS
                     ", paid_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (program_id, id) DO UPDATE SET "
                     "member_id = excluded.member_id, placed_at = excluded.placed_at, "
                     "paid_at = excluded.paid_at, fulfilled_at = excluded.fulfilled_at, "
                     "completed_at = excluded.completed_at, "
                     "cancelled_at = excluded.cancelled_at, earned_at = excluded.earned_at, "
                     "program_version = excluded.program_version, "
                     "subtotal = excluded.subtotal, body = excluded.body, "
                     "created_at = excluded.created_at, updated_at = excluded.updated_at, "
                     "paid_value = excluded.paid_value");
    if (!q) return std::unexpected(q.error());
    q->bind(o.program_id.empty() ? command_program : o.program_id)
        .bind(o.order.id)
        .bind(o.order.member_id)
        .bind(o.order.placed_at)
        .bind(o.paid_at)
        .bind(o.fulfilled_at)
        .bind(o.completed_at)
        .bind(o.cancelled_at)
        .bind(o.earned_at)
        .bind(o.program_version)
        .bind(o.order.subtotal())
        .bind(encode_order_body(o))
        .bind(o.created_at)
        .bind(o.updated_at)
        .bind(rules::paid_value(o.order, o.refunded_amount));
    return q->run();
  }

  // A known key id changes only its label and revocation; a new one is inserted
  // (a secret hash already in use by another key fails the UNIQUE constraint).
  Result<void> put_api_key(const app::ApiKey& k, const std::string& command_program) {
    auto u = prepare("UPDATE api_keys SET label = ?, revoked_at = ? WHERE id = ?");
    if (!u) return std::unexpected(u.error());
    u->bind(k.label).bind(k.revoked_at).bind(k.id);
    if (auto r = u->run(); !r) return r;
    if (sqlite3_changes(db_) > 0) return {};
    auto q =
        prepare("INSERT INTO api_keys (" PATRON_API_KEY_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!q) return std::unexpected(q.error());
    q->bind(k.id)
        .bind(k.program_id.empty() ? command_program : k.program_id)
        .bind(std::string(app::to_string(k.role)))
        .bind(k.secret_hash)
        .bind(k.label)
        .bind(k.created_at)
        .bind(k.revoked_at);
    return q->run();
  }

  // Analytics reads (app/analytics.h).
  Result<void> scan_member_orders(const std::string& program_id, OrderVisitor& visitor) override {
    // A walk of the covering index orders_by_member: never the rows' bodies.
    // Texts are read in place into buffers that keep their capacity, and the
    // member id only when it changes (rows come grouped by member): a scan
    // of a million orders allocates nothing per row. An absent time comes
    // back as INT64_MIN (no order is placed then), one column read instead of
    // a type test and a read; id and subtotal only for visitors that read them.
    static constexpr const char* kNarrow =
        "SELECT member_id, placed_at, IFNULL(paid_at, ?2), IFNULL(fulfilled_at, ?2), "
        "IFNULL(completed_at, ?2), IFNULL(cancelled_at, ?2), paid_value "
        "FROM orders WHERE program_id = ?1 AND member_id != '' ORDER BY member_id, placed_at";
    static constexpr const char* kFull =
        "SELECT member_id, placed_at, IFNULL(paid_at, ?2), IFNULL(fulfilled_at, ?2), "
        "IFNULL(completed_at, ?2), IFNULL(cancelled_at, ?2), paid_value, id, subtotal "
        "FROM orders WHERE program_id = ?1 AND member_id != '' ORDER BY member_id, placed_at";
    constexpr int64_t kAbsent = std::numeric_limits<int64_t>::min();
    const bool full = visitor.reads_id_and_subtotal();
    const char* const sql = full ? kFull : kNarrow;
    auto q = prepare(sql);
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(kAbsent);
    sqlite3_stmt* const s = cache_.at(sql);  // the statement q resets
    auto time = [s](int col) -> std::optional<Instant> {
      const int64_t t = sqlite3_column_int64(s, col);
      if (t == kAbsent) return std::nullopt;
      return from_unix_seconds(t);
    };
    std::string member_id;
    app::OrderSummary o;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return {};
      if (std::string_view m = column_text(s, 0); m != member_id) member_id.assign(m);
      o.placed_at = from_unix_seconds(sqlite3_column_int64(s, 1));
      o.paid_at = time(2);
      o.fulfilled_at = time(3);
      o.completed_at = time(4);
      o.cancelled_at = time(5);
      o.paid_value = sqlite3_column_int64(s, 6);
      if (full) {
        o.id.assign(column_text(s, 7));
        o.subtotal = sqlite3_column_int64(s, 8);
      }
      if (auto r = visitor.visit(member_id, o); !r) return r;
    }
  }

  Result<MemberCounts> member_counts(const std::string& program_id, Instant from,
                                     Instant to) override {
    auto q = prepare(
        "SELECT COUNT(*), COALESCE(SUM(created_at >= ?), 0) FROM members "
        "WHERE program_id = ? AND created_at < ?");
    if (!q) return std::unexpected(q.error());
    q->bind(from).bind(program_id).bind(to);
    auto row = q->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return MemberCounts{};
    return MemberCounts{q->i(0), q->i(1)};
  }

  Result<std::vector<TransferTotal>> transfer_totals(const std::string& program_id, Instant from,
                                                     Instant to) override {
    // One plain pass summed here. GROUP BY would sort every row in a
    // temporary B-tree (0.7 s per million transfers), and transfers_by_member
    // would fetch each row by id: a table scan reads them in storage order.
    // The pairs are few (wallets x accounts), so the sums live in a small map
    // keyed by the three texts, each prefixed by its length.
    static constexpr const char* kSql =
        "SELECT wallet, from_account, to_account, at, amount FROM transfers NOT INDEXED "
        "WHERE program_id = ? AND at < ?";
    auto q = prepare(kSql);
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(to);
    sqlite3_stmt* const s = cache_.at(kSql);  // the statement q resets
    const int64_t from_s = to_unix_seconds(from);
    std::vector<TransferTotal> out;
    std::unordered_map<std::string, std::size_t> index;  // key -> position in out
    std::string key;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      key.clear();
      for (int col = 0; col < 3; ++col) {
        const std::string_view text = column_text(s, col);
        const auto size = static_cast<uint32_t>(text.size());
        key.append(reinterpret_cast<const char*>(&size), sizeof size).append(text);
      }
      auto [it, added] = index.try_emplace(key, out.size());
      if (added) {
        out.push_back(TransferTotal{std::string(column_text(s, 0)), std::string(column_text(s, 1)),
                                    std::string(column_text(s, 2))});
      }
      TransferTotal& sum = out[it->second];
      const int64_t amount = sqlite3_column_int64(s, 4);
      // As SQLite's SUM: an overflow fails rather than wraps.
      if (__builtin_add_overflow(sum.history_amount, amount, &sum.history_amount)) {
        return fail(ErrorCode::kStorage, "", "integer overflow");
      }
      ++sum.history_transfers;
      if (sqlite3_column_int64(s, 3) < from_s) continue;
      if (__builtin_add_overflow(sum.amount, amount, &sum.amount)) {
        return fail(ErrorCode::kStorage, "", "integer overflow");
      }
      ++sum.transfers;
    }
    std::sort(out.begin(), out.end(), [](const TransferTotal& l, const TransferTotal& r) {
      return std::tie(l.wallet, l.from_account, l.to_account) <
             std::tie(r.wallet, r.from_account, r.to_account);
    });
    return out;
  }

  Result<std::vector<LotBalance>> lot_balances(const std::string& program_id, Instant at) override {
    // As transfer_totals: one plain pass over the transfers summed here, per
    // lot in a hash map, then per (wallet, expires_at). The lot's expiry comes
    // by its integer primary key.
    static constexpr const char* kSql =
        "SELECT t.lot_id, t.wallet, l.expires_at, t.from_account, t.to_account, t.amount "
        "FROM transfers AS t NOT INDEXED JOIN lots AS l ON l.id = t.lot_id "
        "WHERE t.program_id = ? AND t.at < ? AND t.lot_id != 0";
    auto q = prepare(kSql);
    if (!q) return std::unexpected(q.error());
    q->bind(program_id).bind(at);
    sqlite3_stmt* const s = cache_.at(kSql);  // the statement q resets
    std::unordered_map<int64_t, LotBalance> lots;
    for (;;) {
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      auto [it, added] = lots.try_emplace(sqlite3_column_int64(s, 0));
      LotBalance& lot = it->second;
      if (added) {
        lot.wallet.assign(column_text(s, 1));
        if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
          lot.expires_at = from_unix_seconds(sqlite3_column_int64(s, 2));
        }
      }
      if (auto r =
              post_to_lot(lot, column_text(s, 3), column_text(s, 4), sqlite3_column_int64(s, 5));
          !r) {
        return std::unexpected(r.error());
      }
    }
    std::vector<LotBalance> per_lot;
    per_lot.reserve(lots.size());
    for (auto& [id, lot] : lots) per_lot.push_back(std::move(lot));
    return group_lot_balances(std::move(per_lot));
  }

  // A text column read in place: valid until the statement steps or resets.
  static std::string_view column_text(sqlite3_stmt* s, int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    if (!p) return {};
    return {p, static_cast<std::size_t>(sqlite3_column_bytes(s, col))};
  }

 private:
  sqlite3* db_;
  std::atomic<bool>* restart_due_ = nullptr;  // restart_wal_when()
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// SQLite counts every allocation under one process-wide mutex unless told
// not to: with several connections on several threads (readers beside the
// writer, the two replays of simulate) that lock was a fifth of the CPU.
// Must precede SQLite's initialisation; if something initialised it first,
// the counting stays on, which is only slower.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Result<sqlite3*> open_connection(const std::string& path, const SqliteOptions& options) {
  configure_sqlite_once();
  sqlite3* db = nullptr;
  const bool memory = options.in_memory;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
              (memory ? SQLITE_OPEN_URI : 0);
  // WAL writes are gathered until SQLite syncs: only safe when every commit
  // syncs (wal_buffer_vfs.h).
  const char* vfs = !memory && options.synchronous_full ? wal_buffer_vfs() : nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, vfs) != SQLITE_OK) {
    auto e = fail(ErrorCode::kStorage, "db",
                  "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close_v2(db);
    return e;
  }
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  // memdb has no WAL (no shared-memory index): its journal stays in memory.
  std::string pragmas =
      std::string(memory ? "PRAGMA journal_mode = MEMORY; " : "PRAGMA journal_mode = WAL; ") +
      "PRAGMA foreign_keys = ON; " +
      "PRAGMA synchronous = " + (options.synchronous_full ? "FULL" : "NORMAL") +
      "; PRAGMA temp_store = MEMORY" +
      // System calls are costly on virtual machines: read
      // through a memory map, and cache hot pages.
      "; PRAGMA mmap_size = " + std::to_string(options.mmap_bytes) + "; PRAGMA cache_size = -" +
      std::to_string(options.cache_kib) + ";" +
      (options.background_checkpoint ? "PRAGMA wal_autocheckpoint = 0;" : "");
  char* message = nullptr;
  if (sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown";
    sqlite3_free(message);
    sqlite3_close_v2(db);
    return fail(ErrorCode::kStorage, "db", path + " is not a usable SQLite database: " + text);
  }
  return db;
}

Result<void> migrate(sqlite3* db, const std::string& path) {
  SqliteStore store(db);  // takes ownership only for the duration; see release below
  auto run = [&]() -> Result<void> {
    if (auto r = store.exec("BEGIN IMMEDIATE"); !r) return r;
    if (auto r = store.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        !r) {
      return r;
    }
    int64_t current = 0;
    {
      // Scoped: a statement left active locks the schema (a DROP fails).
      auto q = store.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
      if (!q) return std::unexpected(q.error());
      auto row = q->step();
      if (!row) return std::unexpected(row.error());
      current = q->i(0);
    }
    int64_t newest = migrations().empty() ? 0 : migrations().back().first;
    if (current > newest) {
      return fail(ErrorCode::kFailedPrecondition, "db",
                  path + " has schema version " + std::to_string(current) +
                      ", newer than this patron (" + std::to_string(newest) + "); upgrade patron");
    }
    for (const auto& [version, sql] : migrations()) {
      if (version <= current) continue;
      std::string text(sql);  // embedded migrations are not NUL-terminated views
      if (auto r = store.exec(text.c_str()); !r) {
        return fail(ErrorCode::kStorage, "db",
                    "migration " + std::to_string(version) + " failed: " + r.error().message);
      }
      auto ins = store.prepare("INSERT INTO schema_version (version) VALUES (?)");
      if (!ins) return std::unexpected(ins.error());
      ins->bind(int64_t{version});
      if (auto r = ins->run(); !r) return r;
    }
    return store.exec("COMMIT");
  };
  auto result = run();
  if (!result) store.rollback();
  return result;
}

// Runs PASSIVE checkpoints on its own connection: they copy committed WAL
// frames into the database without blocking the writer or readers.
//
// The WAL only starts over when a write transaction begins with every frame
// copied back, which a writer committing back to back never sees: without
// help the file grows without bound. So a commit that leaves
// `restart_frames` or more in the log marks a restart due, and the writer's
// next transaction first finishes the copy itself, with a PASSIVE checkpoint
// on its own connection (the writer adds nothing meanwhile); that
// transaction then rewinds the log. The catch-up stalls the writer for its
// copy and two fsyncs (7-71 ms measured: random page writes), so it is only
// marked when this thread's last checkpoint left little to copy
// (kLagFrames), and this thread is woken to run one sooner otherwise; past
// 4 x restart_frames it is marked whatever the lag, which bounds the file.
// The batch whose commit marked it is answered before the stall. PASSIVE
// never waits: a busy checkpoint lock, or a reader on an older snapshot,
// postpones the restart to a later commit.
class Checkpointer {
 public:
  Checkpointer(sqlite3* db, std::chrono::milliseconds interval, int64_t restart_frames)
      : db_(db), interval_(interval), restart_frames_(restart_frames) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Checkpointer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }

  // Installs the commit hook on a connection of the factory; `due` is set
  // when the connection's next transaction should restart the log.
  std::atomic<bool>* watch(sqlite3* db) {
    if (restart_frames_ <= 0) return nullptr;
    sqlite3_wal_hook(db, &Checkpointer::on_commit, this);
    return &restart_due_;
  }

 private:
  static constexpr int64_t kLagFrames = 1024;

  // SQLite's WAL hook: called after each commit with the frames in the log.
  static int on_commit(void* self, sqlite3*, const char*, int frames) {
    auto* c = static_cast<Checkpointer*>(self);
    // Fewer frames than at the last commit: the log started over.
    uint32_t generation = c->generation_.load(std::memory_order_relaxed);
    if (frames < c->last_frames_.exchange(frames, std::memory_order_relaxed)) {
      generation = c->generation_.fetch_add(1, std::memory_order_relaxed) + 1;
    }
    if (frames < c->restart_frames_) return SQLITE_OK;
    uint64_t copied = c->copied_.load(std::memory_order_acquire);
    bool small_lag = static_cast<uint32_t>(copied >> 32) == generation &&
                     frames - static_cast<int64_t>(copied & 0xffffffffu) <= kLagFrames;
    if (small_lag || frames >= 4 * c->restart_frames_) {
      c->restart_due_.store(true, std::memory_order_relaxed);
    } else {
      {
        std::lock_guard lock(c->mutex_);
        c->soon_ = true;
      }
      c->wake_.notify_one();
    }
    return SQLITE_OK;
  }

  void loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, interval_, [this] { return stopping_ || soon_; });
      if (stopping_) break;
      soon_ = false;
      lock.unlock();
      // Busy (another checkpoint) or nothing to do are both fine; errors
      // surface in the writer's own commits. What was copied is published
      // for the commit hook, tagged with the log's generation (a result that
      // straddles a restart is dropped).
      uint32_t generation = generation_.load(std::memory_order_relaxed);
      int log = 0;
      int copied = 0;
      if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) ==
              SQLITE_OK &&
          copied >= 0 && generation == generation_.load(std::memory_order_relaxed)) {
        copied_.store(uint64_t{generation} << 32 | static_cast<uint32_t>(copied),
                      std::memory_order_release);
      }
      lock.lock();
    }
  }

  sqlite3* db_;
  std::chrono::milliseconds interval_;
  const int64_t restart_frames_;
  std::atomic<int> last_frames_{0};
  std::atomic<uint32_t> generation_{0};
  std::atomic<uint64_t> copied_{0};  // generation << 32 | frames copied by loop()
  std::atomic<bool> restart_due_{false};
  std::mutex mutex_;  // guards stopping_ and soon_
  std::condition_variable wake_;
  bool stopping_ = false;
  bool soon_ = false;
  std::thread thread_;
};

// `anchor`, when given, is a connection held open for the factory's
// lifetime: a memdb database (open_sqlite_memory) lives while a connection
// to it does.
class SqliteFactory final : public app::StoreFactory {
 public:
  SqliteFactory(std::string path, SqliteOptions options, std::unique_ptr<Checkpointer> checkpointer,
                sqlite3* anchor = nullptr)
      : path_(std::move(path)),
        options_(options),
        checkpointer_(std::move(checkpointer)),
        anchor_(anchor) {}
  ~SqliteFactory() override { sqlite3_close_v2(anchor_); }  // a no-op for null
  Result<std::unique_ptr<app::Store>> open() override {
    auto db = open_connection(path_, options_);
    if (!db) return std::unexpected(db.error());
    auto store = std::make_unique<SqliteStore>(*db);
    if (checkpointer_) store->restart_wal_when(checkpointer_->watch(*db));
    return std::unique_ptr<app::Store>(std::move(store));
  }

 private:
  std::string path_;
  SqliteOptions options_;
  std::unique_ptr<Checkpointer> checkpointer_;
  sqlite3* anchor_;
};

}  // namespace

Result<std::unique_ptr<app::StoreFactory>> open_sqlite_memory() {
  static std::atomic<uint64_t> next{0};
  const std::string uri = "file:/patron-memory-" + std::to_string(getpid()) + "-" +
                          std::to_string(next.fetch_add(1)) + "?vfs=memdb";
  SqliteOptions options;
  options.in_memory = true;
  options.synchronous_full = false;
  options.cache_kib = 16 * 1024;
  auto anchor = open_connection(uri, options);
  if (!anchor) return std::unexpected(anchor.error());
  // memdb stops a database at 1 GiB unless told otherwise: bounded by the
  // machine's memory instead (a replay fails with "database or disk is
  // full" only when that is short).
  sqlite3_int64 size_limit = sqlite3_int64{1} << 40;
  sqlite3_file_control(*anchor, "main", SQLITE_FCNTL_SIZE_LIMIT, &size_limit);
  auto migrated = open_connection(uri, options);
  if (!migrated) {
    sqlite3_close_v2(*anchor);
    return std::unexpected(migrated.error());
  }
  if (auto r = migrate(*migrated, uri); !r) {
    sqlite3_close_v2(*anchor);
    return std::unexpected(r.error());
  }
  return std::unique_ptr<app::StoreFactory>(
      std::make_unique<SqliteFactory>(uri, options, nullptr, *anchor));
}

int sqlite_schema_version() {
  return migrations().empty() ? 0 : migrations().back().first;
}

Result<std::unique_ptr<app::StoreFactory>> open_sqlite(const std::string& path,
                                                       SqliteOptions options) {
  auto db = open_connection(path, options);
  if (!db) return std::unexpected(db.error());
  // SqliteStore closes the connection when the migration is done.
  if (auto r = migrate(*db, path); !r) return std::unexpected(r.error());
  std::unique_ptr<Checkpointer> checkpointer;
  if (options.background_checkpoint) {
    // Checkpoints only write: no memory map (it would count in RSS once more)
    // and a small cache.
    SqliteOptions quiet = options;
    quiet.mmap_bytes = 0;
    quiet.cache_kib = 2 * 1024;
    auto cdb = open_connection(path, quiet);
    if (!cdb) return std::unexpected(cdb.error());
    checkpointer = std::make_unique<Checkpointer>(
        *cdb, std::chrono::milliseconds(options.checkpoint_interval_ms),
        options.wal_restart_frames);
  }
  return std::unique_ptr<app::StoreFactory>(
      std::make_unique<SqliteFactory>(path, options, std::move(checkpointer)));
}

}  // namespace patron::store
