// Time for the app: the only place below the adapters that may read the
// system clock. Tests and replays use FixedClock.
#pragma once

#include <atomic>
#include <chrono>

#include "core/time.h"

namespace patron::app {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(Instant t) : t_(to_unix_seconds(t)) {}
  Instant now() const override { return from_unix_seconds(t_.load()); }
  void set(Instant t) { t_ = to_unix_seconds(t); }
  void advance(std::chrono::seconds s) { t_ += s.count(); }

 private:
  std::atomic<int64_t> t_;
};

}  // namespace patron::app
