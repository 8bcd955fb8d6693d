#include "support/webhook_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <system_error>

namespace patron::testing {

namespace {

// Bounds on what one request may send before the receiver gives up on it.
constexpr std::size_t kMaxHeadBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 16 * 1024 * 1024;
constexpr std::size_t kReadChunkBytes = 16 * 1024;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

// Appends what the peer sent next; false at end of stream or on an error.
bool read_more(int fd, std::string& buffer) {
  char chunk[kReadChunkBytes];
  for (;;) {
    ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(got));
    return true;
  }
}

std::string_view reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string render(const Reply& reply) {
  std::string out =
      "HTTP/1.1 " + std::to_string(reply.status) + " " + std::string(reason(reply.status)) + "\r\n";
  out +=
      "Content-Type: text/plain\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\n";
  for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  out += reply.body;
  return out;
}

// The request line and header lines (without the blank line) into `out`.
bool parse_head(std::string_view head, Received& out) {
  std::size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  std::size_t space1 = line.find(' ');
  std::size_t space2 = line.find(' ', space1 == std::string_view::npos ? 0 : space1 + 1);
  if (space1 == std::string_view::npos || space2 == std::string_view::npos ||
      !line.substr(space2 + 1).starts_with("HTTP/1.")) {
    return false;
  }
  out.method = line.substr(0, space1);
  out.path = line.substr(space1 + 1, space2 - space1 - 1);
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    line = head.substr(0, line_end);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string name = lower(line.substr(0, colon));
    std::string value(trim(line.substr(colon + 1)));
    auto [it, added] = out.headers.emplace(name, value);
    if (!added) it->second += ", " + value;
  }
  return true;
}

enum class ReadResult { kRequest, kClosed, kBad };

// Reads one request from `fd`; `buffer` carries bytes already read past the
// previous request (pipelining) and keeps those past this one.
ReadResult read_request(int fd, std::string& buffer, Received& out) {
  std::size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeadBytes) return ReadResult::kBad;
    if (!read_more(fd, buffer)) return ReadResult::kClosed;
  }
  if (!parse_head(std::string_view(buffer).substr(0, head_end), out)) return ReadResult::kBad;
  buffer.erase(0, head_end + 4);
  std::size_t length = 0;
  if (std::string text = out.header("content-length"); !text.empty()) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (ec != std::errc{} || end != text.data() + text.size() || length > kMaxBodyBytes) {
      return ReadResult::kBad;
    }
  }
  if (lower(out.header("expect")) == "100-continue" && buffer.size() < length) {
    if (!send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n")) return ReadResult::kClosed;
  }
  while (buffer.size() < length) {
    if (!read_more(fd, buffer)) return ReadResult::kClosed;
  }
  out.body = buffer.substr(0, length);
  buffer.erase(0, length);
  return ReadResult::kRequest;
}

}  // namespace

std::string Received::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

WebhookReceiver::WebhookReceiver() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, SOMAXCONN) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    int error = errno;
    ::close(listen_fd_);
    throw std::system_error(error, std::generic_category(), "bind 127.0.0.1:0");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

WebhookReceiver::~WebhookReceiver() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept() on Linux
  acceptor_.join();
  ::close(listen_fd_);
  {
    // Under the lock: a connection thread closes its fd (and sets -1) under
    // it too, so a shut-down fd number is never one reused elsewhere.
    std::lock_guard lock(mutex_);
    for (Connection& connection : connections_) {
      if (connection.fd >= 0) ::shutdown(connection.fd, SHUT_RDWR);
    }
  }
  for (Connection& connection : connections_) connection.thread.join();
}

std::string WebhookReceiver::url(std::string_view path) const {
  std::string out = "http://127.0.0.1:" + std::to_string(port_);
  if (!path.starts_with('/')) out += '/';
  out += path;
  return out;
}

void WebhookReceiver::set_responder(Responder responder) {
  std::lock_guard lock(mutex_);
  responder_ = std::move(responder);
}

std::vector<Received> WebhookReceiver::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::size_t WebhookReceiver::connections() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

bool WebhookReceiver::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
}

void WebhookReceiver::accept_loop() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
    std::lock_guard lock(mutex_);
    if (fd < 0 || stopping_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    Connection& connection = connections_.emplace_back();
    connection.fd = fd;
    connection.thread = std::thread([this, &connection] { serve(connection); });
  }
}

bool WebhookReceiver::pause(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, delay, [&] { return stopping_; });
}

void WebhookReceiver::serve(Connection& connection) {
  int fd;
  {
    std::lock_guard lock(mutex_);
    fd = connection.fd;
  }
  std::string buffer;
  for (;;) {
    Received request;
    ReadResult read = read_request(fd, buffer, request);
    if (read == ReadResult::kBad) {
      Reply bad;
      bad.status = 400;
      send_all(fd, render(bad));
    }
    if (read != ReadResult::kRequest) break;
    bool close_after = lower(request.header("connection")) == "close";
    Responder responder;
    std::size_t index;
    {
      std::lock_guard lock(mutex_);
      index = received_.size();
      received_.push_back(request);
      responder = responder_;
    }
    changed_.notify_all();
    Reply reply = responder ? responder(request, index) : Reply{};
    if (!pause(reply.delay)) break;
    if (!send_all(fd, render(reply)) || close_after) break;
  }
  std::lock_guard lock(mutex_);
  ::close(connection.fd);
  connection.fd = -1;
}

}  // namespace patron::testing
