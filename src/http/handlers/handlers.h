// One function per route; each translates the request into a read or a
// command and the result into a reply (style.md rule 12). Routes and their
// permissions are listed in http/routes.cpp.
#pragma once

#include "http/api.h"

namespace patron::http::handlers {

// system.cpp
void healthz(Api&, Call&&);
void readyz(Api&, Call&&);
void metrics(Api&, Call&&);
void openapi(Api&, Call&&);

// members.cpp
void members_list(Api&, Call&&);
void member_put(Api&, Call&&);
void cart_post(Api&, Call&&);
void cart_get(Api&, Call&&);
void product_post(Api&, Call&&);
void product_get(Api&, Call&&);
void member_get(Api&, Call&&);
void member_ledger(Api&, Call&&);
void member_lots(Api&, Call&&);
void member_adjust(Api&, Call&&);
void member_grant(Api&, Call&&);
void member_event(Api&, Call&&);

// holds.cpp
void checkout_quote(Api&, Call&&);
void hold_reserve(Api&, Call&&);
void hold_capture(Api&, Call&&);
void hold_release(Api&, Call&&);

// coupons.cpp
void coupon_batch_create(Api&, Call&&);
void coupon_batches_list(Api&, Call&&);
void coupon_batch_get(Api&, Call&&);
void coupon_get(Api&, Call&&);

// rewards.cpp
void rewards_list(Api&, Call&&);
void redemption_create(Api&, Call&&);
void redemptions_list(Api&, Call&&);
void redemption_refund(Api&, Call&&);

// analytics.cpp
void analytics_kpis(Api&, Call&&);
void analytics_rfm(Api&, Call&&);
void analytics_cohorts(Api&, Call&&);
void analytics_clv(Api&, Call&&);
void analytics_liability(Api&, Call&&);
void analytics_journal(Api&, Call&&);
void analytics_recommend(Api&, Call&&);
void analytics_uplift(Api&, Call&&);

// orders.cpp
void order_put(Api&, Call&&);
void order_get(Api&, Call&&);
void order_event(Api&, Call&&);
void order_refund(Api&, Call&&);

// webhooks.cpp
void webhook_create(Api&, Call&&);
void webhooks_list(Api&, Call&&);
void webhook_update(Api&, Call&&);
void webhook_deliveries(Api&, Call&&);
void webhook_replay(Api&, Call&&);
void events_list(Api&, Call&&);

// referrals.cpp
void referrals_list(Api&, Call&&);
void referral_approve(Api&, Call&&);
void referral_reject(Api&, Call&&);

// admin.cpp
void program_get(Api&, Call&&);
void program_put(Api&, Call&&);
void program_validate(Api&, Call&&);
void program_config(Api&, Call&&);
void program_versions(Api&, Call&&);
void keys_create(Api&, Call&&);
void keys_list(Api&, Call&&);
void key_revoke(Api&, Call&&);
void audit_list(Api&, Call&&);
void jobs_list(Api&, Call&&);
void job_runs_list(Api&, Call&&);
void job_run(Api&, Call&&);

}  // namespace patron::http::handlers
