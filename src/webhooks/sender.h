// The outgoing-webhook sender: POSTs signed event bodies to subscriber URLs
// over HTTP(S) with libcurl's multi interface, many at once on the caller's
// thread, and reports one outcome per request. It knows nothing of the outbox
// or retries: the delivery worker in app decides what to send and what to do
// with each outcome.
//
// Each POST carries Content-Type: application/json, Patron-Signature
// (webhooks/signature.h, signed at the `unix_now` given to send()),
// Patron-Event-Id, Patron-Event-Type and User-Agent; the body is sent as is.
// Only http:// and https:// URLs are accepted; redirects are not followed (a
// 3xx is a failure); TLS certificates and host names are verified. Response
// bodies are discarded, and reading stops after kMaxResponseBytes.
//
// Failures are outcomes, never exceptions: a bad URL, a refused connection, a
// timeout or a non-2xx status each give delivered = false and a short error.
//
// Thread safety: one Sender per thread (send() is not reentrant). Connections,
// the DNS cache and TLS sessions are kept between send() calls, so a worker
// should keep its Sender alive.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace patron::webhooks {

struct Request {
  int64_t delivery_id = 0;  // echoed in the outcome
  std::string url;          // http:// or https://
  std::string secret;       // HMAC key
  std::string body;         // the event JSON, sent as is
  std::string event_id;     // header Patron-Event-Id
  std::string event_type;   // header Patron-Event-Type
  // Requests of one group (an endpoint) run at most group_limit at once;
  // 0 = only max_in_flight bounds them.
  std::string group;
  std::size_t group_limit = 0;
};

struct Outcome {
  int64_t delivery_id = 0;
  bool delivered = false;  // a 2xx response
  int status = 0;          // HTTP status, 0 when no response
  // Empty when delivered; else "timeout", "connect: ...", "resolve: ...",
  // "tls: ...", "url: ...", "http 503", ... (at most kMaxErrorBytes).
  std::string error;
  int64_t duration_us = 0;
};

// Response bodies are not used; a subscriber answering with more than this is
// cut off (a 2xx status still counts as delivered).
inline constexpr std::size_t kMaxResponseBytes = 64 * 1024;
inline constexpr std::size_t kMaxErrorBytes = 200;

// Timeouts below 1 ms count as 1 ms: a transfer is never left without a bound
// (in curl, 0 would mean no timeout).
struct SenderOptions {
  std::chrono::milliseconds timeout{10000};  // whole request, connect included
  std::chrono::milliseconds connect_timeout{3000};
  std::size_t max_in_flight = 64;  // concurrent transfers overall (0 counts as 1)
  std::string user_agent = "patron-webhooks/1";
};

class Sender {
 public:
  explicit Sender(SenderOptions options = {});
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  Sender(Sender&&) noexcept;  // a moved-from Sender fails every request
  Sender& operator=(Sender&&) noexcept;

  // Sends every request concurrently (at most max_in_flight at once, and
  // at most group_limit of a group) and returns one outcome per request, in
  // the order given. Blocks until all are done, i.e. at most about
  // ceil(n / max_in_flight) * timeout. Each request is signed at the time
  // it starts: `unix_now` plus the seconds send() has run so far.
  std::vector<Outcome> send(std::span<const Request> requests, int64_t unix_now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace patron::webhooks
