// Expected failures as values. Every fallible call in patron returns Result<T>;
// exceptions never cross a module boundary. ErrorCode is exhaustive and stable:
// adapters map it to exit codes (CLI) and HTTP statuses through one table each.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace patron {

enum class ErrorCode {
  kInvalidArgument,     // malformed or out-of-range input; `field` names it
  kNotFound,            // unknown member, hold, wallet, order
  kInsufficientFunds,   // spend/reserve more than is spendable
  kConflict,            // idempotency key reused with a different request; hold already resolved
  kFailedPrecondition,  // state does not allow the command (e.g. capture more than held)
  kStorage,             // the store failed; the command was not applied
  kCorruption,          // stored data violates an invariant (found by verify or by a read check)
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string field;    // the input field at fault, empty when none applies
  std::string message;  // human readable, one sentence, no trailing period
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string field, std::string message) {
  return std::unexpected(Error{code, std::move(field), std::move(message)});
}

}  // namespace patron
