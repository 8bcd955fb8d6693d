#include "core/error.h"

namespace patron {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kInsufficientFunds:
      return "insufficient_funds";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kStorage:
      return "storage";
    case ErrorCode::kCorruption:
      return "corruption";
  }
  return "unknown";
}

}  // namespace patron
