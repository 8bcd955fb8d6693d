#include "app/webhooks.h"

#include <openssl/rand.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "app/json_codec.h"
#include "app/outbox.h"
#include "core/limits.h"
#include "core/text.h"

namespace patron::app {

namespace json = boost::json;

std::chrono::milliseconds backoff(const DeliveryPolicy& policy, int64_t attempts, double jitter) {
  double base = static_cast<double>(policy.backoff_base.count());
  double cap = static_cast<double>(policy.backoff_max.count());
  int64_t doublings = std::clamp<int64_t>(attempts - 1, 0, 40);
  double wait = std::min(base * std::ldexp(1.0, static_cast<int>(doublings)), cap);
  wait *= 0.8 + 0.4 * std::clamp(jitter, 0.0, 0.999999);
  return std::chrono::milliseconds(static_cast<int64_t>(wait));
}

WebhookDelivery after_attempt(WebhookDelivery d, const AttemptOutcome& outcome, Instant now,
                              const DeliveryPolicy& policy, double jitter) {
  d.attempts += 1;
  d.last_attempt_at = now;
  d.last_status = outcome.status;
  d.last_error = outcome.error;
  d.last_duration_us = outcome.duration_us;
  if (outcome.delivered) {
    d.state = "delivered";
  } else if (d.attempts >= policy.max_attempts) {
    d.state = "dead";
  } else {
    d.state = "pending";
    // Instants are whole seconds: a wait is never rounded down to none.
    d.next_attempt_at =
        now + std::chrono::ceil<std::chrono::seconds>(backoff(policy, d.attempts, jitter));
  }
  return d;
}

Result<FanOut> fan_out(Store& store, const std::string& program_id, Instant now,
                       std::size_t limit) {
  auto endpoints = store.webhook_endpoints(program_id);
  if (!endpoints) return std::unexpected(endpoints.error());
  FanOut made;
  for (WebhookEndpoint& endpoint : *endpoints) {
    if (!endpoint.enabled) continue;
    auto events = store.events_after(program_id, "", endpoint.cursor, limit);
    if (!events) return std::unexpected(events.error());
    if (events->empty()) continue;
    CommandWrite write;
    write.program_id = program_id;
    for (const OutboxEvent& e : *events) {
      if (!event_matches(endpoint.events, e.type)) continue;
      // A message provider gets ready messages only, when they may be sent.
      if (endpoint.messages && !e.send_after) continue;
      WebhookDelivery d;
      d.program_id = program_id;
      d.endpoint_id = endpoint.id;
      d.event_id = e.id;
      d.event_type = e.type;
      d.next_attempt_at = endpoint.messages ? std::max(now, *e.send_after) : now;
      d.created_at = now;
      write.deliveries.push_back(std::move(d));
    }
    made.events += static_cast<int64_t>(events->size());
    made.deliveries += static_cast<int64_t>(write.deliveries.size());
    endpoint.cursor = events->back().id;
    write.webhook_endpoint = std::move(endpoint);
    if (auto r = store.apply(write); !r) return std::unexpected(r.error());
  }
  return made;
}

Result<std::vector<DueDelivery>> due_work(Store& store, const std::string& program_id, Instant now,
                                          const DeliveryPolicy& policy) {
  auto endpoints = store.webhook_endpoints(program_id);
  if (!endpoints) return std::unexpected(endpoints.error());
  std::vector<DueDelivery> out;
  for (const WebhookEndpoint& endpoint : *endpoints) {
    if (!endpoint.enabled) continue;
    auto due = store.due_deliveries(program_id, endpoint.id, now, policy.round_per_endpoint);
    if (!due) return std::unexpected(due.error());
    for (WebhookDelivery& d : *due) {
      auto event = store.find_event(program_id, d.event_id);
      if (!event) return std::unexpected(event.error());
      if (!*event) {
        return fail(ErrorCode::kCorruption, "event_id",
                    "delivery " + std::to_string(d.id) + " names a missing event");
      }
      out.push_back(DueDelivery{std::move(d), endpoint.url, endpoint.secret, endpoint.max_in_flight,
                                json::serialize(event_json(**event))});
    }
  }
  return out;
}

namespace {

Result<void> check_url(const std::string& url) {
  if (url.size() > 2048) return fail(ErrorCode::kInvalidArgument, "url", "is longer than 2048");
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return fail(ErrorCode::kInvalidArgument, "url", "must start with http:// or https://");
  }
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.starts_with(':') || host.find('@') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "url", "must name a host (and no user:password@)");
  }
  if (!printable_ascii(url)) {
    return fail(ErrorCode::kInvalidArgument, "url",
                "must be printable ASCII without spaces (percent-encode the rest)");
  }
  return {};
}

