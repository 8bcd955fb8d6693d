// Analytics over HTTP (docs/analytics.md; permission `analytics`: admin and
// analyst): GET /v1/analytics/kpis, /rfm, /cohorts, /clv, /liability,
// /liability/journal (CSV), /recommend, /uplift. The same reports as
// `patron analytics ...`, computed on a reader thread from one snapshot;
// dates are YYYY-MM-DD in the program time zone.
#include "app/analytics.h"

#include <boost/json.hpp>
#include <charconv>

#include "http/body.h"
#include "http/handlers/handlers.h"
#include "http/problem.h"

namespace patron::http::handlers {

namespace json = boost::json;

namespace {

using Day = std::chrono::year_month_day;

Result<std::optional<Day>> date_param(const Call& c, const std::string& name) {
  std::string text = query_value(c, name);
  if (text.empty()) return std::optional<Day>{};
  auto d = parse_date(text, name);
  if (!d) return fail(ErrorCode::kInvalidArgument, name, "must be a date YYYY-MM-DD");
  return std::optional<Day>{*d};
}

Result<std::optional<int64_t>> int_param(const Call& c, const std::string& name, int64_t min,
                                         int64_t max) {
  std::string text = query_value(c, name);
  if (text.empty()) return std::optional<int64_t>{};
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v < min || v > max) {
    return fail(
        ErrorCode::kInvalidArgument, name,
        "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return std::optional<int64_t>{v};
}

// A flag: absent or "false" is false, "true" true; anything else is refused.
Result<bool> bool_param(const Call& c, const std::string& name) {
  std::string text = query_value(c, name);
  if (text.empty() || text == "false") return false;
  if (text == "true") return true;
  return fail(ErrorCode::kInvalidArgument, name, "must be true or false");
}

// Runs `report(store, program, call)` on a reader; its object is the reply.
template <class F>
void analytics_read(Api& api, Call&& call, F report) {
  api.read(std::move(call), [&api, report](app::Store& store, Call& c) -> Reply {
    auto program = api.writer().programs().find(c.key.program_id);
    if (!program) return problem(program.error());
    Result<json::object> out = report(store, **program, c);
    if (!out) return problem(out.error());
    return json_reply(json::serialize(*out));
  });
}

Day today(Api& api, const app::ResolvedProgram& program) {
  return local_date(api.clock().now(), program.zone);
}

Result<app::LiabilityRequest> liability_request(Api& api, const app::ResolvedProgram& program,
                                                const Call& c, bool journal) {
  auto at = date_param(c, "at");
  if (!at) return std::unexpected(at.error());
  app::LiabilityRequest request;
  request.at = at->value_or(today(api, program));
  if (!journal) return request;
  auto from = date_param(c, "from");
  if (!from) return std::unexpected(from.error());
  auto to = date_param(c, "to");
  if (!to) return std::unexpected(to.error());
  auto period = app::journal_period(request.at, *from, *to);
  if (!period) return std::unexpected(period.error());
  request.journal = *period;
  return request;
}

}  // namespace

void analytics_kpis(Api& api, Call&& call) {
  analytics_read(api, std::move(call),
                 [&api](app::Store& store, const app::ResolvedProgram& program,
                        const Call& c) -> Result<json::object> {
                   auto from = date_param(c, "from");
                   if (!from) return std::unexpected(from.error());
                   auto to = date_param(c, "to");
                   if (!to) return std::unexpected(to.error());
                   auto churn = int_param(c, "churn_days", 1, 3650);
                   if (!churn) return std::unexpected(churn.error());
                   app::KpiRequest request;
                   request.from = *from;
                   request.to = to->value_or(today(api, program));
                   request.churn_days = churn->value_or(analytics::kChurnDaysDefault);
                   auto rfm = bool_param(c, "rfm");
                   if (!rfm) return std::unexpected(rfm.error());
                   request.rfm = *rfm;
                   if (request.from &&
                       std::chrono::sys_days{*request.from} > std::chrono::sys_days{request.to}) {
                     return fail(ErrorCode::kInvalidArgument, "from", "must not be after to");
                   }
                   return app::kpi_report(store, program, request);
                 });
}

void analytics_rfm(Api& api, Call&& call) {
  analytics_read(api, std::move(call),
                 [&api](app::Store& store, const app::ResolvedProgram& program,
                        const Call& c) -> Result<json::object> {
                   auto day = date_param(c, "as_of");
                   if (!day) return std::unexpected(day.error());
                   Instant as_of = *day ? local_midnight_after(local_midnight(**day, program.zone),
                                                               1, program.zone)
                                        : api.clock().now();
                   auto result = app::rfm_summary(store, program, as_of);
                   if (!result) return std::unexpected(result.error());
                   json::object out = app::rfm_json(*result);
                   // Per-member rows only when asked: a program has many members.
                   if (query_value(c, "members") != "true") out.erase("members");
                   return out;
                 });
}

void analytics_cohorts(Api& api, Call&& call) {
  analytics_read(api, std::move(call),
                 [](app::Store& store, const app::ResolvedProgram& program,
                    const Call& c) -> Result<json::object> {
                   std::string by = query_value(c, "by");
                   if (!by.empty() && by != "month") {
                     return fail(ErrorCode::kInvalidArgument, "by", "must be month");
                   }
                   return app::cohort_report(store, program);
                 });
}

void analytics_clv(Api& api, Call&& call) {
  analytics_read(api, std::move(call),
                 [](app::Store& store, const app::ResolvedProgram& program,
                    const Call& c) -> Result<json::object> {
                   auto end = date_param(c, "calibration_end");
                   if (!end) return std::unexpected(end.error());
                   if (!*end) {
                     return fail(ErrorCode::kInvalidArgument, "calibration_end", "is required");
                   }
                   auto weeks = int_param(c, "horizon_weeks", 1, 520);
                   if (!weeks) return std::unexpected(weeks.error());
                   if (!*weeks) {
                     return fail(ErrorCode::kInvalidArgument, "horizon_weeks", "is required");
                   }
                   auto out = app::clv_report(store, program, app::ClvRequest{**end, **weeks});
                   if (!out) return out;
                   if (query_value(c, "members") != "true") out->erase("members");
                   return out;
                 });
}

void analytics_liability(Api& api, Call&& call) {
  analytics_read(api, std::move(call),
                 [&api](app::Store& store, const app::ResolvedProgram& program,
                        const Call& c) -> Result<json::object> {
                   auto request = liability_request(api, program, c, false);
                   if (!request) return std::unexpected(request.error());
                   auto result = app::liability_report(store, program, *request);
                   if (!result) return std::unexpected(result.error());
                   return std::move(result->report);
                 });
}

void analytics_journal(Api& api, Call&& call) {
  api.read(std::move(call), [&api](app::Store& store, Call& c) -> Reply {
    auto program = api.writer().programs().find(c.key.program_id);
    if (!program) return problem(program.error());
    auto request = liability_request(api, **program, c, true);
    if (!request) return problem(request.error());
    auto result = app::liability_report(store, **program, *request);
    if (!result) return problem(result.error());
    Reply r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = app::journal_csv(result->journal);
    return r;
  });
}

void analytics_recommend(Api& api, Call&& call) {
  analytics_read(api, std::move(call),
                 [](app::Store& store, const app::ResolvedProgram& program,
                    const Call& c) -> Result<json::object> {
                   auto limit = int_param(c, "limit", 1, app::kRecommendLimitMax);
                   if (!limit) return std::unexpected(limit.error());
                   app::RecommendRequest request{query_value(c, "sku"), query_value(c, "member_id"),
                                                 limit->value_or(10)};
                   if (request.sku.empty() == request.member_id.empty()) {
                     return fail(ErrorCode::kInvalidArgument, "sku",
                                 "give exactly one of sku and member_id");
                   }
                   return app::recommend_report(store, program, request);
                 });
}

void analytics_uplift(Api& api, Call&& call) {
  analytics_read(
      api, std::move(call),
      [](app::Store& store, const app::ResolvedProgram& program,
         const Call& c) -> Result<json::object> {
        std::string campaign = query_value(c, "campaign");
        if (campaign.empty()) {
          return fail(ErrorCode::kInvalidArgument, "campaign", "is required");
        }
        auto from = date_param(c, "from");
        if (!from) return std::unexpected(from.error());
        auto to = date_param(c, "to");
        if (!to) return std::unexpected(to.error());
        return app::uplift_report(store, program, app::UpliftRequest{campaign, *from, *to});
      });
}

}  // namespace patron::http::handlers
