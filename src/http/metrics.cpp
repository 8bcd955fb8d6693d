#include "http/metrics.h"

#include <algorithm>

namespace patron::http {

Metrics::Metrics(std::vector<std::string> routes)
    : routes_(std::move(routes)), counters_(new RouteCounters[routes_.size()]) {}

void Metrics::record(std::size_t route, int status, int64_t latency_us) {
  if (route >= routes_.size()) route = routes_.size() - 1;
  RouteCounters& c = counters_[route];
  auto s = std::find(kStatuses.begin(), kStatuses.end(), status);
  c.by_status[static_cast<std::size_t>(s - kStatuses.begin())].fetch_add(1,
                                                                         std::memory_order_relaxed);
  auto b = std::lower_bound(kBucketsUs.begin(), kBucketsUs.end(), latency_us);
  c.buckets[static_cast<std::size_t>(b - kBucketsUs.begin())].fetch_add(1,
                                                                        std::memory_order_relaxed);
  c.latency_sum_us.fetch_add(static_cast<uint64_t>(std::max<int64_t>(latency_us, 0)),
                             std::memory_order_relaxed);
}

void Metrics::job_run(bool ok) {
  (ok ? jobs_ok_ : jobs_failed_).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::connection_opened() {
  connections_.fetch_add(1, std::memory_order_relaxed);
  connections_total_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::connection_closed() {
  connections_.fetch_sub(1, std::memory_order_relaxed);
}

std::string Metrics::render(const app::WriterStats& writer, std::size_t reader_queue) const {
  std::string out;
  auto line = [&](const std::string& text) {
    out += text;
    out += '\n';
  };
  line("# HELP patron_http_requests_total HTTP requests by route and status.");
  line("# TYPE patron_http_requests_total counter");
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    for (std::size_t s = 0; s <= kStatuses.size(); ++s) {
      uint64_t n = counters_[r].by_status[s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      std::string status = s < kStatuses.size() ? std::to_string(kStatuses[s]) : "other";
      line("patron_http_requests_total{route=\"" + routes_[r] + "\",status=\"" + status + "\"} " +
           std::to_string(n));
    }
  }
  line("# HELP patron_http_request_duration_seconds Time from request read to reply ready.");
  line("# TYPE patron_http_request_duration_seconds histogram");
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    const RouteCounters& c = counters_[r];
    uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= kBucketsUs.size(); ++b) cumulative += c.buckets[b].load();
    if (cumulative == 0) continue;
    cumulative = 0;
    std::string labels = "route=\"" + routes_[r] + "\"";
    for (std::size_t b = 0; b <= kBucketsUs.size(); ++b) {
      cumulative += c.buckets[b].load(std::memory_order_relaxed);
      std::string le = b < kBucketsUs.size() ? std::to_string(kBucketsUs[b] / 1e6) : "+Inf";
      line("patron_http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
           std::to_string(cumulative));
    }
    line("patron_http_request_duration_seconds_sum{" + labels + "} " +
         std::to_string(static_cast<double>(c.latency_sum_us.load()) / 1e6));
    line("patron_http_request_duration_seconds_count{" + labels + "} " +
         std::to_string(cumulative));
  }
  line("# HELP patron_http_connections Open HTTP connections.");
  line("# TYPE patron_http_connections gauge");
  line("patron_http_connections " + std::to_string(connections_.load()));
  line("# TYPE patron_http_connections_total counter");
  line("patron_http_connections_total " + std::to_string(connections_total_.load()));
  line("# HELP patron_writer_commands_total Commands run by the single writer.");
  line("# TYPE patron_writer_commands_total counter");
  line("patron_writer_commands_total " + std::to_string(writer.commands));
  line("# HELP patron_writer_commits_total Transactions committed (group commit batches).");
  line("# TYPE patron_writer_commits_total counter");
  line("patron_writer_commits_total " + std::to_string(writer.batches));
  line("# HELP patron_writer_batch_size_max Largest batch committed at once.");
  line("# TYPE patron_writer_batch_size_max gauge");
  line("patron_writer_batch_size_max " + std::to_string(writer.largest_batch));
  line("# HELP patron_reader_queue Reads waiting for a reader thread.");
  line("# TYPE patron_reader_queue gauge");
  line("patron_reader_queue " + std::to_string(reader_queue));
  line("# HELP patron_reads_on_io_thread_total Point reads run on the I/O thread, not a reader.");
  line("# TYPE patron_reads_on_io_thread_total counter");
  line("patron_reads_on_io_thread_total " + std::to_string(reads_here_.load()));
  line("# HELP patron_job_runs_total Job runs by outcome.");
  line("# TYPE patron_job_runs_total counter");
  line("patron_job_runs_total{outcome=\"ok\"} " + std::to_string(jobs_ok_.load()));
  line("patron_job_runs_total{outcome=\"failed\"} " + std::to_string(jobs_failed_.load()));
  return out;
}

}  // namespace patron::http
