// Runs one scenario file (the format is in tests/scenarios/README.md): a
// program, timed order events and ledger commands, and what is expected
// after them (balances, tiers, orders, errors), against one store backend
// through the app's single writer, as the CLI and HTTP adapters drive it.
//
// Failure: every mismatch is a gtest failure at FILE:LINE of the scenario;
// a command that fails without an `expect error` after it, or a line the
// runner cannot read, also stops the scenario (what follows would only
// repeat the first failure).
#pragma once

#include <filesystem>

#include "support/backends.h"

namespace patron::scenarios {

// The program every scenario configures (its `program` block). A program of
// its own, created from the file at version 1, so a scenario never has to
// keep the wallets of the database's default program.
inline constexpr const char* kProgramId = "scenario";

void run_scenario(const std::filesystem::path& file, const testing::Backend& backend);

}  // namespace patron::scenarios
