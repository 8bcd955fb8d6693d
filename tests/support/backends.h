// The store backends every parameterised suite runs against. A new backend
// (PostgreSQL) joins every suite by being added here.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "app/store.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace patron::testing {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<app::StoreFactory>(const TempDir&)> make;
};

inline void PrintTo(const Backend& b, std::ostream* os) {
  *os << b.name;
}

inline const Backend kBackends[] = {
    {"memory", [](const TempDir&) { return store::make_memory_store_factory(); }},
    {"sqlite",
     [](const TempDir& dir) {
       auto f = store::open_sqlite(dir.file("patron.db"));
       EXPECT_TRUE(f) << (f ? "" : f.error().message);
       return f ? std::move(*f) : nullptr;
     }},
};

}  // namespace patron::testing
