// Webhook delivery to a local receiver (issue 7 target: >= 2,000 webhooks/s):
// N outbox events in a SQLite file (WAL, synchronous=FULL), one endpoint on
// a loopback receiver, then the delivery worker drains them: fan-out,
// signing, sending (max_in_flight per endpoint) and recording every outcome,
// durably. In the same run, the baseline: the bare Sender POSTing the same
// bodies to the same receiver with no database, and the ratio.
//
// Usage: webhooks_bench [--events N] [--in-flight K] [--dir D]
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "app/outbox.h"
#include "app/webhooks.h"
#include "app/writer.h"
#include "store/sqlite/sqlite_store.h"
#include "support/webhook_receiver.h"
#include "webhooks/worker.h"

using namespace patron;

namespace {

[[noreturn]] void die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), e.message.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int events = 20'000;
  int in_flight = 16;
  std::string dir = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) events = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--in-flight")) in_flight = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
  }
  const std::string path = dir + "/webhooks_bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto factory = store::open_sqlite(path);
  if (!factory) die("open", factory.error());
  app::SystemClock clock;
  auto started = app::Writer::start(**factory, clock);
  if (!started) die("writer", started.error());
  auto& writer = *started;
  testing::WebhookReceiver receiver;
  receiver.set_responder([](const testing::Received&, std::size_t) {
    testing::Reply reply;
    reply.status = 204;
    return reply;
  });

  // The endpoint first (it hears events created after it), then the events.
  auto id = app::make_webhook_id();
  if (!id) die("id", id.error());
  app::WebhookEndpoint endpoint;
  endpoint.id = *id;
  endpoint.url = receiver.url("/hooks");
  endpoint.secret = "whsec_bench_0123456789";
  endpoint.events = {"*"};
  endpoint.max_in_flight = in_flight;
  app::Command create;
  create.body = app::CreateWebhook{endpoint};
  if (auto r = writer->execute(std::move(create)); !r) die("create", r.error());
  std::vector<std::string> bodies;
  auto made = writer->submit_exclusive([&](app::Writer::Session& s) -> Result<std::string> {
    if (auto r = s.begin(); !r) return std::unexpected(r.error());
    app::CommandWrite w;
    w.program_id = "default";
    for (int i = 0; i < events; ++i) {
      boost::json::object data{{"wallet", "credit"},
                               {"amount", 50},
                               {"source", "purchase"},
                               {"lot_id", i + 1},
                               {"order_id", "o-" + std::to_string(i)},
                               {"state", "pending"}};
      w.events.push_back(app::make_event("default", app::event_type::kCreditEarned,
                                         "member-" + std::to_string(i % 5000), data, clock.now()));
    }
    if (auto r = s.store().apply(w); !r) return std::unexpected(r.error());
    if (auto r = s.commit(); !r) return std::unexpected(r.error());
    return std::string();
  });
  if (auto r = made.get(); !r) die("events", r.error());

  webhooks::Worker worker(*writer, clock);
  auto t0 = std::chrono::steady_clock::now();
  auto report = worker.drain();
  double worker_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!report) die("drain", report.error());
  if (report->delivered != events || receiver.received().size() != static_cast<size_t>(events)) {
    std::fprintf(stderr, "delivered %lld of %d (receiver saw %zu)\n",
                 static_cast<long long>(report->delivered), events, receiver.received().size());
    return 1;
  }

  // Baseline: the same number of POSTs of the same size, no database.
  std::string body = receiver.received().front().body;
  std::vector<webhooks::Request> requests;
  for (int i = 0; i < events; ++i) {
    requests.push_back(webhooks::Request{i, receiver.url("/hooks"), endpoint.secret, body,
                                         "evt_" + std::to_string(i), "credit.earned", endpoint.id,
                                         static_cast<std::size_t>(in_flight)});
  }
  webhooks::Sender sender;
  auto t1 = std::chrono::steady_clock::now();
  auto outcomes = sender.send(requests, 1'800'000'000);
  double bare_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  for (const auto& o : outcomes) {
    if (!o.delivered) {
      std::fprintf(stderr, "baseline: %s\n", o.error.c_str());
      return 1;
    }
  }
  std::printf("webhooks: %d events, max_in_flight %d, durable SQLite\n", events, in_flight);
  std::printf("  delivery worker (fan-out, sign, send, record): %8.0f webhooks/s  (%.2f s)\n",
              events / worker_s, worker_s);
  std::printf("  bare sender, same receiver, no database:       %8.0f webhooks/s  (%.2f s)\n",
              events / bare_s, bare_s);
  std::printf("  worker / bare: %.2f   (target: worker >= 2,000/s)\n", bare_s / worker_s);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return 0;
}
