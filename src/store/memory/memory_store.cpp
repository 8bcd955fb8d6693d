#include "store/memory/memory_store.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "core/limits.h"
#include "ledger/wallet_ledger.h"
#include "rules/tiers.h"
#include "store/codec.h"

namespace patron::store {

namespace {

using app::CommandWrite;
using app::IdempotencyRecord;
using app::Member;
using app::Program;

// Rows of `log` (ascending ids) of one program below the cursor, newest first.
template <class T>
Result<std::vector<T>> newest_first(const std::vector<T>& log, const std::string& program_id,
                                    const app::PageRequest& request) {
  auto before = id_cursor(request.after);
  if (!before) return std::unexpected(before.error());
  std::size_t limit = page_limit(request.limit);
  std::vector<T> out;
  for (auto it = log.rbegin(); it != log.rend() && out.size() < limit; ++it) {
    if (it->program_id == program_id && it->id < *before) out.push_back(*it);
  }
  return out;
}

struct WalletKey {
  std::string program_id, member_id, wallet;
  friend auto operator<=>(const WalletKey&, const WalletKey&) = default;
};

struct WalletRows {
  std::map<int64_t, ledger::Lot> lots;
  std::map<int64_t, ledger::Hold> holds;
  std::map<int64_t, ledger::Redemption> redemptions;
  std::vector<ledger::Transfer> transfers;
  int64_t debt = 0;
};

struct Data {
  std::map<std::string, Program> programs;
  std::map<std::pair<std::string, std::string>, Member> members;
  std::map<WalletKey, WalletRows> wallets;
  std::map<std::pair<std::string, int64_t>, app::HoldRef> hold_refs;
  std::map<std::pair<std::string, std::string>, IdempotencyRecord> idempotency;
  app::IdHighWater high_water;
  std::map<std::string, app::ApiKey> api_keys;               // by id
  std::map<std::string, std::string> api_key_ids_by_secret;  // secret_hash -> id
  std::vector<app::AuditEntry> audit;                        // ascending id
  std::vector<app::JobRun> job_runs;                         // ascending id
  int64_t last_audit_id = 0;
  int64_t last_job_run_id = 0;
  std::map<std::pair<std::string, int64_t>, app::ProgramVersion> program_versions;
  std::map<std::pair<std::string, std::string>, app::OrderRecord> orders;  // (program, order id)
  // (program, member, rule, key): the SQLite primary key, so a member's uses
  // of one rule are adjacent.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, app::RuleUse> rule_uses;
  std::map<std::pair<std::string, std::string>, app::UseTotals> rule_totals;  // (program, rule)
  // (program, referral code) -> member id, for non-empty codes: the SQLite
  // partial unique index members_by_referral_code.
  std::map<std::pair<std::string, std::string>, std::string> referral_codes;
  std::map<std::pair<std::string, std::string>, app::Referral> referrals;  // (program, referee)
  std::map<std::pair<std::string, std::string>, app::CouponBatch> coupon_batches;  // (program, id)
  std::map<std::pair<std::string, std::string>, app::Coupon> coupons;  // (program, code)
  std::map<std::pair<std::string, int64_t>, app::RewardRedemption> reward_redemptions;
  // (program, code, order): the SQLite primary key.
  std::map<std::tuple<std::string, std::string, std::string>, app::CouponRedemption>
      coupon_redemptions;
  std::map<std::pair<std::string, std::string>, app::Cart> carts;
  std::map<std::pair<std::string, std::string>, app::Product> products;
  std::vector<app::OutboxEvent> events;                                           // ascending id
  std::map<std::pair<std::string, std::string>, app::WebhookEndpoint> endpoints;  // (program, id)
  std::map<int64_t, app::WebhookDelivery> deliveries;                             // by id
  int64_t last_delivery_id = 0;
};

bool referral_state_known(const std::string& state) {
  return state == "pending" || state == "review" || state == "rewarded" || state == "rejected";
}

struct Shared {
  std::mutex mutex;  // guards data
  Data data;
  std::mutex writer;  // held from begin() to commit()/rollback(): one writer at a time
};

class MemoryStore final : public app::Store {
 public:
  explicit MemoryStore(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  Result<std::vector<Program>> programs() override {
    return read([](const Data& d) {
      std::vector<Program> out;
      for (const auto& [id, p] : d.programs) out.push_back(p);
      return out;
    });
  }

  Result<void> put_program(const Program& program) override {
    if (!working_ || !writer_.owns_lock()) return not_in_transaction();
    working_->programs[program.id] = program;
    return {};
  }

  Result<std::vector<app::ProgramVersion>> program_versions(
      const std::string& program_id) override {
    return read([&](const Data& d) {
      std::vector<app::ProgramVersion> out;
      for (const auto& [key, v] : d.program_versions) {
        if (key.first == program_id) out.push_back(v);
      }
      return out;
    });
  }

  Result<std::string> programs_fingerprint() override {
    return read([](const Data& d) {
      std::string out;
      for (const auto& [id, p] : d.programs) out += id + ":" + std::to_string(p.version) + ",";
      return out;
    });
  }

  Result<std::optional<Member>> find_member(const std::string& program_id,
                                            const std::string& member_id) override {
    return read([&](const Data& d) -> std::optional<Member> {
      auto it = d.members.find({program_id, member_id});
      if (it == d.members.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<ledger::WalletState> load_wallet(const std::string& program_id,
                                          const std::string& member_id, const std::string& wallet,
                                          const app::LoadHint& hint) override {
    return read([&](const Data& d) {
      ledger::WalletState state;
      state.wallet = wallet;
      auto it = d.wallets.find({program_id, member_id, wallet});
      if (it == d.wallets.end()) return state;
      const WalletRows& rows = it->second;
      state.debt = rows.debt;
      std::set<int64_t> lot_ids;
      for (const auto& [id, h] : rows.holds) {
        bool wanted = h.state == ledger::HoldState::kOpen || id == hint.hold_id ||
                      (!hint.order_id.empty() && h.order_id == hint.order_id);
        if (!wanted) continue;
        state.holds.push_back(h);
        for (const auto& a : h.allocations) lot_ids.insert(a.lot_id);
      }
      if (!hint.order_id.empty()) {
        for (const auto& [id, r] : rows.redemptions) {
          if (r.order_id != hint.order_id) continue;
          state.redemptions.push_back(r);
          for (const auto& a : r.allocations) lot_ids.insert(a.lot_id);
        }
      }
      for (const auto& [id, lot] : rows.lots) {
        bool wanted = lot.state != ledger::LotState::kExpired || lot_ids.count(id) ||
                      (!hint.order_id.empty() && lot.order_id == hint.order_id);
        if (wanted) state.lots.push_back(lot);
      }
      if (hint.partial_at)
        return ledger::leave_out(std::move(state), hint.order_id, *hint.partial_at);
      return state;
    });
  }

  Result<ledger::WalletState> load_wallet_history(const std::string& program_id,
                                                  const std::string& member_id,
                                                  const std::string& wallet) override {
    return read([&](const Data& d) {
      ledger::WalletState state;
      state.wallet = wallet;
      auto it = d.wallets.find({program_id, member_id, wallet});
      if (it == d.wallets.end()) return state;
      state.debt = it->second.debt;
      for (const auto& [id, lot] : it->second.lots) state.lots.push_back(lot);
      for (const auto& [id, h] : it->second.holds) state.holds.push_back(h);
      for (const auto& [id, r] : it->second.redemptions) state.redemptions.push_back(r);
      return state;
    });
  }

  Result<std::vector<ledger::Transfer>> transfers(const std::string& program_id,
                                                  const std::string& member_id,
                                                  const std::string& wallet) override {
    return read([&](const Data& d) {
      auto it = d.wallets.find({program_id, member_id, wallet});
      return it == d.wallets.end() ? std::vector<ledger::Transfer>{} : it->second.transfers;
    });
  }

  Result<std::vector<ledger::Transfer>> transfers_page(const std::string& program_id,
                                                       const std::string& member_id,
                                                       const std::string& wallet, int64_t after_id,
                                                       std::size_t limit) override {
    return read([&](const Data& d) {
      std::vector<ledger::Transfer> out;
      for (const auto& [key, rows] : d.wallets) {
        if (key.program_id != program_id || key.member_id != member_id) continue;
        if (!wallet.empty() && key.wallet != wallet) continue;
        for (const auto& t : rows.transfers) {
          if (t.id > after_id) out.push_back(t);
        }
      }
      std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
      if (out.size() > page_limit(limit)) out.resize(page_limit(limit));
      return out;
    });
  }

  Result<std::optional<app::HoldRef>> find_hold(const std::string& program_id,
                                                int64_t hold_id) override {
    return read([&](const Data& d) -> std::optional<app::HoldRef> {
      auto it = d.hold_refs.find({program_id, hold_id});
      if (it == d.hold_refs.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<std::string>> members_due(const std::string& program_id,
                                               const std::string& wallet, const std::string& kind,
                                               Instant now) override {
    return read([&](const Data& d) {
      std::vector<std::string> out;
      for (const auto& [key, rows] : d.wallets) {
        if (key.program_id != program_id || key.wallet != wallet) continue;
        bool due = false;
        if (kind == "holds") {
          for (const auto& [id, h] : rows.holds) {
            due = due || (h.state == ledger::HoldState::kOpen && h.expires_at <= now);
          }
        } else {
          for (const auto& [id, lot] : rows.lots) {
            if (kind == "mature") {
              due = due || (lot.state == ledger::LotState::kPending && lot.available_at &&
                            *lot.available_at <= now);
            } else {
              due = due || (lot.state != ledger::LotState::kExpired && lot.expires_at &&
                            *lot.expires_at <= now);
            }
          }
        }
        if (due) out.push_back(key.member_id);
      }
      return out;
    });
  }

  Result<std::vector<std::string>> members_expiring(const std::string& program_id,
                                                    const std::string& wallet, Instant from,
                                                    Instant to) override {
    return read([&](const Data& d) {
      std::vector<std::string> out;  // d.wallets is ordered by (program, member, wallet)
      for (const auto& [key, rows] : d.wallets) {
        if (key.program_id != program_id || key.wallet != wallet) continue;
        bool expiring = std::any_of(rows.lots.begin(), rows.lots.end(), [&](const auto& entry) {
          const ledger::Lot& lot = entry.second;
          return lot.state == ledger::LotState::kAvailable && lot.remaining > 0 && lot.expires_at &&
                 *lot.expires_at > from && *lot.expires_at <= to;
        });
        if (expiring) out.push_back(key.member_id);
      }
      return out;
    });
  }

  Result<std::vector<DueLot>> due_lots(const std::string& program_id, const std::string& wallet,
                                       Instant now, std::size_t limit) override {
    return read([&](const Data& d) {
      std::vector<DueLot> out;
      for (const auto& [key, rows] : d.wallets) {
        if (key.program_id != program_id || key.wallet != wallet) continue;
        for (const auto& [id, lot] : rows.lots) {
          bool held_back = lot.state == ledger::LotState::kPending && !lot.available_at;
          if ((lot.state == ledger::LotState::kAvailable || held_back) && lot.expires_at &&
              *lot.expires_at <= now) {
            out.push_back(DueLot{key.member_id, lot});
          }
        }
      }
      std::sort(out.begin(), out.end(), [](const DueLot& a, const DueLot& b) {
        return std::pair(*a.lot.expires_at, a.lot.id) < std::pair(*b.lot.expires_at, b.lot.id);
      });
      if (out.size() > limit) out.resize(limit);
      return out;
    });
  }

  Result<std::vector<std::string>> member_ids(const std::string& program_id) override {
    return read([&](const Data& d) {
      std::vector<std::string> out;
      for (const auto& [key, m] : d.members) {
        if (key.first == program_id) out.push_back(key.second);
      }
      return out;
    });
  }

  Result<std::vector<Member>> members_page(const std::string& program_id,
                                           const app::PageRequest& request) override {
    return read([&](const Data& d) {
      std::size_t limit = page_limit(request.limit);
      std::vector<Member> out;
      for (auto it = d.members.upper_bound({program_id, request.after});
           it != d.members.end() && it->first.first == program_id && out.size() < limit; ++it) {
        out.push_back(it->second);
      }
      return out;
    });
  }

  Result<std::optional<app::OrderRecord>> find_order(const std::string& program_id,
                                                     const std::string& order_id) override {
    return read([&](const Data& d) -> std::optional<app::OrderRecord> {
      auto it = d.orders.find({program_id, order_id});
      if (it == d.orders.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<app::OrderRecord>> member_orders(const std::string& program_id,
                                                      const std::string& member_id) override {
    return read([&](const Data& d) {
      std::vector<app::OrderRecord> out;
      for (auto it = d.orders.lower_bound({program_id, ""});
           it != d.orders.end() && it->first.first == program_id; ++it) {
        if (it->second.order.member_id == member_id) out.push_back(it->second);
      }
      // Already in id order: a stable sort by placed_at leaves ties by id.
      std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.order.placed_at < b.order.placed_at;
      });
      return out;
    });
  }

  // Mirrors the SQLite columns: paid_value is computed as put_order writes it.
  Result<std::vector<app::OrderSummary>> member_order_summaries(
      const std::string& program_id, const std::string& member_id) override {
    return read([&](const Data& d) {
      std::vector<app::OrderSummary> out;
      for (auto it = d.orders.lower_bound({program_id, ""});
           it != d.orders.end() && it->first.first == program_id; ++it) {
        const app::OrderRecord& o = it->second;
        if (o.order.member_id != member_id) continue;
        out.push_back(app::OrderSummary{o.order.id, o.order.placed_at, o.paid_at, o.fulfilled_at,
                                        o.completed_at, o.cancelled_at, o.order.subtotal(),
                                        rules::paid_value(o.order, o.refunded_amount)});
      }
      // Already in id order: a stable sort by placed_at leaves ties by id.
      std::stable_sort(out.begin(), out.end(),
                       [](const auto& a, const auto& b) { return a.placed_at < b.placed_at; });
      return out;
    });
  }

  Result<std::vector<std::string>> members_tier_due(const std::string& program_id,
                                                    Instant now) override {
    return read([&](const Data& d) {
      std::vector<std::string> out;
      for (auto it = d.members.lower_bound({program_id, ""});
           it != d.members.end() && it->first.first == program_id; ++it) {
        const auto& until = it->second.tier.until;
        if (until && *until <= now) out.push_back(it->first.second);
      }
      return out;
    });
  }

  Result<std::vector<app::OrderRecord>> orders_page(const std::string& program_id,
                                                    const app::PageRequest& request) override {
    return read([&](const Data& d) {
      std::size_t limit = page_limit(request.limit);
      std::vector<app::OrderRecord> out;
      for (auto it = d.orders.upper_bound({program_id, request.after});
           it != d.orders.end() && it->first.first == program_id && out.size() < limit; ++it) {
        out.push_back(it->second);
      }
      return out;
    });
  }

  Result<app::UseTotals> member_rule_uses(const std::string& program_id,
                                          const std::string& member_id, const std::string& rule_id,
                                          Instant since) override {
    return read([&](const Data& d) {
      app::UseTotals out;
      for (auto it = d.rule_uses.lower_bound({program_id, member_id, rule_id, ""});
           it != d.rule_uses.end() && std::get<0>(it->first) == program_id &&
           std::get<1>(it->first) == member_id && std::get<2>(it->first) == rule_id;
           ++it) {
        if (it->second.at < since) continue;
        ++out.count;
        out.value += it->second.value;
      }
      return out;
    });
  }

  Result<bool> rule_use_exists(const std::string& program_id, const std::string& member_id,
                               const std::string& rule_id, const std::string& key) override {
    return read([&](const Data& d) {
      return d.rule_uses.count({program_id, member_id, rule_id, key}) > 0;
    });
  }

  Result<app::UseTotals> rule_totals(const std::string& program_id,
                                     const std::string& rule_id) override {
    return read([&](const Data& d) {
      auto it = d.rule_totals.find({program_id, rule_id});
      return it == d.rule_totals.end() ? app::UseTotals{} : it->second;
    });
  }

  Result<std::vector<Member>> members_born_in(const std::string& program_id,
                                              const std::vector<unsigned>& months,
                                              const std::string& rule_id,
                                              const std::string& key) override {
    return read([&](const Data& d) {
      std::vector<Member> out;
      for (auto it = d.members.lower_bound({program_id, ""});
           it != d.members.end() && it->first.first == program_id; ++it) {
        const Member& m = it->second;
        if (!m.birthday) continue;
        auto month = static_cast<unsigned>(m.birthday->month());
        if (std::find(months.begin(), months.end(), month) == months.end()) continue;
        if (d.rule_uses.count({program_id, m.id, rule_id, key})) continue;
        out.push_back(m);
      }
      return out;
    });
  }

  Result<std::vector<Member>> members_without_use(const std::string& program_id,
                                                  const std::string& rule_id,
                                                  const std::string& key,
                                                  const app::PageRequest& page) override {
    return read([&](const Data& d) {
      std::size_t limit = page_limit(page.limit);
      std::vector<Member> out;
      for (auto it = d.members.upper_bound({program_id, page.after});
           it != d.members.end() && it->first.first == program_id && out.size() < limit; ++it) {
        if (d.rule_uses.count({program_id, it->second.id, rule_id, key})) continue;
        out.push_back(it->second);
      }
      return out;
    });
  }

  Result<std::optional<std::string>> member_by_referral_code(const std::string& program_id,
                                                             const std::string& code) override {
    return read([&](const Data& d) -> std::optional<std::string> {
      if (code.empty()) return std::nullopt;
      auto it = d.referral_codes.find({program_id, code});
      if (it == d.referral_codes.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::optional<app::Referral>> find_referral(const std::string& program_id,
                                                     const std::string& referee_id) override {
    return read([&](const Data& d) -> std::optional<app::Referral> {
      auto it = d.referrals.find({program_id, referee_id});
      if (it == d.referrals.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<app::Referral>> referrals_page(const std::string& program_id,
                                                    const std::string& state,
                                                    const app::PageRequest& request) override {
    return read([&](const Data& d) {
      std::size_t limit = page_limit(request.limit);
      std::vector<app::Referral> out;
      for (auto it = d.referrals.upper_bound({program_id, request.after});
           it != d.referrals.end() && it->first.first == program_id && out.size() < limit; ++it) {
        if (state.empty() || it->second.state == state) out.push_back(it->second);
      }
      return out;
    });
  }

  Result<int64_t> referrals_qualified_since(const std::string& program_id,
                                            const std::string& referrer_id,
                                            Instant since) override {
    return read([&](const Data& d) {
      int64_t count = 0;
      for (auto it = d.referrals.lower_bound({program_id, ""});
           it != d.referrals.end() && it->first.first == program_id; ++it) {
        const app::Referral& f = it->second;
        if (f.referrer_id == referrer_id && f.state != "pending" && f.qualified_at &&
            *f.qualified_at >= since) {
          ++count;
        }
      }
      return count;
    });
  }

  Result<std::optional<app::CouponBatch>> find_coupon_batch(const std::string& program_id,
                                                            const std::string& batch_id) override {
    return read([&](const Data& d) -> std::optional<app::CouponBatch> {
      auto it = d.coupon_batches.find({program_id, batch_id});
      if (it == d.coupon_batches.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<app::CouponBatch>> coupon_batches_page(
      const std::string& program_id, const app::PageRequest& request) override {
    return read([&](const Data& d) {
      std::size_t limit = page_limit(request.limit);
      std::vector<app::CouponBatch> out;
      for (auto it = d.coupon_batches.upper_bound({program_id, request.after});
           it != d.coupon_batches.end() && it->first.first == program_id && out.size() < limit;
           ++it) {
        out.push_back(it->second);
      }
      return out;
    });
  }

  Result<std::optional<app::Coupon>> find_coupon(const std::string& program_id,
                                                 const std::string& code) override {
    return read([&](const Data& d) -> std::optional<app::Coupon> {
      auto it = d.coupons.find({program_id, code});
      if (it == d.coupons.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<app::Coupon>> coupons_page(const std::string& program_id,
                                                const std::string& batch_id,
                                                const app::PageRequest& request) override {
    return read([&](const Data& d) {
      std::size_t limit = page_limit(request.limit);
      std::vector<app::Coupon> out;
      for (auto it = d.coupons.upper_bound({program_id, request.after});
           it != d.coupons.end() && it->first.first == program_id && out.size() < limit; ++it) {
        if (it->second.batch_id == batch_id) out.push_back(it->second);
      }
      return out;
    });
  }

  Result<app::CouponUses> coupon_uses(const std::string& program_id, const std::string& code,
                                      const std::string& batch_id, const std::string& member_id,
                                      Instant now) override {
    return read([&](const Data& d) {
      app::CouponUses uses;
      for (const auto& [key, r] : d.coupon_redemptions) {
        if (r.program_id != program_id) continue;
        bool counts = r.state == "confirmed" || (r.state == "pending" && r.expires_at > now);
        if (!counts) continue;
        if (r.code == code) ++uses.code;
        if (r.batch_id == batch_id) {
          ++uses.batch;
          if (r.member_id == member_id) ++uses.member;
        }
      }
      return uses;
    });
  }

  Result<std::optional<app::RewardRedemption>> find_reward_redemption(const std::string& program_id,
                                                                      int64_t id) override {
    return read([&](const Data& d) -> std::optional<app::RewardRedemption> {
      auto it = d.reward_redemptions.find({program_id, id});
      if (it == d.reward_redemptions.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<app::RewardRedemption>> reward_redemptions_page(
      const std::string& program_id, const std::string& member_id,
      const app::PageRequest& request) override {
    auto before = id_cursor(request.after);
    if (!before) return std::unexpected(before.error());
    return read([&](const Data& d) {
      std::size_t limit = page_limit(request.limit);
      std::vector<app::RewardRedemption> out;
      auto it = d.reward_redemptions.lower_bound({program_id, *before});
      while (it != d.reward_redemptions.begin() && out.size() < limit) {
        --it;
        if (it->first.first != program_id) break;
        if (it->second.member_id == member_id) out.push_back(it->second);
      }
      return out;
    });
  }

  Result<int64_t> count_reward_redemptions(const std::string& program_id,
                                           const std::string& item_id, const std::string& member_id,
                                           Instant since) override {
    return read([&](const Data& d) {
      int64_t n = 0;
      for (const auto& [key, r] : d.reward_redemptions) {
        if (r.program_id == program_id && r.item_id == item_id && r.state == "redeemed" &&
            (member_id.empty() || r.member_id == member_id) && r.at >= since) {
          ++n;
        }
      }
      return n;
    });
  }

  // Outbox and webhooks
  Result<std::vector<app::OutboxEvent>> events_after(const std::string& program_id,
                                                     const std::string& member_id, int64_t after_id,
                                                     std::size_t limit) override {
    return read([&](const Data& d) {
      std::vector<app::OutboxEvent> out;
      std::size_t n = page_limit(limit);
      auto it = std::upper_bound(d.events.begin(), d.events.end(), after_id,
                                 [](int64_t id, const app::OutboxEvent& e) { return id < e.id; });
      for (; it != d.events.end() && out.size() < n; ++it) {
        if (it->program_id == program_id && (member_id.empty() || it->member_id == member_id)) {
          out.push_back(*it);
        }
      }
      return out;
    });
  }

  Result<std::optional<app::OutboxEvent>> find_event(const std::string& program_id,
                                                     int64_t id) override {
    return read([&](const Data& d) -> std::optional<app::OutboxEvent> {
      auto it =
          std::lower_bound(d.events.begin(), d.events.end(), id,
                           [](const app::OutboxEvent& e, int64_t want) { return e.id < want; });
      if (it == d.events.end() || it->id != id || it->program_id != program_id) {
        return std::nullopt;
      }
      return *it;
    });
  }

  Result<int64_t> last_event_id() override {
    return read([](const Data& d) { return d.events.empty() ? int64_t{0} : d.events.back().id; });
  }

  Result<std::optional<app::Product>> find_product(const std::string& program_id,
                                                   const std::string& sku) override {
    return read([&](const Data& d) -> std::optional<app::Product> {
      auto it = d.products.find({program_id, sku});
      if (it == d.products.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<app::Product>> pending_products(const std::string& program_id, Instant until,
                                                     std::size_t limit) override {
    return read([&](const Data& d) {
      std::vector<app::Product> out;
      for (const auto& [key, p] : d.products) {
        if (key.first == program_id && p.state == "pending" && p.announced_at <= until) {
          out.push_back(p);
        }
      }
      std::sort(out.begin(), out.end(), [](const app::Product& a, const app::Product& b) {
        return std::tie(a.announced_at, a.sku) < std::tie(b.announced_at, b.sku);
      });
      if (out.size() > limit) out.resize(limit);
      return out;
    });
  }

  Result<std::optional<app::Cart>> find_cart(const std::string& program_id,
                                             const std::string& cart_id) override {
    return read([&](const Data& d) -> std::optional<app::Cart> {
      auto it = d.carts.find({program_id, cart_id});
      if (it == d.carts.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<app::Cart>> idle_carts(const std::string& program_id, Instant from, Instant to,
                                            std::size_t limit) override {
    return read([&](const Data& d) {
      std::vector<app::Cart> out;
      for (const auto& [key, c] : d.carts) {
        if (key.first == program_id && !c.items.empty() && c.updated_at >= from &&
            c.updated_at < to) {
          out.push_back(c);
        }
      }
      std::sort(out.begin(), out.end(), [](const app::Cart& a, const app::Cart& b) {
        return std::tie(a.updated_at, a.id) < std::tie(b.updated_at, b.id);
      });
      if (out.size() > limit) out.resize(limit);
      return out;
    });
  }

  Result<int64_t> count_marketing_messages(const std::string& program_id,
                                           const std::string& member_id, Instant from,
                                           Instant to) override {
    return read([&](const Data& d) {
      int64_t n = 0;
      for (const app::OutboxEvent& e : d.events) {
        if (e.program_id == program_id && e.member_id == member_id && e.marketing && e.send_after &&
            *e.send_after >= from && *e.send_after < to) {
          ++n;
        }
      }
      return n;
    });
  }

  Result<std::vector<app::WebhookEndpoint>> webhook_endpoints(
      const std::string& program_id) override {
    return read([&](const Data& d) {
      std::vector<app::WebhookEndpoint> out;
      for (auto it = d.endpoints.lower_bound({program_id, ""});
           it != d.endpoints.end() && it->first.first == program_id; ++it) {
        out.push_back(it->second);
      }
      return out;
    });
  }

  Result<std::vector<app::WebhookDelivery>> due_deliveries(const std::string& program_id,
                                                           const std::string& endpoint_id,
                                                           Instant now,
                                                           std::size_t limit) override {
    return read([&](const Data& d) {
      std::vector<app::WebhookDelivery> out;
      for (const auto& [id, row] : d.deliveries) {
        if (row.program_id == program_id && row.endpoint_id == endpoint_id &&
            row.state == "pending" && row.next_attempt_at <= now) {
          out.push_back(row);
        }
      }
      std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.next_attempt_at < b.next_attempt_at;  // ties stay in id order
      });
      if (out.size() > page_limit(limit)) out.resize(page_limit(limit));
      return out;
    });
  }

  Result<std::vector<app::WebhookDelivery>> deliveries_page(
      const std::string& program_id, const std::string& endpoint_id, const std::string& state,
      const app::PageRequest& request) override {
    auto before = id_cursor(request.after);
    if (!before) return std::unexpected(before.error());
    return read([&](const Data& d) {
      std::vector<app::WebhookDelivery> out;
      std::size_t limit = page_limit(request.limit);
      for (auto it = d.deliveries.rbegin(); it != d.deliveries.rend() && out.size() < limit; ++it) {
        const auto& row = it->second;
        if (row.id < *before && row.program_id == program_id && row.endpoint_id == endpoint_id &&
            (state.empty() || row.state == state)) {
          out.push_back(row);
        }
      }
      return out;
    });
  }

  Result<std::optional<app::WebhookDelivery>> find_delivery(const std::string& program_id,
                                                            int64_t id) override {
    return read([&](const Data& d) -> std::optional<app::WebhookDelivery> {
      auto it = d.deliveries.find(id);
      if (it == d.deliveries.end() || it->second.program_id != program_id) return std::nullopt;
      return it->second;
    });
  }

  Result<std::vector<app::CouponRedemption>> order_coupon_redemptions(
      const std::string& program_id, const std::string& order_id) override {
    return read([&](const Data& d) {
      std::vector<app::CouponRedemption> out;
      for (const auto& [key, r] : d.coupon_redemptions) {
        if (r.program_id == program_id && r.order_id == order_id) out.push_back(r);
      }
      return out;
    });
  }

  Result<std::optional<app::ApiKey>> find_api_key(const std::string& secret_hash) override {
    return read([&](const Data& d) -> std::optional<app::ApiKey> {
      auto it = d.api_key_ids_by_secret.find(secret_hash);
      if (it == d.api_key_ids_by_secret.end()) return std::nullopt;
      return d.api_keys.at(it->second);
    });
  }

  Result<std::vector<app::ApiKey>> api_keys(const std::string& program_id) override {
    return read([&](const Data& d) {
      std::vector<app::ApiKey> out;
      for (const auto& [id, k] : d.api_keys) {
        if (k.program_id == program_id) out.push_back(k);
      }
      std::stable_sort(out.begin(), out.end(), [](const app::ApiKey& a, const app::ApiKey& b) {
        return a.created_at < b.created_at;  // ties stay in id order
      });
      return out;
    });
  }

  Result<std::vector<app::AuditEntry>> audit_log(const std::string& program_id,
                                                 const app::PageRequest& request) override {
    auto page = read([&](const Data& d) { return newest_first(d.audit, program_id, request); });
    if (!page) return std::unexpected(page.error());
    return std::move(*page);
  }

  Result<std::vector<app::JobRun>> job_runs(const std::string& program_id,
                                            const app::PageRequest& request) override {
    auto page = read([&](const Data& d) { return newest_first(d.job_runs, program_id, request); });
    if (!page) return std::unexpected(page.error());
    return std::move(*page);
  }

  Result<std::optional<IdempotencyRecord>> find_idempotency(const std::string& program_id,
                                                            const std::string& key) override {
    return read([&](const Data& d) -> std::optional<IdempotencyRecord> {
      auto it = d.idempotency.find({program_id, key});
      if (it == d.idempotency.end()) return std::nullopt;
      return it->second;
    });
  }

  Result<app::IdHighWater> id_high_water() override {
    return read([](const Data& d) { return d.high_water; });
  }

  Result<void> begin() override {
    if (working_) return fail(ErrorCode::kStorage, "", "transaction already open");
    writer_ = std::unique_lock(shared_->writer);
    std::lock_guard lock(shared_->mutex);
    working_ = std::make_unique<Data>(shared_->data);
    return {};
  }

  Result<void> begin_read() override {
    if (working_) return fail(ErrorCode::kStorage, "", "transaction already open");
    std::lock_guard lock(shared_->mutex);
    working_ = std::make_unique<Data>(shared_->data);
    return {};
  }

  Result<void> commit() override {
    if (!working_) return not_in_transaction();
    if (!writer_.owns_lock()) return rollback();  // a read snapshot: nothing to publish
    {
      std::lock_guard lock(shared_->mutex);
      shared_->data = std::move(*working_);
    }
    working_.reset();
    writer_.unlock();
    return {};
  }

  Result<void> rollback() override {
    working_.reset();
    if (writer_.owns_lock()) writer_.unlock();
    return {};
  }

  Result<void> apply(const CommandWrite& w) override {
    if (!working_ || !writer_.owns_lock()) return not_in_transaction();
    Data& d = *working_;
    if (w.member) {
      if (auto r = put_member(d, w.program_id, w.member_id, *w.member); !r) return r;
    }
    if (!w.wallet.empty()) {
      if (!d.members.count({w.program_id, w.member_id})) {
        return fail(ErrorCode::kStorage, "member_id", "ledger rows for an unknown member");
      }
      WalletRows& rows = d.wallets[{w.program_id, w.member_id, w.wallet}];
      for (const auto& lot : w.changes.lots) {
        auto& stored = rows.lots[lot.id];
        // Empty shares may mean "not loaded" (LoadHint): keep the stored ones.
        std::vector<ledger::LineShare> kept;
        if (lot.line_shares.empty()) kept = std::move(stored.line_shares);
        stored = lot;
        if (lot.line_shares.empty()) stored.line_shares = std::move(kept);
        d.high_water.lot = std::max(d.high_water.lot, lot.id);
      }
      for (const auto& h : w.changes.holds) {
        rows.holds[h.id] = h;
        d.hold_refs[{w.program_id, h.id}] = app::HoldRef{w.member_id, w.wallet};
        d.high_water.hold = std::max(d.high_water.hold, h.id);
      }
      for (const auto& r : w.changes.redemptions) {
        rows.redemptions[r.id] = r;
        d.high_water.redemption = std::max(d.high_water.redemption, r.id);
      }
      for (const auto& t : w.changes.transfers) {
        rows.transfers.push_back(t);
        d.high_water.transfer = std::max(d.high_water.transfer, t.id);
        d.high_water.journal = std::max(d.high_water.journal, t.journal_id);
      }
      if (w.changes.debt) rows.debt = *w.changes.debt;
    }
    if (w.idempotency) {
      auto key = std::make_pair(w.program_id, w.idempotency->key);
      if (d.idempotency.count(key)) {
        return fail(ErrorCode::kConflict, "idempotency_key", "key already recorded");
      }
      d.idempotency[key] = *w.idempotency;
    }
    if (w.api_key) {
      if (auto r = put_api_key(d, *w.api_key, w.program_id); !r) return r;
    }
    for (const auto& e : w.audit) {
      app::AuditEntry row = e;
      row.id = ++d.last_audit_id;
      if (row.program_id.empty()) row.program_id = w.program_id;
      d.audit.push_back(std::move(row));
    }
    if (w.job_run) {
      app::JobRun row = *w.job_run;
      row.id = ++d.last_job_run_id;
      if (row.program_id.empty()) row.program_id = w.program_id;
      d.job_runs.push_back(std::move(row));
    }
    if (w.program) d.programs[w.program->id] = *w.program;
    if (w.program_version) {
      const auto& v = *w.program_version;
      // Mirrors the SQLite primary key and foreign key.
      if (!d.programs.count(v.program_id) || d.program_versions.count({v.program_id, v.version})) {
        return fail(ErrorCode::kStorage, "", "program version already stored or program unknown");
      }
      d.program_versions[{v.program_id, v.version}] = v;
    }
    if (w.order) {
      app::OrderRecord row = *w.order;
      if (row.program_id.empty()) row.program_id = w.program_id;
      // Mirrors the SQLite foreign key to programs (none to members: guests).
      if (!d.programs.count(row.program_id)) {
        return fail(ErrorCode::kStorage, "program_id", "order for an unknown program");
      }
      auto key = std::make_pair(row.program_id, row.order.id);
      d.orders[key] = std::move(row);
    }
    for (const auto& u : w.rule_uses) {
      app::RuleUse row = u;
      if (row.program_id.empty()) row.program_id = w.program_id;
      if (row.member_id.empty()) row.member_id = w.member_id;
      // Mirrors the SQLite foreign key to members and the primary key.
      if (!d.members.count({row.program_id, row.member_id})) {
        return fail(ErrorCode::kStorage, "member_id", "rule use for an unknown member");
      }
      auto key = std::make_tuple(row.program_id, row.member_id, row.rule_id, row.key);
      if (d.rule_uses.count(key)) {
        return fail(ErrorCode::kStorage, "key", "rule use already recorded");
      }
      app::UseTotals& totals = d.rule_totals[{row.program_id, row.rule_id}];
      ++totals.count;
      totals.value += row.value;
      d.rule_uses.emplace(std::move(key), std::move(row));
    }
    if (w.referral) {
      app::Referral row = *w.referral;
      if (row.program_id.empty()) row.program_id = w.program_id;
      // Mirrors the SQLite foreign keys to members and the state CHECK.
      if (!d.members.count({row.program_id, row.referee_id}) ||
          !d.members.count({row.program_id, row.referrer_id})) {
        return fail(ErrorCode::kStorage, "referee_id", "referral between unknown members");
      }
      if (!referral_state_known(row.state)) {
        return fail(ErrorCode::kStorage, "state", "unknown referral state " + row.state);
      }
      auto key = std::make_pair(row.program_id, row.referee_id);
      d.referrals[key] = std::move(row);
    }
    if (w.coupon_batch) {
      app::CouponBatch row = *w.coupon_batch;
      if (row.program_id.empty()) row.program_id = w.program_id;
      auto key = std::make_pair(row.program_id, row.id);
      // An upsert that, as the SQL stores', changes only name, terms and count.
      if (auto it = d.coupon_batches.find(key); it != d.coupon_batches.end()) {
        it->second.name = std::move(row.name);
        it->second.terms = std::move(row.terms);
        it->second.count = row.count;
      } else {
        d.coupon_batches.emplace(std::move(key), std::move(row));
      }
    }
    for (app::Coupon row : w.coupons) {
      if (row.program_id.empty()) row.program_id = w.program_id;
      // Mirrors the primary key and the foreign key to the batch.
      if (!d.coupon_batches.count({row.program_id, row.batch_id})) {
        return fail(ErrorCode::kStorage, "batch_id", "coupon of an unknown batch");
      }
      auto key = std::make_pair(row.program_id, row.code);
      if (d.coupons.count(key)) return fail(ErrorCode::kStorage, "code", "coupon code exists");
      d.coupons.emplace(std::move(key), std::move(row));
    }
    for (app::CouponRedemption row : w.coupon_redemptions) {
      if (row.program_id.empty()) row.program_id = w.program_id;
      if (!d.coupons.count({row.program_id, row.code})) {
        return fail(ErrorCode::kStorage, "code", "redemption of an unknown coupon");
      }
      auto key = std::make_tuple(row.program_id, row.code, row.order_id);
      d.coupon_redemptions[key] = std::move(row);
    }
    if (w.reward_redemption) {
      app::RewardRedemption row = *w.reward_redemption;
      if (row.program_id.empty()) row.program_id = w.program_id;
      // Mirrors the CHECKs of migration 0008.
      if (row.state != "redeemed" && row.state != "refunded") {
        return fail(ErrorCode::kStorage, "state", "unknown redemption state " + row.state);
      }
      if (row.kind != "coupon" && row.kind != "gift" && row.kind != "credit") {
        return fail(ErrorCode::kStorage, "kind", "unknown redemption kind " + row.kind);
      }
      if (row.price <= 0 || row.credit_amount < 0) {
        return fail(ErrorCode::kStorage, "price", "redemption price must be positive");
      }
      auto key = std::make_pair(row.program_id, row.id);
      if (auto it = d.reward_redemptions.find(key); it != d.reward_redemptions.end()) {
        it->second.state = row.state;  // as the SQL stores' upsert
        it->second.refunded_at = row.refunded_at;
      } else {
        d.high_water.redemption = std::max(d.high_water.redemption, row.id);
        d.reward_redemptions.emplace(std::move(key), std::move(row));
      }
    }
    for (const auto& e : w.events) {
      app::OutboxEvent row = e;
      row.id = d.events.empty() ? 1 : d.events.back().id + 1;
      if (row.program_id.empty()) row.program_id = w.program_id;
      d.events.push_back(std::move(row));
    }
    if (w.product) {
      app::Product row = *w.product;
      if (row.program_id.empty()) row.program_id = w.program_id;
      // Mirrors the CHECKs of migration 0012; the upsert keeps what was announced.
      if (row.state != "pending" && row.state != "sent") {
        return fail(ErrorCode::kStorage, "state", "unknown product state " + row.state);
      }
      auto key = std::make_pair(row.program_id, row.sku);
      if (auto it = d.products.find(key); it != d.products.end()) {
        it->second.state = row.state;
        it->second.notified = row.notified;
        it->second.sent_at = row.sent_at;
      } else {
        d.products.emplace(std::move(key), std::move(row));
      }
    }
    if (w.cart) {
      app::Cart row = *w.cart;
      if (row.program_id.empty()) row.program_id = w.program_id;
      if (!d.members.count({row.program_id, row.member_id})) {
        return fail(ErrorCode::kStorage, "member_id", "FOREIGN KEY constraint failed");
      }
      auto key = std::make_pair(row.program_id, row.id);
      if (auto it = d.carts.find(key); it != d.carts.end()) row.created_at = it->second.created_at;
      d.carts[key] = std::move(row);
    }
    if (w.webhook_endpoint) {
      app::WebhookEndpoint row = *w.webhook_endpoint;
      if (row.program_id.empty()) row.program_id = w.program_id;
      if (row.max_in_flight <= 0) {
        return fail(ErrorCode::kStorage, "max_in_flight", "must be positive");
      }
      auto key = std::make_pair(row.program_id, row.id);
      if (auto it = d.endpoints.find(key); it != d.endpoints.end()) {
        row.created_at = it->second.created_at;  // as the SQL upsert keeps it
      }
      d.endpoints[key] = std::move(row);
    }
    for (const auto& delivery : w.deliveries) {
      app::WebhookDelivery row = delivery;
      if (row.program_id.empty()) row.program_id = w.program_id;
      // Mirrors the CHECKs and the unique key of migration 0009.
      if (row.state != "pending" && row.state != "delivered" && row.state != "dead") {
        return fail(ErrorCode::kStorage, "state", "unknown delivery state " + row.state);
      }
      if (row.id == 0) {
        for (const auto& [id, other] : d.deliveries) {
          if (other.program_id == row.program_id && other.endpoint_id == row.endpoint_id &&
              other.event_id == row.event_id) {
            return fail(ErrorCode::kStorage, "event_id", "the event already has a delivery");
          }
        }
        row.id = ++d.last_delivery_id;
        d.deliveries.emplace(row.id, std::move(row));
        continue;
      }
      auto it = d.deliveries.find(row.id);
      if (it == d.deliveries.end() || it->second.program_id != row.program_id) {
        return fail(ErrorCode::kStorage, "delivery", "no delivery " + std::to_string(row.id));
      }
      auto& stored = it->second;
      stored.state = row.state;
      stored.attempts = row.attempts;
      stored.next_attempt_at = row.next_attempt_at;
      stored.last_attempt_at = row.last_attempt_at;
      stored.last_status = row.last_status;
      stored.last_error = row.last_error;
      stored.last_duration_us = row.last_duration_us;
    }
    return {};
  }

  // Analytics reads (app/analytics.h). The scan copies the summaries under
  // the lock and visits them after it: this store is for tests, not big data.
  Result<void> scan_member_orders(const std::string& program_id, OrderVisitor& visitor) override {
    using Row = std::pair<std::string, app::OrderSummary>;
    auto rows = read([&](const Data& d) {
      std::vector<Row> out;
      for (auto it = d.orders.lower_bound({program_id, ""});
           it != d.orders.end() && it->first.first == program_id; ++it) {
        const app::OrderRecord& o = it->second;
        if (o.order.member_id.empty()) continue;
        out.emplace_back(o.order.member_id,
                         app::OrderSummary{o.order.id, o.order.placed_at, o.paid_at, o.fulfilled_at,
                                           o.completed_at, o.cancelled_at, o.order.subtotal(),
                                           rules::paid_value(o.order, o.refunded_amount)});
      }
      std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
        return std::tie(a.first, a.second.placed_at, a.second.id) <
               std::tie(b.first, b.second.placed_at, b.second.id);
      });
      return out;
    });
    if (!rows) return std::unexpected(rows.error());
    for (const auto& [member_id, summary] : *rows) {
      if (auto r = visitor.visit(member_id, summary); !r) return r;
    }
    return {};
  }

  Result<MemberCounts> member_counts(const std::string& program_id, Instant from,
                                     Instant to) override {
    return read([&](const Data& d) {
      MemberCounts counts;
      for (auto it = d.members.lower_bound({program_id, ""});
           it != d.members.end() && it->first.first == program_id; ++it) {
        if (it->second.created_at >= to) continue;
        ++counts.members;
        if (it->second.created_at >= from) ++counts.created;
      }
      return counts;
    });
  }

  Result<std::vector<TransferTotal>> transfer_totals(const std::string& program_id, Instant from,
                                                     Instant to) override {
    using Key = std::tuple<std::string, std::string, std::string>;
    auto sums = read([&](const Data& d) -> Result<std::map<Key, TransferTotal>> {
      std::map<Key, TransferTotal> out;
      for (auto it = d.wallets.lower_bound(WalletKey{program_id, "", ""});
           it != d.wallets.end() && it->first.program_id == program_id; ++it) {
        for (const auto& t : it->second.transfers) {
          if (t.at >= to) continue;
          // The row's wallet, as SQLite stores it (the write's, not the transfer's).
          const std::string& wallet = it->first.wallet;
          TransferTotal& sum = out[Key{wallet, t.from, t.to}];
          sum.wallet = wallet;
          sum.from_account = t.from;
          sum.to_account = t.to;
          // Mirrors the SQLite store, which fails on integer overflow.
          ++sum.history_transfers;
          if (__builtin_add_overflow(sum.history_amount, t.amount, &sum.history_amount)) {
            return fail(ErrorCode::kStorage, "", "integer overflow");
          }
          if (t.at < from) continue;
          ++sum.transfers;
          if (__builtin_add_overflow(sum.amount, t.amount, &sum.amount)) {
            return fail(ErrorCode::kStorage, "", "integer overflow");
          }
        }
      }
      return out;
    });
    if (!sums) return std::unexpected(sums.error());
    if (!*sums) return std::unexpected(sums->error());
    std::vector<TransferTotal> out;
    for (auto& [key, sum] : **sums) out.push_back(std::move(sum));
    return out;
  }

  Result<std::vector<LotBalance>> lot_balances(const std::string& program_id, Instant at) override {
    auto balances = read([&](const Data& d) -> Result<std::vector<LotBalance>> {
      std::vector<LotBalance> per_lot;
      for (auto it = d.wallets.lower_bound(WalletKey{program_id, "", ""});
           it != d.wallets.end() && it->first.program_id == program_id; ++it) {
        std::map<int64_t, LotBalance> lots;
        for (const auto& t : it->second.transfers) {
          if (t.at >= at || t.lot_id == 0) continue;
          if (auto r = post_to_lot(lots[t.lot_id], t.from, t.to, t.amount); !r) {
            return std::unexpected(r.error());
          }
        }
        for (auto& [lot_id, lot] : lots) {
          auto row = it->second.lots.find(lot_id);
          if (row == it->second.lots.end()) {
            return fail(ErrorCode::kCorruption, "", "a transfer names a missing lot");
          }
          lot.wallet = it->first.wallet;
          lot.expires_at = row->second.expires_at;
          per_lot.push_back(std::move(lot));
        }
      }
      return group_lot_balances(std::move(per_lot));
    });
    if (!balances) return std::unexpected(balances.error());
    return std::move(*balances);
  }

 private:
  template <class F>
  auto read(F f) -> Result<decltype(f(std::declval<const Data&>()))> {
    if (working_) return f(*working_);
    std::lock_guard lock(shared_->mutex);
    return f(shared_->data);
  }

  // Mirrors the SQL stores: a known key id changes only its label and
  // revocation; a new key needs a known program and an unused secret hash.
  static Result<void> put_api_key(Data& d, const app::ApiKey& key,
                                  const std::string& command_program) {
    if (auto it = d.api_keys.find(key.id); it != d.api_keys.end()) {
      it->second.label = key.label;
      it->second.revoked_at = key.revoked_at;
      return {};
    }
    app::ApiKey row = key;
    if (row.program_id.empty()) row.program_id = command_program;
    if (!d.programs.count(row.program_id)) {
      return fail(ErrorCode::kStorage, "program_id", "api key for an unknown program");
    }
    if (d.api_key_ids_by_secret.count(row.secret_hash)) {
      return fail(ErrorCode::kStorage, "secret_hash", "secret hash already in use");
    }
    d.api_key_ids_by_secret[row.secret_hash] = row.id;
    d.api_keys[row.id] = std::move(row);
    return {};
  }

  // Upserts a member, keeping the referral code index: mirrors the SQLite
  // partial unique index, so another member's non-empty code fails the write
  // (before anything changes).
  static Result<void> put_member(Data& d, const std::string& program_id,
                                 const std::string& member_id, const Member& m) {
    if (!m.referral_code.empty()) {
      auto it = d.referral_codes.find({program_id, m.referral_code});
      if (it != d.referral_codes.end() && it->second != member_id) {
        return fail(ErrorCode::kStorage, "referral_code", "referral code already in use");
      }
    }
    auto key = std::make_pair(program_id, member_id);
    if (auto old = d.members.find(key); old != d.members.end()) {
      const std::string& code = old->second.referral_code;
      if (!code.empty() && code != m.referral_code) d.referral_codes.erase({program_id, code});
    }
    if (!m.referral_code.empty()) d.referral_codes[{program_id, m.referral_code}] = member_id;
    d.members[key] = m;
    return {};
  }

  static std::unexpected<Error> not_in_transaction() {
    return fail(ErrorCode::kStorage, "", "write outside a transaction");
  }

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Data> working_;
  std::unique_lock<std::mutex> writer_;  // owned while a write transaction is open
};

class MemoryStoreFactory final : public app::StoreFactory {
 public:
  Result<std::unique_ptr<app::Store>> open() override {
    return std::unique_ptr<app::Store>(std::make_unique<MemoryStore>(shared_));
  }

 private:
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

}  // namespace

std::unique_ptr<app::StoreFactory> make_memory_store_factory() {
  return std::make_unique<MemoryStoreFactory>();
}

}  // namespace patron::store
