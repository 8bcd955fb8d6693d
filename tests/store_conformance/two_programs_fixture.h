// A store on every backend with two programs, "default" and "other", and
// writes that each commit on their own: the fixture of the conformance
// files that test one part of the store (rule uses, referrals).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "app/store.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace patron::testing {

// An instant of these tests: a fixed base plus `s` seconds.
inline Instant at(int64_t s) {
  return from_unix_seconds(1'790'000'000 + s);
}

class TwoProgramsStore : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make(dir_);
    ASSERT_TRUE(factory_);
    auto s = factory_->open();
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    for (const char* id : {"default", "other"}) {
      app::Program p = app::default_program();
      p.id = id;
      ASSERT_TRUE(store_->begin());
      ASSERT_TRUE(store_->put_program(p));
      ASSERT_TRUE(store_->commit());
    }
  }

  // Applies `w` in its own transaction; it must succeed.
  void write(const app::CommandWrite& w) {
    ASSERT_TRUE(store_->begin());
    auto r = store_->apply(w);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(store_->commit());
  }

  // Applies `w` in its own transaction; on failure rolls back and reports it.
  Result<void> try_write(const app::CommandWrite& w) {
    if (auto r = store_->begin(); !r) return r;
    if (auto r = store_->apply(w); !r) {
      EXPECT_TRUE(store_->rollback());
      return r;
    }
    return store_->commit();
  }

  TempDir dir_;
  std::unique_ptr<app::StoreFactory> factory_;
  std::unique_ptr<app::Store> store_;
};

}  // namespace patron::testing
