// A loopback HTTP/1.1 server that plays a webhook subscriber in tests: it
// binds 127.0.0.1 on a free port, records every request (method, path,
// headers with lowercase names, Content-Length body) and answers each with a
// programmable Reply (200 by default). Keep-alive connections are served, one
// thread per connection; chunked request bodies are not supported.
//
// Thread safety: every member may be called from any thread. The destructor
// shuts the sockets down, cuts short any reply delay and joins the threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace patron::testing {

struct Received {
  std::string method;
  std::string path;                            // the request target as sent, query included
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  // The value of header `name` (any case), empty when absent.
  std::string header(std::string_view name) const;
};

struct Reply {
  int status = 200;
  std::chrono::milliseconds delay{0};  // before the reply is written
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Location
};

class WebhookReceiver {
 public:
  // Called for every request; `index` counts requests from 0 in arrival order.
  using Responder = std::function<Reply(const Received&, std::size_t index)>;

  WebhookReceiver();  // throws std::system_error when no loopback port can be bound
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/") const;  // "http://127.0.0.1:PORT/path"

  void set_responder(Responder responder);
  std::vector<Received> received() const;
  std::size_t connections() const;  // accepted so far
  // True once `count` requests were received; false when `timeout` passes first.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  struct Connection {
    int fd = -1;  // -1 once the connection's thread closed it
    std::thread thread;
  };
  void accept_loop();
  void serve(Connection& connection);
  bool pause(std::chrono::milliseconds delay);  // false when stopping

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  Responder responder_;
  std::vector<Received> received_;
  std::list<Connection> connections_;  // a list: threads hold references
};

}  // namespace patron::testing
