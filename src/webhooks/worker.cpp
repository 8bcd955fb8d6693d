#include "webhooks/worker.h"

#include <iostream>
#include <map>

#include "app/outbox.h"

namespace patron::webhooks {

RoundReport& RoundReport::operator+=(const RoundReport& o) {
  events += o.events;
  fanned_out += o.fanned_out;
  sent += o.sent;
  delivered += o.delivered;
  retrying += o.retrying;
  dead += o.dead;
  return *this;
}

Worker::Worker(app::Writer& writer, const app::Clock& clock, WorkerOptions options)
    : writer_(writer),
      clock_(clock),
      options_(std::move(options)),
      sender_(options_.sender),
      random_(std::random_device{}()) {}

Worker::~Worker() {
  stop();
}

Result<RoundReport> Worker::round(std::optional<Instant> at) {
  const Instant now = at.value_or(clock_.now());
  RoundReport report;
  std::vector<app::DueDelivery> due;
  // 1. New events become deliveries; what is due is read in the same snapshot.
  auto read = writer_.submit_exclusive([&](app::Writer::Session& session) -> Result<std::string> {
    if (auto r = session.begin(); !r) return std::unexpected(r.error());
    for (const auto& [program_id, program] : session.programs().all()) {
      auto made = app::fan_out(session.store(), program_id, now, options_.fan_out_events);
      if (!made) {
        session.rollback();
        return std::unexpected(made.error());
      }
      report.events += made->events;
      report.fanned_out += made->deliveries;
      auto work = app::due_work(session.store(), program_id, now, options_.policy);
      if (!work) {
        session.rollback();
        return std::unexpected(work.error());
      }
      for (auto& d : *work) due.push_back(std::move(d));
    }
    if (auto r = session.commit(); !r) return std::unexpected(r.error());
    return std::string();
  });
  if (auto r = read.get(); !r) return std::unexpected(r.error());
  if (due.empty()) return report;

  // 2. Send, with no transaction open.
  std::vector<Request> requests;
  requests.reserve(due.size());
  for (const app::DueDelivery& d : due) {
    requests.push_back(Request{d.delivery.id, d.url, d.secret, d.body,
                               app::event_wire_id(d.delivery.event_id), d.delivery.event_type,
                               d.delivery.endpoint_id, static_cast<std::size_t>(d.max_in_flight)});
  }
  // Signed with the wall clock even when the round runs at another `now`
  // (patron --now ... deliver): receivers check the timestamp against theirs.
  std::vector<Outcome> outcomes =
      sender_.send(requests, std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());

  // 3. Record every outcome in one transaction.
  const Instant done_at = at.value_or(clock_.now());
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  std::map<std::string, app::CommandWrite> writes;  // per program
  for (std::size_t i = 0; i < due.size(); ++i) {
    const Outcome& o = outcomes[i];
    app::WebhookDelivery next =
        app::after_attempt(std::move(due[i].delivery),
                           app::AttemptOutcome{o.delivered, o.status, o.error, o.duration_us},
                           done_at, options_.policy, jitter(random_));
    ++report.sent;
    if (next.state == "delivered") {
      ++report.delivered;
    } else if (next.state == "dead") {
      ++report.dead;
    } else {
      ++report.retrying;
    }
    app::CommandWrite& w = writes[next.program_id];
    w.program_id = next.program_id;
    w.deliveries.push_back(std::move(next));
  }
  auto record = writer_.submit_exclusive([&](app::Writer::Session& session) -> Result<std::string> {
    if (auto r = session.begin(); !r) return std::unexpected(r.error());
    for (const auto& [program_id, w] : writes) {
      if (auto r = session.store().apply(w); !r) {
        session.rollback();
        return std::unexpected(r.error());
      }
    }
    if (auto r = session.commit(); !r) return std::unexpected(r.error());
    return std::string();
  });
  if (auto r = record.get(); !r) return std::unexpected(r.error());
  return report;
}

Result<RoundReport> Worker::drain(std::optional<Instant> now) {
  RoundReport total;
  for (;;) {
    auto r = round(now);
    if (!r) return std::unexpected(r.error());
    total += *r;
    if (r->sent == 0 && r->events == 0) return total;
  }
}

void Worker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Worker::request_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  wake_.notify_all();
}

void Worker::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

RoundReport Worker::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

void Worker::loop() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    auto r = round();
    bool busy = false;
    if (!r) {
      std::cerr << "patron: webhook delivery: " << r.error().message << std::endl;
    } else {
      busy = r->sent > 0 || r->events > 0;
      std::lock_guard lock(mutex_);
      totals_ += *r;
    }
    if (busy) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.idle_wait, [this] { return stopping_; });
  }
}

}  // namespace patron::webhooks
