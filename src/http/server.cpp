#include "http/server.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <mutex>
#include <thread>

#include "core/limits.h"
#include "http/problem.h"

namespace patron::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Runs `api.handle` and resumes the awaiting coroutine on its own executor
// with the reply, whatever thread answered.
template <class Token>
auto async_handle(Api& api, Request request, Token&& token) {
  return asio::async_initiate<Token, void(Reply)>(
      [&api](auto handler, Request request) {
        auto executor = asio::get_associated_executor(handler);
        auto work = asio::make_work_guard(executor);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        api.handle(std::move(request),
                   [shared, work = std::move(work), executor](Reply reply) mutable {
                     asio::post(executor, [shared, reply = std::move(reply)]() mutable {
                       (*shared)(std::move(reply));
                     });
                     work.reset();
                   });
      },
      token, std::move(request));
}

bhttp::response<bhttp::string_body> to_beast(Reply&& reply, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), version};
  res.set(bhttp::field::server, "patron");
  res.set(bhttp::field::content_type, reply.content_type);
  for (auto& [name, value] : reply.headers) res.set(name, value);
  res.body() = std::move(reply.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

struct Server::Impl {
  Api& api;
  ServerOptions options;
  asio::io_context ioc;
  asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(ioc)};
  tcp::acceptor acceptor{accept_strand};
  asio::signal_set signals{ioc};
  std::atomic<bool> stopping{false};
  std::function<void()> on_stop;

  // One per open connection; `busy` (touched only on the connection's
  // strand) is true from a complete request until its reply is written.
  struct Connection {
    beast::tcp_stream* stream = nullptr;  // null once the session ended
    bool busy = false;
    asio::any_io_executor executor;  // the connection's strand
  };
  std::mutex connections_mutex;  // guards connections (the list, not the entries)
  std::list<std::shared_ptr<Connection>> connections;

  Impl(Api& a, ServerOptions o) : api(a), options(std::move(o)) {}

  asio::awaitable<void> session(tcp::socket socket);
  asio::awaitable<void> accept_loop();
  void begin_shutdown();
};

asio::awaitable<void> Server::Impl::session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  auto self = std::make_shared<Connection>(Connection{&stream, false, stream.get_executor()});
  std::list<std::shared_ptr<Connection>>::iterator entry;
  {
    std::lock_guard lock(connections_mutex);
    entry = connections.insert(connections.end(), self);
  }
  api.metrics().connection_opened();
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits::kRequestHeaderBytesMax));
    parser.body_limit(limits::kRequestBodyBytesMax);
    stream.expires_after(
        std::chrono::seconds(first ? limits::kReadTimeoutSeconds : limits::kIdleTimeoutSeconds));
    first = false;
    auto [ec, bytes] =
        co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)bytes;
    if (ec) {
      std::optional<Reply> error;
      if (ec == bhttp::error::body_limit) {
        error = problem(413, "body_too_large", "body", "the request body is larger than 1 MiB");
      } else if (ec == bhttp::error::header_limit) {
        error = problem(431, "headers_too_large", "", "the request headers are larger than 16 KiB");
      } else if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout &&
                 ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
                 ec != asio::error::eof && ec != asio::error::bad_descriptor) {
        error = problem(400, "malformed_request", "", "the request is not valid HTTP/1.1");
      }
      if (error) {
        api.metrics().record(routes().size(), error->status, 0);
        auto res = to_beast(std::move(*error), 11, false);
        stream.expires_after(std::chrono::seconds(limits::kWriteTimeoutSeconds));
        co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        // Lingering close: the client may still be sending the body we
        // refused. Closing with unread data makes the kernel send RST, which
        // can destroy our reply before the client reads it; so stop sending,
        // then read and discard for a bounded time and amount.
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.expires_after(std::chrono::seconds(limits::kLingerSeconds));
        std::array<char, 16 * 1024> sink;
        std::size_t drained = 0;
        while (drained < limits::kLingerBytesMax) {
          auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(sink),
                                                              asio::as_tuple(asio::use_awaitable));
          if (read_ec) break;
          drained += n;
        }
      }
      break;
    }
    self->busy = true;
    auto& req = parser.get();
    Request request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.authorization = std::string(req[bhttp::field::authorization]);
    request.idempotency_key = std::string(req["Idempotency-Key"]);
    request.content_type = std::string(req[bhttp::field::content_type]);
    request.if_match = std::string(req[bhttp::field::if_match]);
    request.body = std::move(req.body());
    bool keep_alive = req.keep_alive();
    unsigned version = req.version();
    bool head = request.method == "HEAD";
    std::string method = request.method;
    std::string target = request.target;
    stream.expires_never();  // the reply may wait for a group commit
    Reply reply = co_await async_handle(api, std::move(request), asio::use_awaitable);
    api.record(method, target, reply);  // here, not on the thread that answered
    keep_alive = keep_alive && !stopping.load();
    std::size_t body_bytes = reply.body.size();
    auto res = to_beast(std::move(reply), version, keep_alive);
    if (head) {
      res.body().clear();
      res.content_length(body_bytes);  // what GET would send
    }
    stream.expires_after(std::chrono::seconds(limits::kWriteTimeoutSeconds));
    auto [write_ec, written] =
        co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    (void)written;
    self->busy = false;
    if (write_ec || !keep_alive || stopping.load()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  self->stream = nullptr;  // on the strand: a queued shutdown closure sees it is gone
  {
    std::lock_guard lock(connections_mutex);
    connections.erase(entry);
  }
  api.metrics().connection_closed();
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    // Each connection's socket lives on its own strand, so the session and
    // the shutdown closure (begin_shutdown) never run at once.
    auto strand = asio::make_strand(ioc);
    auto [ec, socket] = co_await acceptor.async_accept(strand, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) co_return;
      // E.g. too many open files: keep serving the connections we have, and
      // back off instead of spinning on a failing accept.
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    std::size_t open = 0;
    {
      std::lock_guard lock(connections_mutex);
      open = connections.size();
    }
    if (open >= limits::kConnectionsMax) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(strand, session(std::move(socket)), asio::detached);
  }
}