Result<void> check_secret(const std::string& secret) {
  if (secret.size() < 16 || secret.size() > 256 || !printable_ascii(secret)) {
    return fail(ErrorCode::kInvalidArgument, "secret",
                "must be 16 to 256 printable ASCII characters without spaces");
  }
  return {};
}

Result<void> check_in_flight(int64_t n) {
  if (n < 1 || n > 64) return fail(ErrorCode::kInvalidArgument, "max_in_flight", "must be 1 to 64");
  return {};
}

// The endpoint stored, answered and audited (never the secret itself).
Executed endpoint_written(const Command& c, const char* action, WebhookEndpoint e, Instant now,
                          bool secret_changed) {
  json::object detail{{"url", e.url},
                      {"events", strings_json(e.events)},
                      {"enabled", e.enabled},
                      {"max_in_flight", e.max_in_flight}};
  if (secret_changed) detail["secret_changed"] = true;
  Executed out;
  out.response = json::serialize(webhook_json(e));
  out.write.program_id = c.program_id;
  out.write.audit.push_back(
      AuditEntry{0, c.program_id, c.actor, action, e.id, json::serialize(detail), now});
  out.write.webhook_endpoint = std::move(e);
  return out;
}

}  // namespace

Result<WebhookEndpoint> find_webhook(Store& store, const std::string& program_id,
                                     const std::string& id) {
  auto all = store.webhook_endpoints(program_id);
  if (!all) return std::unexpected(all.error());
  for (WebhookEndpoint& e : *all) {
    if (e.id == id) return std::move(e);
  }
  return fail(ErrorCode::kNotFound, "webhook_id", "no webhook '" + id + "'");
}

Result<std::string> make_webhook_id() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return fail(ErrorCode::kStorage, "", "no randomness for a webhook id");
  }
  return "whk_" + lower_hex(bytes, sizeof bytes);
}

Result<Executed> create_webhook(Store& store, const Command& c, const CreateWebhook& create,
                                Instant now) {
  WebhookEndpoint e = create.endpoint;
  e.program_id = c.program_id;
  if (!e.id.starts_with("whk_") || e.id.size() != 20) {
    return fail(ErrorCode::kInvalidArgument, "id", "was not made by make_webhook_id");
  }
  if (auto ok = check_url(e.url); !ok) return std::unexpected(ok.error());
  if (auto ok = check_secret(e.secret); !ok) return std::unexpected(ok.error());
  if (auto ok = check_event_filters(e.events, "events"); !ok) return std::unexpected(ok.error());
  if (auto ok = check_in_flight(e.max_in_flight); !ok) return std::unexpected(ok.error());
  auto existing = store.webhook_endpoints(c.program_id);
  if (!existing) return std::unexpected(existing.error());
  if (existing->size() >= 16) {
    return fail(ErrorCode::kFailedPrecondition, "url", "a program has at most 16 webhooks");
  }
  // It hears what happens from now on.
  auto last = store.last_event_id();
  if (!last) return std::unexpected(last.error());
  e.cursor = *last;
  e.enabled = true;
  e.created_at = now;
  e.updated_at = now;
  return endpoint_written(c, "webhook.create", std::move(e), now, false);
}

