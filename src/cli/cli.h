// The command-line adapter: parses arguments (CLI11), builds commands, runs
// them through the app, prints results (text, or JSON with --json) and maps
// errors to exit codes. See docs/cli.md for the full reference.
#pragma once

namespace patron::cli {

// Exit codes, stable for scripts.
enum ExitCode : int {
  kOk = 0,
  kVerifyFailed = 1,  // verify found problems
  kInvalidInput = 2,  // bad arguments or input files
  kNotFound = 3,      // unknown member, hold, wallet, program
  kInsufficientFunds = 4,
  kConflict = 5,  // idempotency key reuse, hold already resolved
  kFailedPrecondition = 6,
  kStorage = 10,
  kCorruption = 11,
};

int run(int argc, char** argv);

}  // namespace patron::cli
