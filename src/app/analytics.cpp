#include "app/analytics.h"

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "analytics/calibration.h"
#include "analytics/clv.h"
#include "analytics/cohorts.h"
#include "analytics/cooccurrence.h"
#include "analytics/rfm.h"
#include "analytics/uplift.h"
#include "app/orders.h"
#include "app/read_snapshot.h"
#include "core/limits.h"
#include "rules/campaigns.h"
#include "rules/tiers.h"

namespace patron::app {

namespace json = boost::json;

namespace {

using PurchasesOf =
    std::function<Result<void>(const std::string& member_id, std::span<const analytics::Purchase>)>;

// purchased() (app/orders.h) depends only on which lifecycle times an order
// has; it is worked out once per scan for each of the 16 combinations, so the
// scan does not build an OrderRecord per order.
class PurchaseTest {
 public:
  explicit PurchaseTest(const ResolvedProgram& program) {
    for (unsigned bits = 0; bits < kCombinations; ++bits) {
      OrderSummary probe;
      if (bits & kPaid) probe.paid_at = Instant{};
      if (bits & kFulfilled) probe.fulfilled_at = Instant{};
      if (bits & kCompleted) probe.completed_at = Instant{};
      if (bits & kCancelled) probe.cancelled_at = Instant{};
      purchased_[bits] = purchased(program, probe);
    }
  }
  bool operator()(const OrderSummary& o) const {
    return purchased_[(o.paid_at ? kPaid : 0u) | (o.fulfilled_at ? kFulfilled : 0u) |
                      (o.completed_at ? kCompleted : 0u) | (o.cancelled_at ? kCancelled : 0u)];
  }

 private:
  static constexpr unsigned kPaid = 1, kFulfilled = 2, kCompleted = 4, kCancelled = 8;
  static constexpr unsigned kCombinations = 16;
  bool purchased_[kCombinations] = {};
};

// Groups a scan's orders per member, keeping the purchases (see analytics.h):
// their time and value, all any report reads.
class MemberPurchases final : public Store::OrderVisitor {
 public:
  MemberPurchases(const ResolvedProgram& program, PurchasesOf each)
      : purchased_(program), each_(std::move(each)) {}

  Result<void> visit(const std::string& member_id, const OrderSummary& order) override {
    if (member_id != member_id_) {
      if (auto r = flush(); !r) return r;
      member_id_ = member_id;
    }
    if (order.paid_value > 0 && purchased_(order)) {
      purchases_.push_back({order.placed_at, order.paid_value});
    }
    return {};
  }
  bool reads_id_and_subtotal() const override { return false; }

  Result<void> flush() {
    Result<void> r;
    if (!purchases_.empty()) r = each_(member_id_, purchases_);
    purchases_.clear();
    return r;
  }

