// The delivery worker: drives app/webhooks.h rounds with a Sender. One round
// fans new events out to the endpoints, sends what is due (each endpoint at
// most its max_in_flight at once) and records every outcome; the database
// work runs on the writer thread (submit_exclusive), the sending on the
// worker's own thread, so the writer never waits on a subscriber.
//
// `patron serve` runs it in the background (start/stop); `patron deliver`
// runs rounds until nothing is due (drain).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "app/clock.h"
#include "app/webhooks.h"
#include "app/writer.h"
#include "webhooks/sender.h"

namespace patron::webhooks {

struct WorkerOptions {
  app::DeliveryPolicy policy;
  SenderOptions sender;
  std::chrono::milliseconds idle_wait{1000};  // between rounds that found nothing to do
  std::size_t fan_out_events = 500;           // events per endpoint per round (a page at most)
};

struct RoundReport {
  int64_t events = 0;      // new events read past (per endpoint)
  int64_t fanned_out = 0;  // deliveries made from them
  int64_t sent = 0;
  int64_t delivered = 0;
  int64_t retrying = 0;
  int64_t dead = 0;
  RoundReport& operator+=(const RoundReport& o);
};

class Worker {
 public:
  Worker(app::Writer& writer, const app::Clock& clock, WorkerOptions options = {});
  ~Worker();  // stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // One round at `now` (default: the clock's).
  Result<RoundReport> round(std::optional<Instant> now = std::nullopt);
  // Rounds at `now` until one reads no new event and sends nothing.
  Result<RoundReport> drain(std::optional<Instant> now = std::nullopt);

  // Rounds on a background thread until stop(); errors are logged to stderr
  // and the next round tries again.
  void start();
  void request_stop();
  void stop();
  // Totals since start (for /metrics).
  RoundReport totals() const;

 private:
  void loop();

  app::Writer& writer_;
  const app::Clock& clock_;
  WorkerOptions options_;
  Sender sender_;
  std::mt19937_64 random_;
  mutable std::mutex mutex_;  // guards stopping_, totals_
  std::condition_variable wake_;
  bool stopping_ = false;
  RoundReport totals_;
  std::thread thread_;
};

}  // namespace patron::webhooks