Result<Executed> update_webhook(Store& store, const Command& c, const UpdateWebhook& update,
                                Instant now) {
  auto found = find_webhook(store, c.program_id, update.id);
  if (!found) return std::unexpected(found.error());
  WebhookEndpoint e = std::move(*found);
  if (update.url) {
    if (auto ok = check_url(*update.url); !ok) return std::unexpected(ok.error());
    e.url = *update.url;
  }
  if (update.secret) {
    if (auto ok = check_secret(*update.secret); !ok) return std::unexpected(ok.error());
    e.secret = *update.secret;
  }
  if (update.events) {
    if (auto ok = check_event_filters(*update.events, "events"); !ok) {
      return std::unexpected(ok.error());
    }
    e.events = *update.events;
  }
  if (update.max_in_flight) {
    if (auto ok = check_in_flight(*update.max_in_flight); !ok) return std::unexpected(ok.error());
    e.max_in_flight = *update.max_in_flight;
  }
  if (update.messages) e.messages = *update.messages;
  if (update.enabled && *update.enabled != e.enabled) {
    e.enabled = *update.enabled;
    // Switched back on: it hears what happens from now on, not what it missed.
    if (e.enabled) {
      auto last = store.last_event_id();
      if (!last) return std::unexpected(last.error());
      e.cursor = std::max(e.cursor, *last);
    }
  }
  e.updated_at = now;
  return endpoint_written(c, "webhook.update", std::move(e), now, update.secret.has_value());
}

Result<Executed> replay_deliveries(Store& store, const Command& c, const ReplayDeliveries& replay,
                                   Instant now) {
  auto endpoint = find_webhook(store, c.program_id, replay.endpoint_id);
  if (!endpoint) return std::unexpected(endpoint.error());
  std::vector<WebhookDelivery> chosen;
  if (replay.delivery_id != 0) {
    auto d = store.find_delivery(c.program_id, replay.delivery_id);
    if (!d) return std::unexpected(d.error());
    if (!*d || (*d)->endpoint_id != replay.endpoint_id) {
      return fail(ErrorCode::kNotFound, "delivery_id",
                  "no delivery " + std::to_string(replay.delivery_id) + " of this webhook");
    }
    if ((*d)->state == "pending") {
      return fail(ErrorCode::kConflict, "delivery_id", "the delivery is still pending");
    }
    chosen.push_back(std::move(**d));
  } else {
    PageRequest page{"", limits::kPageSizeMax};
    for (;;) {
      auto dead = store.deliveries_page(c.program_id, replay.endpoint_id, "dead", page);
      if (!dead) return std::unexpected(dead.error());
      if (dead->empty()) break;
      page.after = std::to_string(dead->back().id);
      for (WebhookDelivery& d : *dead) chosen.push_back(std::move(d));
      if (chosen.size() >= 10'000) break;  // one command stays small; replay again for more
    }
  }
  for (WebhookDelivery& d : chosen) {
    d.state = "pending";
    d.attempts = 0;
    d.next_attempt_at = now;
  }
  Executed out;
  out.response = json::serialize(
      json::object{{"webhook_id", replay.endpoint_id}, {"replayed", chosen.size()}});
  out.write.program_id = c.program_id;
  json::object detail{{"delivery_id", replay.delivery_id}, {"replayed", chosen.size()}};
  out.write.audit.push_back(AuditEntry{0, c.program_id, c.actor, "webhook.replay",
                                       replay.endpoint_id, json::serialize(detail), now});
  out.write.deliveries = std::move(chosen);
  return out;
}

json::object webhook_json(const WebhookEndpoint& e) {
  return json::object{{"id", e.id},
                      {"url", e.url},
                      {"events", strings_json(e.events)},
                      {"enabled", e.enabled},
                      {"max_in_flight", e.max_in_flight},
                      {"messages", e.messages},
                      {"created_at", format_instant(e.created_at)},
                      {"updated_at", format_instant(e.updated_at)}};
}

json::object delivery_json(const WebhookDelivery& d) {
  return json::object{
      {"id", d.id},
      {"webhook_id", d.endpoint_id},
      {"event_id", event_wire_id(d.event_id)},
      {"event_type", d.event_type},
      {"state", d.state},
      {"attempts", d.attempts},
      {"next_attempt_at", d.state == "pending" ? json::value(format_instant(d.next_attempt_at))
                                               : json::value(nullptr)},
      {"last_attempt_at",
       d.last_attempt_at ? json::value(format_instant(*d.last_attempt_at)) : json::value(nullptr)},
      {"last_status", d.last_status},
      {"last_error", d.last_error},
      {"last_duration_us", d.last_duration_us},
      {"created_at", format_instant(d.created_at)}};
}

}  // namespace patron::app
