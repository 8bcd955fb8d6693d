#include "support/http_client.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace patron::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

boost::json::value HttpResponse::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return boost::json::value(nullptr);
  return v;
}

struct HttpClient::Impl {
  int port;
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  bool connect() {
    stream = std::make_unique<beast::tcp_stream>(ioc);
    beast::error_code ec;
    stream->socket().connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)},
                             ec);
    if (ec) {
      stream.reset();
      return false;
    }
    buffer.clear();
    return true;
  }
};

HttpClient::HttpClient(int port) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& body, const Headers& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->stream && !impl_->connect()) return {};
    // A test must fail, not hang, when the server stops answering.
    impl_->stream->expires_after(std::chrono::seconds(30));
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.keep_alive(true);
    bool has_type = false;
    for (const auto& [name, value] : headers) {
      req.set(name, value);
      has_type = has_type || beast::iequals(name, "content-type");
    }
    if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    bhttp::write(*impl_->stream, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(method == "HEAD");  // a reply to HEAD has no body, whatever Content-Length says
    // Read even when the write failed: a server may answer (413) and stop
    // reading before the whole body was sent.
    beast::error_code read_ec;
    bhttp::read(*impl_->stream, impl_->buffer, parser, read_ec);
    if (!read_ec && parser.is_done()) ec = {};
    if (read_ec) ec = read_ec;
    if (ec) {
      // A keep-alive connection the server closed: retry once on a new one,
      // but only if nothing could have been processed (write failed) or the
      // server closed before answering an idempotent request.
      impl_->stream.reset();
      if (attempt == 0 && (method == "GET")) continue;
      return {};
    }
    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    if (!res.keep_alive()) impl_->stream.reset();
    return out;
  }
  return {};
}

std::string raw_exchange(int port, const std::string& bytes) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
  if (ec) return "";
  asio::write(socket, asio::buffer(bytes), ec);
  std::string out;
  char chunk[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  socket.non_blocking(true);
  while (std::chrono::steady_clock::now() < deadline) {
    std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (ec) break;
    out.append(chunk, n);
  }
  return out;
}

ServerProcess::ServerProcess(const std::string& binary, const std::string& db,
                             const std::string& log_dir, std::vector<std::string> extra_args) {
  out_path_ = log_dir + "/serve.out";
  std::string err_path = log_dir + "/serve.err";
  std::vector<std::string> args = {binary,     "--db",        db,       "serve",
                                   "--listen", "127.0.0.1:0", "--quiet"};
  for (auto& a : extra_args) args.push_back(std::move(a));
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test must not leave a server behind
    if (!freopen(out_path_.c_str(), "w", stdout) || !freopen(err_path.c_str(), "w", stderr)) {
      _exit(127);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // Wait for "patron: listening on http://127.0.0.1:PORT".
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = stdout_text();
    auto at = text.find("listening on http://127.0.0.1:");
    auto end = text.find('\n', at);
    if (at != std::string::npos && end != std::string::npos) {
      port_ = std::stoi(text.substr(at + 30, end - at - 30));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream err(err_path);
  std::stringstream s;
  s << err.rdbuf();
  throw std::runtime_error("patron serve did not start: " + s.str());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop(SIGKILL);
}

int ServerProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ServerProcess::stdout_text() const {
  std::ifstream in(out_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace patron::testing