 private:
  PurchaseTest purchased_;
  PurchasesOf each_;
  std::string member_id_;
  std::vector<analytics::Purchase> purchases_;
};

// Calls `each` once per member with at least one purchase, in one snapshot.
Result<void> scan_purchases(Store& store, const ResolvedProgram& program, PurchasesOf each) {
  MemberPurchases grouper(program, std::move(each));
  if (auto r = store.scan_member_orders(program.program.id, grouper); !r) return r;
  return grouper.flush();
}

json::value optional_number(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

int64_t day_number(Instant t, const date::time_zone* zone) {
  return std::chrono::sys_days{local_date(t, zone)}.time_since_epoch().count();
}

std::string month_text(int64_t month) {
  auto ym = analytics::month_of(month);
  std::string y = std::to_string(static_cast<int>(ym.year()));
  unsigned m = static_cast<unsigned>(ym.month());
  return y + (m < 10 ? "-0" : "-") + std::to_string(m);
}

json::object order_kpis_json(const analytics::OrderKpis& k) {
  return json::object{{"buyers", k.buyers},
                      {"repeat_buyers", k.repeat_buyers},
                      {"orders", k.orders},
                      {"revenue", k.revenue_minor},
                      {"repurchase_rate", optional_number(k.repurchase_rate)},
                      {"average_order_value", optional_number(k.average_order_value_minor)},
                      {"purchase_frequency", optional_number(k.purchase_frequency)},
                      {"active_members", k.active_members},
                      {"churned_members", k.churned_members}};
}

json::object wallet_json(const analytics::WalletKpis& w) {
  json::object by_source;
  for (const auto& [source, value] : w.issued_by_source_minor) by_source[source] = value;
  return json::object{{"issued", w.issued_minor},
                      {"issued_by_source", std::move(by_source)},
                      {"redeemed", w.redeemed_minor},
                      {"expired", w.expired_minor},
                      {"clawed_back", w.clawed_back_minor},
                      {"written_off", w.written_off_minor},
                      {"adjusted", w.adjusted_minor},
                      {"outstanding", w.outstanding_minor},
                      {"redemption_rate", optional_number(w.redemption_rate)},
                      {"breakage_rate", optional_number(w.breakage_rate)}};
}

// The period's flows (pairs with transfers in it) and the history's, from
// one read of the store.
struct Flows {
  std::vector<analytics::AccountFlow> period;
  std::vector<analytics::AccountFlow> history;
};

Flows flows(const std::vector<Store::TransferTotal>& totals) {
  Flows out;
  out.history.reserve(totals.size());
  for (const auto& t : totals) {
    if (t.transfers > 0) out.period.push_back({t.wallet, t.from_account, t.to_account, t.amount});
    out.history.push_back({t.wallet, t.from_account, t.to_account, t.history_amount});
  }
  return out;
}

Result<json::object> wallets_json(Store& store, const ResolvedProgram& program, Instant from,
                                  Instant to) {
  auto totals = store.transfer_totals(program.program.id, from, to);
  if (!totals) return std::unexpected(totals.error());
  const Flows f = flows(*totals);
  std::vector<std::string> names;
  for (const auto& w : program.program.wallets) names.push_back(w.name);
  auto kpis = analytics::wallet_kpis(names, f.period, f.history);
  if (!kpis) return std::unexpected(kpis.error());
  json::object out;
  for (const auto& w : *kpis) out[w.wallet] = wallet_json(w);
  return out;
}

// Adds a member's RFM summary over its purchases placed before `as_of`.
Result<void> add_rfm_member(std::vector<analytics::MemberSummary>& members, const std::string& id,
                            std::span<const analytics::Purchase> list, Instant as_of) {
  analytics::MemberSummary m{{}, {}, {}, 0, 0};
  for (const auto& o : list) {
    if (o.placed_at >= as_of) continue;
    if (m.orders == 0 || o.placed_at < m.first_order_at) m.first_order_at = o.placed_at;
    if (m.orders == 0 || o.placed_at > m.last_order_at) m.last_order_at = o.placed_at;
    ++m.orders;
    if (__builtin_add_overflow(m.total_value_minor, o.value_minor, &m.total_value_minor)) {
      return fail(ErrorCode::kFailedPrecondition, "monetary", "a member's total overflows");
    }
  }
  if (m.orders > 0) {
    m.member_id = id;
    members.push_back(std::move(m));
  }
  return {};
}

// The RFM report of `members` (every segment listed, empty or not).
Result<analytics::RfmReport> rfm_of(const std::vector<analytics::MemberSummary>& members,
                                    Instant as_of) {
  if (members.empty()) {
    analytics::RfmReport report;
    for (std::size_t i = 0; i < analytics::kSegmentCount; ++i) {
      report.segments[i].segment = static_cast<analytics::Segment>(i);
    }
    return report;
  }
  return analytics::compute_rfm(members, as_of);
}

template <class Array>
void add_segments(Array& out, const analytics::RfmReport& report) {
  for (const auto& s : report.segments) {
    out.emplace_back(json::object({{"segment", analytics::to_string(s.segment)},
                                   {"members", s.members},
                                   {"value", s.value_minor}},
                                  out.storage()));
  }
}

}  // namespace

Result<json::object> kpi_report(Store& store, const ResolvedProgram& program,
                                const KpiRequest& request) {
  const Instant to =
      local_midnight_after(local_midnight(request.to, program.zone), 1, program.zone);
  const Instant from = request.from ? local_midnight(*request.from, program.zone) : Instant::min();
  analytics::KpiPeriod period{from, to, request.churn_days};
  if (auto r = analytics::validate_period(period); !r) return std::unexpected(r.error());
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  analytics::OrderKpis orders;
  std::vector<analytics::MemberSummary> rfm_members;  // KpiRequest::rfm: from the same scan
  auto scanned = scan_purchases(
      store, program,
      [&](const std::string& id, std::span<const analytics::Purchase> list) -> Result<void> {
        if (request.rfm) {
          if (auto r = add_rfm_member(rfm_members, id, list, to); !r) return r;
        }
        return analytics::add_member_purchases(orders, list, period);
      });
  if (!scanned) return std::unexpected(scanned.error());
  analytics::finish_order_kpis(orders);
  auto members = store.member_counts(program.program.id, from, to);
  if (!members) return std::unexpected(members.error());
  auto wallets = wallets_json(store, program, from, to);
  if (!wallets) return std::unexpected(wallets.error());
  json::object out{{"program", program.program.id},
                   {"from", request.from ? json::value(format_date(*request.from)) : nullptr},
                   {"to", format_date(request.to)},
                   {"churn_days", request.churn_days},
                   {"members", members->members},
                   {"new_members", members->created}};
  for (auto& [key, value] : order_kpis_json(orders)) out[key] = value;
  out["wallets"] = std::move(*wallets);
  if (request.rfm) {
    auto report = rfm_of(rfm_members, to);
    if (!report) return std::unexpected(report.error());
    json::array segments;
    add_segments(segments, *report);
    out["rfm"] = json::object{{"as_of", format_instant(to)},
                              {"members", static_cast<int64_t>(rfm_members.size())},
                              {"segments", std::move(segments)}};
  }
  return out;
}

Result<RfmResult> rfm_summary(Store& store, const ResolvedProgram& program, Instant as_of) {
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  RfmResult result;
  result.as_of = as_of;
  auto& members = result.members;
  auto scanned = scan_purchases(
      store, program,
      [&](const std::string& id, std::span<const analytics::Purchase> list) -> Result<void> {
        return add_rfm_member(members, id, list, as_of);
      });
  if (!scanned) return std::unexpected(scanned.error());
  auto report = rfm_of(members, as_of);
  if (!report) return std::unexpected(report.error());
  result.report = std::move(*report);
  return result;
}

json::object rfm_json(const RfmResult& result) {
  // A row per member, ten values each: 200,000 members make two million
  // values, built once and freed whole, so they come from one arena rather
  // than a malloc and a free each. Most of what is left (0.6 s for 200,000
  // rows, docs/benchmarks.md session 5) is touching ~100 MB for the first time.
  json::storage_ptr arena = json::make_shared_resource<json::monotonic_resource>();
  json::array rows(arena), segments(arena);
  rows.reserve(result.members.size());
  for (std::size_t i = 0; i < result.members.size(); ++i) {
    const auto& m = result.members[i];
    const auto& r = result.report.members[i];
    rows.emplace_back(json::object({{"member_id", m.member_id},
                                    {"first_order_at", format_instant(m.first_order_at)},
                                    {"last_order_at", format_instant(m.last_order_at)},
                                    {"recency_days", r.recency_days},
                                    {"frequency", r.frequency},
                                    {"monetary", r.monetary_minor},
                                    {"recency_score", r.recency_score},
                                    {"frequency_score", r.frequency_score},
                                    {"monetary_score", r.monetary_score},
                                    {"segment", analytics::to_string(r.segment)}},
                                   arena));
  }
  add_segments(segments, result.report);
  // Same storage throughout: the arrays move in, nothing is copied.
  return json::object({{"as_of", format_instant(result.as_of)},
                       {"members", std::move(rows)},
                       {"segments", std::move(segments)}},
                      arena);
}

Result<json::object> rfm_report(Store& store, const ResolvedProgram& program, Instant as_of) {
  auto result = rfm_summary(store, program, as_of);
  if (!result) return std::unexpected(result.error());
  return rfm_json(*result);
}

Result<json::object> cohort_report(Store& store, const ResolvedProgram& program) {
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  analytics::CohortBuilder builder;
  std::vector<int64_t> months;
  auto scanned = scan_purchases(
      store, program,
      [&](const std::string&, std::span<const analytics::Purchase> list) -> Result<void> {
        months.clear();
        for (const auto& o : list) {
          months.push_back(analytics::month_number(local_date(o.placed_at, program.zone)));
        }
        return builder.add_member(months);
      });
  if (!scanned) return std::unexpected(scanned.error());
  json::array cohorts;
  for (const auto& row : builder.rows()) {
    json::array active, retention;
    for (int64_t n : row.active) {
      active.push_back(n);
      retention.push_back(static_cast<double>(n) / static_cast<double>(row.members));
    }
    cohorts.push_back(json::object{{"month", month_text(row.first_month)},
                                   {"members", row.members},
                                   {"active", std::move(active)},
                                   {"retention", std::move(retention)}});
  }
  return json::object{{"by", "month"}, {"cohorts", std::move(cohorts)}};
}

namespace {

struct ClvMember {
  std::string member_id;
  analytics::CalibrationCustomer customer;
};

// The calibration summaries of every member who bought before the end day.
Result<std::vector<ClvMember>> clv_members(Store& store, const ResolvedProgram& program,
                                           int64_t end_day, int64_t& too_new) {
  std::vector<ClvMember> out;
  std::vector<analytics::PurchaseDay> days;
  auto scanned = scan_purchases(
      store, program,
      [&](const std::string& id, std::span<const analytics::Purchase> list) -> Result<void> {
        days.clear();
        for (const auto& o : list)
          days.push_back({day_number(o.placed_at, program.zone), o.value_minor});
        auto c = analytics::calibration_customer(days, end_day);
        if (!c) return Result<void>(std::unexpected(c.error()));
        if (*c) {
          out.push_back({id, **c});
        } else if (std::any_of(days.begin(), days.end(),
                               [&](auto& d) { return d.day == end_day; })) {
          ++too_new;  // bought first on the end day: T = 0
        }
        return Result<void>{};
      });
  if (!scanned) return std::unexpected(scanned.error());
  return out;
}

}  // namespace

Result<AliveProbabilities> alive_probabilities(Store& store, const ResolvedProgram& program,
                                               std::chrono::year_month_day as_of) {
  const int64_t end_day = std::chrono::sys_days{as_of}.time_since_epoch().count();
  int64_t too_new = 0;
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  auto members = clv_members(store, program, end_day, too_new);
  if (!members) return std::unexpected(members.error());
  std::vector<analytics::BgnbdCustomer> purchases;
  bool repeat = false;
  for (const auto& m : *members) {
    purchases.push_back(m.customer.purchases);
    repeat = repeat || m.customer.purchases.repeat_purchases > 0;
  }
  if (!repeat) {
    return fail(ErrorCode::kFailedPrecondition, "as_of",
                "no member has a repeat purchase: churn cannot be estimated");
  }
  auto fit = analytics::fit_bgnbd(purchases);
  if (!fit) return std::unexpected(fit.error());
  AliveProbabilities out;
  out.warning = fit->warning;
  for (const auto& m : *members) {
    auto p = analytics::bgnbd_probability_alive(fit->parameters, m.customer.purchases);
    if (!p) return std::unexpected(p.error());
    out.p_alive.emplace(m.member_id, *p);
  }
  return out;
}

namespace {

Result<json::object> clv_member_json(const ClvMember& m, const analytics::BgnbdParameters& bgnbd,
                                     const analytics::GammaGammaParameters& spend,
                                     int64_t horizon_weeks, double& total) {
  const auto& c = m.customer;
  auto expected =
      analytics::bgnbd_expected_purchases(bgnbd, c.purchases, static_cast<double>(horizon_weeks));
  if (!expected) return std::unexpected(expected.error());
  auto alive = analytics::bgnbd_probability_alive(bgnbd, c.purchases);
  if (!alive) return std::unexpected(alive.error());
  // Without a repeat the value is the population mean, which needs q > 1.
  auto value = analytics::gamma_gamma_expected_order_value(spend, c.spend);
  json::value clv = nullptr;
  if (value) {
    auto v =
        analytics::customer_lifetime_value(bgnbd, spend, c.purchases, c.spend, horizon_weeks, 0.0);
    if (!v) return std::unexpected(v.error());
    clv = *v;
    total += *v;
  }
  return json::object{{"member_id", m.member_id},
                      {"frequency", c.purchases.repeat_purchases},
                      {"recency_weeks", c.purchases.last_purchase_weeks},
                      {"age_weeks", c.purchases.age_weeks},
                      {"expected_purchases", *expected},
                      {"p_alive", *alive},
                      {"expected_order_value", value ? json::value(*value) : nullptr},
                      {"clv", clv}};
}

}  // namespace

Result<json::object> clv_report(Store& store, const ResolvedProgram& program,
                                const ClvRequest& request) {
  if (request.horizon_weeks < 1 || request.horizon_weeks > analytics::kHorizonWeeksMax) {
    return fail(ErrorCode::kInvalidArgument, "horizon_weeks",
                "must be between 1 and " + std::to_string(analytics::kHorizonWeeksMax));
  }
  const int64_t end_day = std::chrono::sys_days{request.calibration_end}.time_since_epoch().count();
  int64_t too_new = 0;
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  auto members = clv_members(store, program, end_day, too_new);
  if (!members) return std::unexpected(members.error());
  std::vector<analytics::BgnbdCustomer> purchases;
  std::vector<analytics::GammaGammaCustomer> repeaters;
  for (const auto& m : *members) {
    purchases.push_back(m.customer.purchases);
    if (m.customer.spend.repeat_transactions > 0) repeaters.push_back(m.customer.spend);
  }
  if (repeaters.empty()) {
    return fail(ErrorCode::kFailedPrecondition, "calibration_end",
                "no member has a repeat purchase by that date: the models cannot be fitted");
  }
  auto bgnbd = analytics::fit_bgnbd(purchases);
  if (!bgnbd) return std::unexpected(bgnbd.error());
  auto spend = analytics::fit_gamma_gamma(repeaters);
  if (!spend) return std::unexpected(spend.error());
  const auto& b = bgnbd->parameters;
  const auto& g = spend->parameters;
  std::string warning;
  if (!bgnbd->warning.empty()) warning = "bgnbd: " + bgnbd->warning;
  if (!spend->warning.empty()) {
    warning += (warning.empty() ? "gamma_gamma: " : "; gamma_gamma: ") + spend->warning;
  }
  json::array rows;
  double total = 0;
  for (const auto& m : *members) {
    auto row = clv_member_json(m, b, g, request.horizon_weeks, total);
    if (!row && !warning.empty()) {
      // At parameters that ran off a forecast's series may not converge:
      // say why the fit is at fault rather than only that a series failed.
      return fail(
          ErrorCode::kFailedPrecondition, "calibration_end",
          "the models cannot forecast from this sample (" + warning + "): " + row.error().message);
    }
    if (!row) return std::unexpected(row.error());
    rows.push_back(std::move(*row));
  }
  return json::object{
      {"calibration_end", format_date(request.calibration_end)},
      {"horizon_weeks", request.horizon_weeks},
      {"members_fitted", static_cast<int64_t>(purchases.size())},
      {"members_repeat", static_cast<int64_t>(repeaters.size())},
      {"members_too_new", too_new},
      {"bgnbd", json::object{{"r", b.r},
                             {"alpha", b.alpha},
                             {"a", b.a},
                             {"b", b.b},
                             {"log_likelihood", bgnbd->log_likelihood}}},
      {"gamma_gamma", json::object{{"p", g.p}, {"q", g.q}, {"v", g.scale}}},
      {"fit_warning", warning.empty() ? json::value(nullptr) : json::value(warning)},
      {"total_clv", total},
      {"members", std::move(rows)}};
}

namespace {

std::vector<std::string> program_wallets(const ResolvedProgram& program) {
  std::vector<std::string> names;
  for (const auto& w : program.program.wallets) names.push_back(w.name);
  return names;
}

std::vector<analytics::AccountFlow> history_flows(const std::vector<Store::TransferTotal>& totals) {
  return flows(totals).history;
}

// A lot is usable until expires_at (exclusive): it expires in the month of
// its last usable second.
int64_t expiry_month(Instant expires_at, const date::time_zone* zone) {
  return analytics::month_number(local_date(expires_at - std::chrono::seconds{1}, zone));
}

json::object bucket_json(const analytics::ExpiryBucket& b) {
  return json::object{
      {"expiry_month", b.expiry_month ? json::value(month_text(*b.expiry_month)) : nullptr},
      {"lots", b.lots},
      {"available", b.available_minor},
      {"pending", b.pending_minor},
      {"remaining", b.remaining_minor},
      {"past_expiry", b.past_expiry_minor},
      {"expected_breakage", b.expected_breakage_minor}};
}

json::object liability_json(const analytics::WalletLiability& w) {
  json::array buckets;
  for (const auto& b : w.buckets) buckets.push_back(bucket_json(b));
  return json::object{{"available", w.available_minor},
                      {"pending", w.pending_minor},
                      {"held", w.held_minor},
                      {"debt", w.debt_minor},
                      {"outstanding", w.outstanding_minor},
                      {"redeemed_to_date", w.history_redeemed_minor},
                      {"expired_to_date", w.history_expired_minor},
                      {"breakage_rate", optional_number(w.breakage_rate)},
                      {"expected_breakage", w.expected_breakage_minor},
                      {"by_expiry", std::move(buckets)}};
}

Result<json::object> liability_wallets(Store& store, const ResolvedProgram& program, Instant at) {
  auto balances = store.lot_balances(program.program.id, at);
  if (!balances) return std::unexpected(balances.error());
  auto totals = store.transfer_totals(program.program.id, Instant::min(), at);
  if (!totals) return std::unexpected(totals.error());
  std::vector<analytics::LotValue> lots;
  lots.reserve(balances->size());
  for (const auto& b : *balances) {
    analytics::LotValue v;
    v.wallet = b.wallet;
    if (b.expires_at) v.expiry_month = expiry_month(*b.expires_at, program.zone);
    v.past_expiry = b.expires_at && *b.expires_at <= at;
    v.lots = b.lots;
    v.available_minor = b.available;
    v.pending_minor = b.pending;
    v.held_minor = b.held;
    lots.push_back(std::move(v));
  }
  const auto names = program_wallets(program);
  auto wallets = analytics::wallet_liability(names, lots, history_flows(*totals));
  if (!wallets) return std::unexpected(wallets.error());
  json::object out;
  for (const auto& w : *wallets) out[w.wallet] = liability_json(w);
  return out;
}

Result<std::vector<JournalMonth>> journal(Store& store, const ResolvedProgram& program,
                                          const JournalPeriod& period) {
  using std::chrono::sys_days;
  using std::chrono::year_month;
  const sys_days first{period.from}, last{period.to};
  if (first > last) return fail(ErrorCode::kInvalidArgument, "from", "must not be after to");
  const year_month from_month = period.from.year() / period.from.month();
  const year_month to_month = period.to.year() / period.to.month();
  if ((to_month - from_month).count() + 1 > kJournalMonthsMax) {
    return fail(ErrorCode::kInvalidArgument, "from",
                "the journal spans more than " + std::to_string(kJournalMonthsMax) + " months");
  }
  const auto names = program_wallets(program);
  std::vector<JournalMonth> out;
  for (year_month ym = from_month; ym <= to_month; ym += std::chrono::months{1}) {
    const sys_days month_first{ym / 1}, month_last{ym / std::chrono::last};
    JournalMonth m;
    m.month = month_text(analytics::month_number(ym / 1));
    m.first_day = std::max(month_first, first);
    m.last_day = std::min(month_last, last);
    const Instant start = local_midnight(m.first_day, program.zone);
    const Instant end =
        local_midnight_after(local_midnight(m.last_day, program.zone), 1, program.zone);
    auto totals = store.transfer_totals(program.program.id, start, end);
    if (!totals) return std::unexpected(totals.error());
    const Flows f = flows(*totals);
    auto rows = analytics::journal_rows(names, f.period, f.history);
    if (!rows) return std::unexpected(rows.error());
    m.rows = std::move(*rows);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

Result<JournalPeriod> journal_period(std::chrono::year_month_day at,
                                     std::optional<std::chrono::year_month_day> from,
                                     std::optional<std::chrono::year_month_day> to) {
  JournalPeriod period;
  period.to = to.value_or(at);
  const auto first_month = period.to.year() / period.to.month() - std::chrono::months{11};
  period.from = from.value_or(first_month / 1);
  if (std::chrono::sys_days{period.from} > std::chrono::sys_days{period.to}) {
    return fail(ErrorCode::kInvalidArgument, "from", "must not be after to");
  }
  return period;
}

Result<LiabilityResult> liability_report(Store& store, const ResolvedProgram& program,
                                         const LiabilityRequest& request) {
  const Instant at =
      local_midnight_after(local_midnight(request.at, program.zone), 1, program.zone);
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  LiabilityResult result;
  if (request.journal) {
    auto months = journal(store, program, *request.journal);
    if (!months) return std::unexpected(months.error());
    result.journal = std::move(*months);
  }
  auto wallets = liability_wallets(store, program, at);
  if (!wallets) return std::unexpected(wallets.error());
  result.report = json::object{{"program", program.program.id},
                               {"at", format_date(request.at)},
                               {"as_of", format_instant(at)},
                               {"wallets", std::move(*wallets)}};
  return result;
}

std::string journal_csv(const std::vector<JournalMonth>& months) {
  // Wallet names are identifiers ([a-z0-9_]); quoted anyway if one is not.
  auto field = [](const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  };
  std::string out =
      "month,wallet,from,to,opening,issued,redeemed,expired,clawed_back,written_off,adjusted,"
      "closing\n";
  for (const auto& m : months) {
    for (const auto& r : m.rows) {
      out += m.month + "," + field(r.wallet) + "," + format_date(m.first_day) + "," +
             format_date(m.last_day);
      for (int64_t v :
           {r.opening_minor, r.issued_minor, r.redeemed_minor, r.expired_minor, r.clawed_back_minor,
            r.written_off_minor, r.adjusted_minor, r.closing_minor}) {
        out += "," + std::to_string(v);
      }
      out += "\n";
    }
  }
  return out;
}

namespace {

// The basket of an order: the distinct SKUs of its lines with units not
// refunded, reward lines left out; empty unless the order is a purchase.
void basket_of(const PurchaseTest& purchased, const OrderRecord& o,
               std::vector<std::string>& items) {
  items.clear();
  if (o.order.member_id.empty()) return;
  if (!purchased(order_times(o)) || rules::paid_value(o.order, o.refunded_amount) <= 0) return;
  for (const auto& line : o.order.lines) {
    if (line.reward || line.sku.empty() || line.quantity - line.refunded_quantity <= 0) continue;
    items.push_back(line.sku);
  }
}

json::object recommendation_json(const analytics::Recommendation& r, bool member) {
  json::object out{{"sku", r.item},
                   {"orders_together", r.together},
                   {"orders", r.orders},
                   {"confidence", r.confidence},
                   {"lift", r.lift}};
  if (member) out["because_of"] = r.because_of;
  return out;
}

}  // namespace

Result<json::object> recommend_report(Store& store, const ResolvedProgram& program,
                                      const RecommendRequest& request) {
  if (request.sku.empty() == request.member_id.empty()) {
    return fail(ErrorCode::kInvalidArgument, "sku", "give exactly one of sku and member");
  }
  if (request.limit < 1 || request.limit > kRecommendLimitMax) {
    return fail(ErrorCode::kInvalidArgument, "limit",
                "must be between 1 and " + std::to_string(kRecommendLimitMax));
  }
  const PurchaseTest purchased(program);
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  const std::string& id = program.program.id;
  std::vector<std::string> items;
  std::set<std::string> anchors;
  if (request.sku.empty()) {
    auto member = store.find_member(id, request.member_id);
    if (!member) return std::unexpected(member.error());
    if (!*member) return fail(ErrorCode::kNotFound, "member", "no member " + request.member_id);
    auto orders = store.member_orders(id, request.member_id);
    if (!orders) return std::unexpected(orders.error());
    for (const auto& o : *orders) {
      basket_of(purchased, o, items);
      anchors.insert(items.begin(), items.end());
    }
  } else {
    anchors.insert(request.sku);
  }
  analytics::CoOccurrence counts(anchors);
  PageRequest page;
  page.limit = limits::kPageSizeMax;
  for (;;) {
    auto orders = store.orders_page(id, page);
    if (!orders) return std::unexpected(orders.error());
    for (const auto& o : *orders) {
      basket_of(purchased, o, items);
      if (auto r = counts.add_basket(items); !r) return std::unexpected(r.error());
    }
    if (orders->size() < page.limit) break;
    page.after = orders->back().order.id;
  }
  const auto limit = static_cast<std::size_t>(request.limit);
  json::array rows;
  const bool member = request.sku.empty();
  for (const auto& r : member ? counts.for_anchors(limit) : counts.for_item(request.sku, limit)) {
    rows.push_back(recommendation_json(r, member));
  }
  json::object out{{"baskets", counts.baskets()}};
  if (member) {
    json::array bought;
    for (const auto& sku : anchors) bought.push_back(json::value(sku));
    out["member_id"] = request.member_id;
    out["bought"] = std::move(bought);
  } else {
    out["sku"] = request.sku;
    out["orders"] = counts.orders_with(request.sku);
  }
  out["items"] = std::move(rows);
  return out;
}

namespace {

json::object group_json(const analytics::GroupOutcome& g, const UseTotals& recorded) {
  return json::object{{"members", g.members()},
                      {"repurchasers", g.buyers()},
                      {"repurchase_rate", optional_number(g.buyer_share())},
                      {"revenue", g.revenue_minor()},
                      {"revenue_per_member", optional_number(g.mean_revenue())},
                      {"orders_recorded", recorded.count}};
}

json::object difference_json(const analytics::Difference& d, bool welch) {
  json::object out{{"estimate", optional_number(d.estimate)},
                   {"ci_low", optional_number(d.low)},
                   {"ci_high", optional_number(d.high)},
                   {"p_value", optional_number(d.p_value)}};
  if (welch) out["degrees_of_freedom"] = optional_number(d.degrees_of_freedom);
  return out;
}

// The campaign's window as instants: the request's days, else its own.
Result<std::pair<Instant, Instant>> uplift_window(const ResolvedProgram& program,
                                                  const rules::Campaign& c,
                                                  const UpliftRequest& request) {
  std::optional<Instant> from = c.starts, to = c.ends;
  if (request.from) from = local_midnight(*request.from, program.zone);
  if (request.to) {
    to = local_midnight_after(local_midnight(*request.to, program.zone), 1, program.zone);
  }
  if (!from) return fail(ErrorCode::kInvalidArgument, "from", "the campaign has no start");
  if (!to) return fail(ErrorCode::kInvalidArgument, "to", "the campaign has no end");
  if (*from >= *to) return fail(ErrorCode::kInvalidArgument, "from", "must be before to");
  return std::pair{*from, *to};
}

}  // namespace

Result<json::object> uplift_report(Store& store, const ResolvedProgram& program,
                                   const UpliftRequest& request) {
  const auto& campaigns = program.program.rules.campaigns;
  auto c = std::find_if(campaigns.begin(), campaigns.end(),
                        [&](const rules::Campaign& x) { return x.id == request.campaign; });
  if (c == campaigns.end()) {
    return fail(ErrorCode::kNotFound, "campaign", "no campaign " + request.campaign);
  }
  if (c->holdout_bp == 0) {
    return fail(ErrorCode::kFailedPrecondition, "campaign",
                "campaign " + c->id + " has no holdout group");
  }
  auto window = uplift_window(program, *c, request);
  if (!window) return std::unexpected(window.error());
  const auto [from, to] = *window;
  ReadSnapshot snapshot(store);
  if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
  analytics::GroupOutcome treated, control;
  const std::string& id = program.program.id;
  auto scanned = scan_purchases(
      store, program,
      [&](const std::string& member, std::span<const analytics::Purchase> list) -> Result<void> {
        bool before = false, bought = false;
        int64_t revenue = 0;
        for (const auto& p : list) {
          if (p.placed_at < from) before = true;
          if (p.placed_at < from || p.placed_at >= to) continue;
          bought = true;
          if (__builtin_add_overflow(revenue, p.value_minor, &revenue)) {
            return fail(ErrorCode::kFailedPrecondition, "revenue", "a member's sum overflows");
          }
        }
        if (!before) return Result<void>{};  // not a customer when it started
        auto& group = rules::in_holdout(*c, id, member) ? control : treated;
        return group.add_member(bought, revenue);
      });
  if (!scanned) return std::unexpected(scanned.error());
  auto treated_uses = store.rule_totals(id, c->id);
  if (!treated_uses) return std::unexpected(treated_uses.error());
  auto control_uses = store.rule_totals(id, c->id + "#control");
  if (!control_uses) return std::unexpected(control_uses.error());
  return json::object{{"campaign", c->id},
                      {"holdout_share", static_cast<double>(c->holdout_bp) / 10000.0},
                      {"from", format_instant(from)},
                      {"to", format_instant(to)},
                      {"treated", group_json(treated, *treated_uses)},
                      {"control", group_json(control, *control_uses)},
                      {"repurchase_rate_difference",
                       difference_json(analytics::proportion_difference(treated, control), false)},
                      {"revenue_per_member_difference",
                       difference_json(analytics::welch_difference(treated, control), true)}};
}

}  // namespace patron::app
