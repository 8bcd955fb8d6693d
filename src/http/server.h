// The HTTP/1.1 transport (Boost.Beast with C++20 coroutines): a listener
// that accepts, sessions that read and write with limits and timeouts, and
// the Api that answers. This is the only translation unit that includes
// Beast (it compiles slowly).
//
// Shutdown (SIGINT/SIGTERM, or stop()): stop accepting, mark not ready,
// close idle keep-alive connections, let in-flight requests finish (up to
// kShutdownGraceSeconds), then return from run().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "http/api.h"

namespace patron::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port (tests)
  std::size_t threads = 1;
  bool handle_signals = true;
};

class Server {
 public:
  Server(Api& api, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound port.
  Result<uint16_t> listen();
  // Serves until a signal or stop(); `on_stop` runs first thing when
  // shutdown begins (the caller stops its scheduler there).
  void run(std::function<void()> on_stop = {});
  void stop();  // from any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace patron::http
