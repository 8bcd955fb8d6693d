// The route table: method, path pattern, the permission it needs (docs/api.md
// has the same table per role), and the handler. The OpenAPI document
// (http/openapi.json) must list exactly these; tests/http checks it.
#include "http/api.h"
#include "http/handlers/handlers.h"

namespace patron::http {

using app::Permission;
namespace h = handlers;

const std::vector<Route>& routes() {
  static const std::vector<Route> kRoutes = {
      {"GET", "/healthz", std::nullopt, h::healthz},
      {"GET", "/readyz", std::nullopt, h::readyz},
      {"GET", "/metrics", std::nullopt, h::metrics},
      {"GET", "/v1/openapi.json", std::nullopt, h::openapi},
      {"GET", "/v1/program", Permission::kProgramRead, h::program_get},
      {"PUT", "/v1/program", Permission::kProgramWrite, h::program_put, "application/toml"},
      {"POST", "/v1/program/validate", Permission::kProgramWrite, h::program_validate,
       "application/toml"},
      {"GET", "/v1/program/config", Permission::kProgramRead, h::program_config},
      {"GET", "/v1/program/versions", Permission::kProgramRead, h::program_versions},
      {"GET", "/v1/members", Permission::kMembersRead, h::members_list},
      {"PUT", "/v1/members/{member_id}", Permission::kMembersWrite, h::member_put},
      {"GET", "/v1/members/{member_id}", Permission::kMembersRead, h::member_get},
      {"GET", "/v1/members/{member_id}/ledger", Permission::kMembersRead, h::member_ledger},
      {"GET", "/v1/members/{member_id}/lots", Permission::kMembersRead, h::member_lots},
      {"POST", "/v1/members/{member_id}/adjustments", Permission::kAdjust, h::member_adjust},
      {"POST", "/v1/members/{member_id}/grants", Permission::kMembersWrite, h::member_grant},
      {"POST", "/v1/members/{member_id}/events", Permission::kMembersWrite, h::member_event},
      {"PUT", "/v1/orders/{order_id}", Permission::kMembersWrite, h::order_put},
      {"GET", "/v1/orders/{order_id}", Permission::kMembersRead, h::order_get},
      {"POST", "/v1/orders/{order_id}/events", Permission::kMembersWrite, h::order_event},
      {"POST", "/v1/orders/{order_id}/refunds", Permission::kMembersWrite, h::order_refund},
      {"GET", "/v1/referrals", Permission::kMembersRead, h::referrals_list},
      {"POST", "/v1/referrals/{referee_id}/approve", Permission::kAdjust, h::referral_approve},
      {"POST", "/v1/referrals/{referee_id}/reject", Permission::kAdjust, h::referral_reject},
      {"POST", "/v1/checkout/quote", Permission::kCheckoutQuote, h::checkout_quote},
      {"POST", "/v1/checkout/holds", Permission::kHolds, h::hold_reserve},
      {"POST", "/v1/checkout/holds/{hold_id}/capture", Permission::kHolds, h::hold_capture},
      {"POST", "/v1/checkout/holds/{hold_id}/release", Permission::kHolds, h::hold_release},
      {"POST", "/v1/coupons/batches", Permission::kCoupons, h::coupon_batch_create},
      {"GET", "/v1/coupons/batches", Permission::kCoupons, h::coupon_batches_list},
      {"GET", "/v1/coupons/batches/{batch_id}", Permission::kCoupons, h::coupon_batch_get},
      {"GET", "/v1/coupons/{code}", Permission::kMembersRead, h::coupon_get},
      {"GET", "/v1/rewards", Permission::kMembersRead, h::rewards_list},
      {"POST", "/v1/members/{member_id}/redemptions", Permission::kHolds, h::redemption_create},
      {"GET", "/v1/members/{member_id}/redemptions", Permission::kMembersRead, h::redemptions_list},
      {"POST", "/v1/redemptions/{redemption_id}/refund", Permission::kAdjust, h::redemption_refund},
      {"GET", "/v1/analytics/kpis", Permission::kAnalytics, h::analytics_kpis},
      {"GET", "/v1/analytics/rfm", Permission::kAnalytics, h::analytics_rfm},
      {"GET", "/v1/analytics/cohorts", Permission::kAnalytics, h::analytics_cohorts},
      {"GET", "/v1/analytics/clv", Permission::kAnalytics, h::analytics_clv},
      {"GET", "/v1/analytics/liability", Permission::kAnalytics, h::analytics_liability},
      {"GET", "/v1/analytics/liability/journal", Permission::kAnalytics, h::analytics_journal},
      {"GET", "/v1/analytics/recommend", Permission::kAnalytics, h::analytics_recommend},
      {"GET", "/v1/analytics/uplift", Permission::kAnalytics, h::analytics_uplift},
      {"GET", "/v1/jobs", Permission::kJobsRead, h::jobs_list},
      {"GET", "/v1/jobs/runs", Permission::kJobsRead, h::job_runs_list},
      {"POST", "/v1/jobs/runs", Permission::kJobsRun, h::job_run},
      {"GET", "/v1/keys", Permission::kKeys, h::keys_list},
      {"POST", "/v1/keys", Permission::kKeys, h::keys_create},
      {"POST", "/v1/keys/{key_id}/revoke", Permission::kKeys, h::key_revoke},
      {"GET", "/v1/audit", Permission::kAudit, h::audit_list},
      {"POST", "/v1/webhooks", Permission::kWebhooks, h::webhook_create},
      {"GET", "/v1/webhooks", Permission::kWebhooks, h::webhooks_list},
      {"PATCH", "/v1/webhooks/{webhook_id}", Permission::kWebhooks, h::webhook_update},
      {"GET", "/v1/webhooks/{webhook_id}/deliveries", Permission::kWebhooks, h::webhook_deliveries},
      {"POST", "/v1/webhooks/{webhook_id}/replay", Permission::kWebhooks, h::webhook_replay},
      {"GET", "/v1/events", Permission::kEventsRead, h::events_list},
      {"POST", "/v1/carts", Permission::kCartsWrite, h::cart_post},
      {"GET", "/v1/carts/{cart_id}", Permission::kMembersRead, h::cart_get},
      {"POST", "/v1/products", Permission::kProductsWrite, h::product_post},
      {"GET", "/v1/products/{sku}", Permission::kMembersRead, h::product_get},
  };
  return kRoutes;
}

}  // namespace patron::http
