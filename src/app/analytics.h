// Analytics use cases (issue 8 items 1-6 and 8; docs/analytics.md defines
// every figure): program KPIs, RFM, cohorts, predictive CLV, liability,
// recommendations and holdout uplift. Each reads order
// summaries and ledger sums of one program from the store inside one read
// snapshot (begin_read .. rollback), runs the pure math of src/analytics and
// returns the report as JSON. Money is in the minor units of the program's
// currency (wallet figures in the wallet's). Calendar dates are local to the
// program time zone. Not thread-safe beyond the Store's own contract.
//
// What counts as a purchase everywhere: a member order (not a guest's) that
// reached the program's earn trigger and was not cancelled (purchased() in
// app/orders.h) and whose paid value net of refunds (rules::paid_value) is
// above 0; its value is that paid value.
//
// Fails (kInvalidArgument, field named) on a period that ends before it
// starts, churn days or a horizon out of range; (kFailedPrecondition) when a
// model cannot be fitted (no member with a repeat purchase, no convergence);
// store errors as they come.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analytics/kpis.h"
#include "analytics/liability.h"
#include "analytics/rfm.h"
#include "app/programs.h"
#include "app/store.h"

namespace patron::app {

struct KpiRequest {
  std::optional<std::chrono::year_month_day> from;  // first day; nullopt: all history
  std::chrono::year_month_day to;                   // last day, included
  int64_t churn_days = analytics::kChurnDaysDefault;
  // Also the RFM segments as of the period's end, from the same scan of the
  // orders (a dashboard's overview; rfm_summary() scans them again).
  bool rfm = false;
};

// {"program", "from", "to", "churn_days", "members", "new_members",
//  "active_members", "churned_members", "buyers", "repeat_buyers", "orders",
//  "revenue", "repurchase_rate", "average_order_value", "purchase_frequency",
//  "wallets": {NAME: {"issued", "issued_by_source", "redeemed", "expired",
//  "clawed_back", "written_off", "adjusted", "outstanding", "redemption_rate",
//  "breakage_rate"}}, "rfm" (KpiRequest::rfm only): {"as_of", "members",
//  "segments": [{"segment", "members", "value"}]}}; ratios are null when
//  undefined.
Result<boost::json::object> kpi_report(Store& store, const ResolvedProgram& program,
                                       const KpiRequest& request);

// The RFM of every member with a purchase placed before `as_of`, as values:
// the text output needs only the segments, and 200,000 JSON rows cost more
// to build than the scan and the math together.
struct RfmResult {
  Instant as_of;
  std::vector<analytics::MemberSummary> members;  // in member id order
  analytics::RfmReport report;                    // report.members[i] scores members[i]
};
Result<RfmResult> rfm_summary(Store& store, const ResolvedProgram& program, Instant as_of);

// {"as_of", "members": [{"member_id", "first_order_at", "last_order_at",
//  "recency_days", "frequency", "monetary", "recency_score", "frequency_score",
//  "monetary_score", "segment"}], "segments": [{"segment", "members", "value"}]}
boost::json::object rfm_json(const RfmResult& result);
// rfm_json(rfm_summary(...)).
Result<boost::json::object> rfm_report(Store& store, const ResolvedProgram& program, Instant as_of);

// {"by": "month", "cohorts": [{"month": "YYYY-MM", "members", "active": [...],
//  "retention": [...]}]}
Result<boost::json::object> cohort_report(Store& store, const ResolvedProgram& program);

struct ClvRequest {
  std::chrono::year_month_day calibration_end;  // the last day of the calibration period
  int64_t horizon_weeks = 0;
};

// {"calibration_end", "horizon_weeks", "members_fitted", "members_repeat",
//  "members_too_new", "bgnbd": {"r", "alpha", "a", "b", "log_likelihood"},
//  "gamma_gamma": {"p", "q", "v"}, "fit_warning", "total_clv", "members": [{"member_id",
//  "frequency", "recency_weeks", "age_weeks", "expected_purchases", "p_alive",
//  "expected_order_value", "clv"}]}; "fit_warning" is null, or says why the
// sample does not identify a model (the figures are then not to be trusted).
// Fails (kFailedPrecondition) when a forecast cannot be computed at such a fit.
Result<boost::json::object> clv_report(Store& store, const ResolvedProgram& program,
                                       const ClvRequest& request);

// P(alive) of every member who bought before `as_of` (a local day: the
// calibration end), from a BG/NBD fit of all of them: what win-back offers
// by churn probability read (app/queries.cpp winback_job). `warning` is the
// fit's (non-empty: not to be trusted). Fails (kFailedPrecondition) when no
// member has a repeat purchase.
struct AliveProbabilities {
  std::map<std::string, double> p_alive;
  std::string warning;
};
Result<AliveProbabilities> alive_probabilities(Store& store, const ResolvedProgram& program,
                                               std::chrono::year_month_day as_of);

// The deferred-revenue journal: whole local calendar months cut to [from, to].
struct JournalPeriod {
  std::chrono::year_month_day from;  // first day
  std::chrono::year_month_day to;    // last day, included
};

// The journal's period: through `to` (default: `at`), from `from` (default:
// the 1st of the month eleven months before `to`: twelve months). Fails
// (kInvalidArgument naming "from") when `from` is after `to`.
Result<JournalPeriod> journal_period(std::chrono::year_month_day at,
                                     std::optional<std::chrono::year_month_day> from,
                                     std::optional<std::chrono::year_month_day> to);

// Bounds the journal: each month is one read of the transfers.
inline constexpr int64_t kJournalMonthsMax = 600;

struct LiabilityRequest {
  std::chrono::year_month_day at;  // the liability at the end of this local day
  std::optional<JournalPeriod> journal;
};

// One month of the journal: its days in the period and a row per wallet.
struct JournalMonth {
  std::string month;  // YYYY-MM
  std::chrono::year_month_day first_day;
  std::chrono::year_month_day last_day;
  std::vector<analytics::JournalRow> rows;
};

struct LiabilityResult {
  // {"program", "at", "as_of", "wallets": {NAME: {"available", "pending",
  //  "held", "debt", "outstanding", "redeemed_to_date", "expired_to_date",
  //  "breakage_rate", "expected_breakage", "by_expiry": [{"expiry_month"
  //  (YYYY-MM, null: never expires), "lots", "available", "pending",
  //  "remaining", "past_expiry", "expected_breakage"}]}}}
  boost::json::object report;
  std::vector<JournalMonth> journal;  // empty unless requested
};

// The liability at the end of `at` and, when asked, the journal, from one
// read snapshot. Fails (kInvalidArgument) on a journal that ends before it
// starts or spans more than kJournalMonthsMax months; (kCorruption) when the
// lots disagree with the member accounts.
Result<LiabilityResult> liability_report(Store& store, const ResolvedProgram& program,
                                         const LiabilityRequest& request);

// The journal as CSV: a header, then a row per month and wallet:
// month,wallet,from,to,opening,issued,redeemed,expired,clawed_back,written_off,adjusted,closing
std::string journal_csv(const std::vector<JournalMonth>& months);

// "Bought together" (docs/analytics.md "analytics recommend"): for an item
// (`sku`) or for a member (`member_id`: items bought with what they bought,
// less what they bought), exactly one of the two.
struct RecommendRequest {
  std::string sku;
  std::string member_id;
  int64_t limit = 10;
};
// Recommendations a report lists at most.
inline constexpr int64_t kRecommendLimitMax = 100;

// {"baskets", "sku", "orders", "items": [{"sku", "orders_together", "orders",
//  "confidence", "lift"}]} for an item; {"baskets", "member_id", "bought":
//  [SKU...], "items": [{"sku", "orders_together", "orders", "confidence",
//  "lift", "because_of"}]} for a member. Fails (kInvalidArgument) unless
// exactly one of sku and member_id is given or on a limit out of range;
// (kNotFound) on an unknown member.
Result<boost::json::object> recommend_report(Store& store, const ResolvedProgram& program,
                                             const RecommendRequest& request);

// Holdout uplift of a campaign (docs/analytics.md "analytics uplift"): the
// members with a purchase before the window, split by the campaign's
// holdout hash (rules::in_holdout), compared over the window.
struct UpliftRequest {
  std::string campaign;
  std::optional<std::chrono::year_month_day> from;  // default: the campaign's start
  std::optional<std::chrono::year_month_day> to;    // last day; default: its end
};

// {"campaign", "holdout_share", "from", "to", "treated" and "control":
//  {"members", "repurchasers", "repurchase_rate", "revenue",
//  "revenue_per_member", "orders_recorded"}, "repurchase_rate_difference" and
//  "revenue_per_member_difference": {"estimate", "ci_low", "ci_high",
//  "p_value"} (+ "degrees_of_freedom" for revenue)}. Fails (kNotFound) on an
// unknown campaign; (kFailedPrecondition) on one without a holdout;
// (kInvalidArgument) when the window has no start or end (give from/to) or
// is empty.
Result<boost::json::object> uplift_report(Store& store, const ResolvedProgram& program,
                                          const UpliftRequest& request);

}  // namespace patron::app
