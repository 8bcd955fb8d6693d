// A small blocking HTTP/1.1 client for the API tests (Beast lives only in
// http_client.cpp), and a helper that runs `patron serve` as a child process.
#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace patron::testing {

struct HttpResponse {
  int status = 0;  // 0: the connection failed (no response)
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  boost::json::value json() const;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// One keep-alive connection; reconnects when the server closed it.
class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends Content-Type: application/json when `body` is not empty and no
  // Content-Type is given in `headers`.
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "", const Headers& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sends raw bytes on a new connection and returns everything the server
// wrote back before closing (or until 5 s passed).
std::string raw_exchange(int port, const std::string& bytes);

// `patron --db DB serve --listen 127.0.0.1:0 --quiet ...` as a child.
class ServerProcess {
 public:
  ServerProcess(const std::string& binary, const std::string& db, const std::string& log_dir,
                std::vector<std::string> extra_args = {});
  ~ServerProcess();  // SIGKILL if still running
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `signal` and waits; returns the exit status (-1 if killed by a signal).
  int stop(int signal);
  std::string stdout_text() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string out_path_;
};

}  // namespace patron::testing
