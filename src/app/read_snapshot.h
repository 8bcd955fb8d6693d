// A read transaction for one view or report: every read inside it sees one
// committed state even while the writer commits, and it is rolled back when
// the object goes out of scope (nothing was written). Check opened() first.
#pragma once

#include "app/store.h"

namespace patron::app {

class ReadSnapshot {
 public:
  explicit ReadSnapshot(Store& store) : store_(store), opened_(store.begin_read()) {}
  ~ReadSnapshot() {
    if (opened_) store_.rollback();
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  const Result<void>& opened() const { return opened_; }

 private:
  Store& store_;
  Result<void> opened_;
};

}  // namespace patron::app
