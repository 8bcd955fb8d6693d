// Durable earn commands through the app layer into a SQLite file (WAL,
// synchronous=FULL): the same workload with group commit and with one commit
// per command, in one run, and their ratio. Clients are threads that each
// submit a command and wait for its durable answer, like HTTP handlers.
//
// Usage: durable_bench [--commands N] [--one-commit-commands N] [--clients C]
//                      [--members M] [--wait-us W] [--dir D]
// Targets (issue 3): >= 20,000/s with group commit; >= 8x one-commit-per-command.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "app/writer.h"
#include "store/sqlite/sqlite_store.h"

using namespace patron;

namespace {

struct Figures {
  double per_second = 0;
  uint64_t batches = 0;
  uint64_t largest_batch = 0;
};

Figures run(const std::string& path, int commands, int clients, std::size_t batch_max, int members,
            int64_t wait_us) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  auto factory = store::open_sqlite(path);
  if (!factory) {
    std::fprintf(stderr, "open: %s\n", factory.error().message.c_str());
    std::exit(1);
  }
  app::SystemClock clock;
  auto writer = std::move(*app::Writer::start(**factory, clock, {.batch_max = 1000, .wait_us = 0}));
  {  // members first, in big batches (not measured)
    std::vector<std::future<Result<app::Response>>> futures;
    for (int m = 0; m < members; ++m) {
      app::Command c;
      c.member_id = "member-" + std::to_string(m);
      c.body = app::UpsertMember{};
      futures.push_back(writer->submit(std::move(c)));
    }
    for (auto& f : futures) f.get();
  }
  writer.reset();
  writer = std::move(
      *app::Writer::start(**factory, clock, {.batch_max = batch_max, .wait_us = wait_us}));
  auto before = writer->stats();
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < commands; i = next++) {
        app::Command c;
        c.member_id = "member-" + std::to_string(i % members);
        c.wallet = "credit";
        c.idempotency_key = "order-" + std::to_string(i) + "-earn";
        ledger::Grant g;
        g.amount = 50;
        g.source = "purchase";
        g.order_id = "order-" + std::to_string(i);
        c.body = g;
        if (!writer->execute(std::move(c))) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failures > 0) {
    std::fprintf(stderr, "%d commands failed\n", failures.load());
    std::exit(1);
  }
  auto after = writer->stats();
  return {commands / seconds, after.batches - before.batches, after.largest_batch};
}

}  // namespace

int main(int argc, char** argv) {
  int commands = 50'000, one_commit_commands = 3'000, clients = 64, members = 10'000;
  int64_t wait_us = 0;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--commands")) commands = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--one-commit-commands"))
      one_commit_commands = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--clients")) clients = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--members")) members = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--wait-us")) wait_us = std::atoll(argv[i + 1]);
  }
  std::string path = dir + "/patron-durable-bench.db";
  Figures grouped = run(path, commands, clients, 1000, members, wait_us);
  Figures single = run(path, one_commit_commands, clients, 1, members, 0);
  std::printf("durable earn commands, SQLite WAL synchronous=FULL, %d clients\n", clients);
  std::printf(
      "  group commit (batch <= 1000, wait %lld us): %8.0f commands/s  (%d commands, %lu commits, "
      "largest batch %lu)\n",
      static_cast<long long>(wait_us), grouped.per_second, commands,
      static_cast<unsigned long>(grouped.batches),
      static_cast<unsigned long>(grouped.largest_batch));
  std::printf("  one commit per command:       %8.0f commands/s  (%d commands)\n",
              single.per_second, one_commit_commands);
  std::printf("  ratio: %.1fx\n", grouped.per_second / single.per_second);
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return 0;
}
