// The HTTP request and reply as handlers see them: plain values with no Beast
// types, so handlers compile fast and never touch a socket (the Beast anchor
// in style.md: handle_request knows nothing of the connection).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace patron::http {

struct Request {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // as sent: path and query, percent-encoded
  std::string authorization;
  std::string idempotency_key;
  std::string content_type;
  std::string if_match;
  std::string body;
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For metrics and the access log, which the transport records on its own
  // thread once the reply is back (never on the writer or a reader thread).
  std::size_t route_index = static_cast<std::size_t>(-1);  // routes() index; -1: none
  std::chrono::steady_clock::time_point started{};
  std::string actor;  // the key id that made the request
};

// Answers a request exactly once, from any thread.
using Respond = std::move_only_function<void(Reply)>;

}  // namespace patron::http
