// Counters for /metrics in the Prometheus text format (version 0.0.4):
// requests by route and status, request latency histograms by route, the
// writer's commit batches, and job runs. Recording is lock-free (relaxed
// atomics in fixed arrays sized at construction); rendering reads them.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "app/writer.h"

namespace patron::http {

class Metrics {
 public:
  // Routes are known up front (the router's table) plus one for "no route".
  explicit Metrics(std::vector<std::string> routes);

  void record(std::size_t route, int status, int64_t latency_us);
  void job_run(bool ok);
  void connection_opened();
  void connection_closed();
  int64_t open_connections() const { return connections_.load(std::memory_order_relaxed); }
  void read_here() { reads_here_.fetch_add(1, std::memory_order_relaxed); }

  std::string render(const app::WriterStats& writer, std::size_t reader_queue) const;

  // Upper bounds of the latency buckets, in microseconds (then +Inf).
  static constexpr std::array<int64_t, 14> kBucketsUs = {
      50,     100,    250,    500,     1'000,   2'500,     5'000,
      10'000, 25'000, 50'000, 100'000, 250'000, 1'000'000, 5'000'000};
  // Statuses counted by name; any other lands in "other".
  static constexpr std::array<int, 17> kStatuses = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                                    409, 412, 413, 415, 422, 428, 431, 503};

 private:
  struct RouteCounters {
    std::array<std::atomic<uint64_t>, kStatuses.size() + 1> by_status{};
    std::array<std::atomic<uint64_t>, kBucketsUs.size() + 1> buckets{};
    std::atomic<uint64_t> latency_sum_us{0};
  };
  std::vector<std::string> routes_;
  std::unique_ptr<RouteCounters[]> counters_;
  std::atomic<uint64_t> jobs_ok_{0};
  std::atomic<uint64_t> jobs_failed_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> connections_total_{0};
  std::atomic<uint64_t> reads_here_{0};
};

}  // namespace patron::http
