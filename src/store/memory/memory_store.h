// An in-memory Store for tests and simulation. Connections from one factory
// share the data; a transaction works on a private copy that commit() publishes,
// so other connections never see uncommitted writes. Not durable, not fast for
// big data (begin() copies everything): use it for tests only.
#pragma once

#include <memory>

#include "app/store.h"

namespace patron::store {

std::unique_ptr<app::StoreFactory> make_memory_store_factory();

}  // namespace patron::store
