#include "http/problem.h"

#include <boost/json.hpp>

namespace patron::http {

namespace json = boost::json;

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kInsufficientFunds:
    case ErrorCode::kFailedPrecondition:
      return 422;  // well-formed, but the state does not allow it
    case ErrorCode::kStorage:
      return 503;  // nothing was applied; retrying with the same Idempotency-Key is safe
    case ErrorCode::kCorruption:
      return 500;
  }
  return 500;
}

namespace {

std::string_view title_for(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

}  // namespace

Reply problem(int status, std::string code, std::string field, std::string detail) {
  json::object o{{"type", "https://patron.dev/problems/" + code},
                 {"title", title_for(status)},
                 {"status", status},
                 {"detail", std::move(detail)},
                 {"code", code}};
  if (!field.empty()) o["field"] = std::move(field);
  Reply r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = json::serialize(o);
  return r;
}

Reply problem(const Error& e) {
  return problem(status_for(e.code), std::string(to_string(e.code)), e.field, e.message);
}

}  // namespace patron::http
