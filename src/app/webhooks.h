// Webhook endpoints and the delivery state machine (docs/webhooks.md).
//
// Endpoints are managed by commands (create, update, replay; audited). The
// delivery worker (webhooks/worker.h) runs rounds on the writer thread:
//   1. fan_out: events after each enabled endpoint's cursor that its filters
//      take become pending deliveries, and the cursor moves past them;
//   2. due_work: pending deliveries whose time has come, at most a round's
//      worth per endpoint, with the event body to send;
//   3. the worker sends them (no transaction open), then
//   4. after_attempt for each outcome: delivered; or retried later with
//      exponential backoff and jitter; or dead after the last attempt.
// A crash between 3 and 4 sends those deliveries again on the next round:
// delivery is at least once, and receivers deduplicate by the event id.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/model.h"
#include "app/service.h"
#include "app/store.h"

namespace patron::app {

struct DeliveryPolicy {
  int64_t max_attempts = 8;                        // then dead
  std::chrono::milliseconds backoff_base{30'000};  // first retry after about this
  std::chrono::milliseconds backoff_max{6 * 3600'000};
  std::size_t round_per_endpoint = 256;  // deliveries of one endpoint per round
};

// The wait before attempt `attempts + 1` after `attempts` failed ones:
// base x 2^(attempts-1), at most max, times a jitter factor in [0.8, 1.2)
// from `jitter` in [0, 1).
std::chrono::milliseconds backoff(const DeliveryPolicy& policy, int64_t attempts, double jitter);

struct AttemptOutcome {
  bool delivered = false;
  int64_t status = 0;
  std::string error;
  int64_t duration_us = 0;
};
// The delivery after one attempt at `now`.
WebhookDelivery after_attempt(WebhookDelivery delivery, const AttemptOutcome& outcome, Instant now,
                              const DeliveryPolicy& policy, double jitter);

// Inside an open transaction: pending deliveries for the events after each
// enabled endpoint's cursor (at most `limit` events per endpoint per call,
// clamped like a page), cursors moved.
struct FanOut {
  int64_t events = 0;      // read past, over every endpoint
  int64_t deliveries = 0;  // made
};
Result<FanOut> fan_out(Store& store, const std::string& program_id, Instant now, std::size_t limit);

// A delivery ready to send: where, with what secret, and the body.
struct DueDelivery {
  WebhookDelivery delivery;
  std::string url;
  std::string secret;
  int64_t max_in_flight = 1;
  std::string body;  // event_json, serialized
};
Result<std::vector<DueDelivery>> due_work(Store& store, const std::string& program_id, Instant now,
                                          const DeliveryPolicy& policy);

// Commands (service.cpp dispatches them).
Result<Executed> create_webhook(Store& store, const Command& c, const CreateWebhook& create,
                                Instant now);
Result<Executed> update_webhook(Store& store, const Command& c, const UpdateWebhook& update,
                                Instant now);
Result<Executed> replay_deliveries(Store& store, const Command& c, const ReplayDeliveries& replay,
                                   Instant now);

// The program's endpoint `id`; kNotFound naming webhook_id.
Result<WebhookEndpoint> find_webhook(Store& store, const std::string& program_id,
                                     const std::string& id);

// "whk_" + 16 random hex.
Result<std::string> make_webhook_id();

// Never shows the secret.
boost::json::object webhook_json(const WebhookEndpoint& endpoint);
boost::json::object delivery_json(const WebhookDelivery& delivery);

}  // namespace patron::app