void Server::Impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  api.set_ready(false);
  if (on_stop) on_stop();  // must not block: it only asks (the scheduler stops later)
  // The acceptor belongs to the accept loop's strand.
  asio::post(accept_strand, [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
  });
  // Back to the default action: a second Ctrl-C kills at once.
  beast::error_code ignored;
  signals.clear(ignored);
  signals.cancel(ignored);
  // Close connections waiting for a request; busy ones close after their reply.
  std::lock_guard lock(connections_mutex);
  for (const auto& c : connections) {
    asio::post(c->executor, [c] {
      if (c->stream != nullptr && !c->busy) c->stream->cancel();
    });
  }
}

Server::Server(Api& api, ServerOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {}

Server::~Server() = default;

Result<uint16_t> Server::listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec)
    return fail(ErrorCode::kInvalidArgument, "--listen",
                "not an IP address: " + impl_->options.host);
  tcp::endpoint endpoint{address, impl_->options.port};
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::kFailedPrecondition, "--listen",
                "cannot listen on " + impl_->options.host + ":" +
                    std::to_string(impl_->options.port) + ": " + ec.message());
  }
  return acceptor.local_endpoint().port();
}

void Server::run(std::function<void()> on_stop) {
  Impl& s = *impl_;
  s.on_stop = std::move(on_stop);
  if (s.options.handle_signals) {
    s.signals.add(SIGINT);
    s.signals.add(SIGTERM);
    s.signals.async_wait([&s](beast::error_code ec, int) {
      if (!ec) s.begin_shutdown();
    });
  }
  asio::co_spawn(s.accept_strand, s.accept_loop(), asio::detached);
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < s.options.threads; ++i) threads.emplace_back([&s] { s.ioc.run(); });
  // A watchdog: once shutdown begins, in-flight requests get a grace period.
  std::thread watchdog([&s] {
    while (!s.stopping.load() && !s.ioc.stopped())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int i = 0; i < limits::kShutdownGraceSeconds * 20 && !s.ioc.stopped(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    s.ioc.stop();
  });
  s.ioc.run();
  for (auto& t : threads) t.join();
  s.stopping.store(true);
  watchdog.join();
}

void Server::stop() {
  asio::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

}  // namespace patron::http
