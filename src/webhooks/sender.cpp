#include "webhooks/sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <string_view>

#include "webhooks/signature.h"

namespace patron::webhooks {

namespace {

// The longest curl_multi_poll waits without socket activity; curl wakes
// earlier for its own timers (timeouts), so this only bounds a missed wakeup.
constexpr int kPollTimeoutMs = 1000;

bool global_init() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

// One transfer slot: an easy handle kept between transfers (and send()
// calls) with the per-transfer state curl's callbacks and getinfo point at.
struct Slot {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::size_t index = 0;  // into the requests of the running send()
  std::chrono::steady_clock::time_point started;
  std::size_t response_bytes = 0;
  bool cut_off = false;  // the response passed kMaxResponseBytes
  char error[CURL_ERROR_SIZE] = {};
};

std::size_t discard(char*, std::size_t size, std::size_t count, void* user) {
  auto* slot = static_cast<Slot*>(user);
  std::size_t bytes = size * count;
  slot->response_bytes += bytes;
  if (slot->response_bytes > kMaxResponseBytes) {
    slot->cut_off = true;
    return 0;  // any other count than `bytes` aborts with CURLE_WRITE_ERROR
  }
  return bytes;
}

std::string clip(std::string text) {
  if (text.size() > kMaxErrorBytes) text.resize(kMaxErrorBytes);
  return text;
}

bool starts_with_icase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// Checks what curl would accept but must not be sent: other schemes (curl
// would guess http:// for "example.com/hook") and header values that would
// inject headers. Returns the error, empty when the request is fine.
std::string check(const Request& request) {
  if (!starts_with_icase(request.url, "http://") && !starts_with_icase(request.url, "https://")) {
    return "url: scheme must be http:// or https://";
  }
  constexpr std::string_view kBreaks("\r\n\0", 3);
  if (request.url.find('\0') != std::string::npos) return "url: contains a NUL byte";
  if (request.event_id.find_first_of(kBreaks) != std::string::npos ||
      request.event_type.find_first_of(kBreaks) != std::string::npos) {
    return "header: event id or type contains a line break or NUL";
  }
  return {};
}

std::string describe(CURLcode code, const char* detail) {
  std::string text = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_CONNECT:
      return "connect: " + text;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "resolve: " + text;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "url: " + text;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return "tls: " + text;
    default:
      return "curl: " + text;
  }
}

}  // namespace

struct Sender::Impl {
  SenderOptions options;
  CURLM* multi = nullptr;
  CURLSH* share = nullptr;
  std::vector<Slot> slots;  // never resized after construction: curl holds pointers
  std::vector<Slot*> idle;

  explicit Impl(SenderOptions o) : options(std::move(o)) {
    options.max_in_flight = std::max<std::size_t>(options.max_in_flight, 1);
    options.timeout = std::max(options.timeout, std::chrono::milliseconds(1));
    options.connect_timeout = std::max(options.connect_timeout, std::chrono::milliseconds(1));
    slots.resize(options.max_in_flight);
    for (Slot& slot : slots) idle.push_back(&slot);
    if (!global_init()) return;
    multi = curl_multi_init();
    share = curl_share_init();
    if (multi != nullptr) {
      // Keep one idle connection per possible transfer between send() calls.
      curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_in_flight));
    }
    if (share != nullptr) {
      // The multi handle already shares DNS and connections; TLS sessions
      // are per easy handle unless shared.
      curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
  }

  ~Impl() {
    for (Slot& slot : slots) {
      if (slot.easy != nullptr) curl_easy_cleanup(slot.easy);
      curl_slist_free_all(slot.headers);
    }
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (share != nullptr) curl_share_cleanup(share);
  }

  // Starts `request` on an idle slot. Returns false, with outcome.error set,
  // when it cannot start.
  bool start(const Request& request, std::size_t index, int64_t unix_now, Outcome& outcome) {
    Slot& slot = *idle.back();
    if (slot.easy == nullptr) slot.easy = curl_easy_init();
    if (slot.easy == nullptr) {
      outcome.error = "curl: cannot create a transfer";
      return false;
    }
    curl_easy_reset(slot.easy);
    curl_slist_free_all(slot.headers);
    slot.headers = nullptr;
    for (const std::string& line :
         {std::string("Content-Type: application/json"),
          "Patron-Signature: " + sign(request.secret, unix_now, request.body),
          "Patron-Event-Id: " + request.event_id, "Patron-Event-Type: " + request.event_type,
          std::string("Expect:")}) {  // no 100-continue round trip for larger bodies
      curl_slist* appended = curl_slist_append(slot.headers, line.c_str());
      if (appended == nullptr) {
        outcome.error = "curl: out of memory";
        return false;
      }
      slot.headers = appended;
    }
    slot.index = index;
    slot.response_bytes = 0;
    slot.cut_off = false;
    slot.error[0] = '\0';
    CURL* e = slot.easy;
    bool ok = curl_easy_setopt(e, CURLOPT_URL, request.url.c_str()) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_POST, 1L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data()) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                               static_cast<curl_off_t>(request.body.size())) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_HTTPHEADER, slot.headers) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str()) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count())) ==
                  CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                               static_cast<long>(options.connect_timeout.count())) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_WRITEDATA, &slot) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_ERRORBUFFER, slot.error) == CURLE_OK &&
              curl_easy_setopt(e, CURLOPT_PRIVATE, &slot) == CURLE_OK &&
              (share == nullptr || curl_easy_setopt(e, CURLOPT_SHARE, share) == CURLE_OK);
    if (!ok) {
      outcome.error = "curl: cannot set transfer options";
      return false;
    }
    slot.started = std::chrono::steady_clock::now();
    if (CURLMcode code = curl_multi_add_handle(multi, e); code != CURLM_OK) {
      outcome.error = clip(std::string("curl: ") + curl_multi_strerror(code));
      return false;
    }
    idle.pop_back();
    return true;
  }

  void finish(Slot& slot, CURLcode code, Outcome& outcome) {
    long status = 0;
    curl_easy_getinfo(slot.easy, CURLINFO_RESPONSE_CODE, &status);
    outcome.status = static_cast<int>(status);
    outcome.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - slot.started)
                              .count();
    bool answered = code == CURLE_OK || (code == CURLE_WRITE_ERROR && slot.cut_off);
    if (!answered) {
      outcome.error = clip(describe(code, slot.error));
    } else if (status >= 200 && status < 300) {
      outcome.delivered = true;
    } else if (status >= 300 && status < 400) {
      outcome.error = "http " + std::to_string(status) + " (redirects are not followed)";
    } else {
      outcome.error = "http " + std::to_string(status);
    }
    curl_multi_remove_handle(multi, slot.easy);
    idle.push_back(&slot);
  }

  // Ends every running transfer with `error` (the multi handle failed).
  void abandon(std::vector<Outcome>& outcomes, const std::string& error) {
    for (Slot& slot : slots) {
      if (std::find(idle.begin(), idle.end(), &slot) != idle.end()) continue;
      curl_multi_remove_handle(multi, slot.easy);
      outcomes[slot.index].error = error;
      idle.push_back(&slot);
    }
  }
};

Sender::Sender(SenderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Sender::~Sender() = default;
Sender::Sender(Sender&&) noexcept = default;
Sender& Sender::operator=(Sender&&) noexcept = default;

std::vector<Outcome> Sender::send(std::span<const Request> requests, int64_t unix_now) {
  std::vector<Outcome> outcomes(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    outcomes[i].delivery_id = requests[i].delivery_id;
  }
  if (impl_ == nullptr || impl_->multi == nullptr) {
    for (Outcome& outcome : outcomes) outcome.error = "curl: initialisation failed";
    return outcomes;
  }
  Impl& impl = *impl_;
  const auto send_started = std::chrono::steady_clock::now();
  // Not started yet, in the order given; a request whose group is at its
  // limit waits without holding back the others.
  std::vector<std::size_t> waiting(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) waiting[i] = i;
  std::map<std::string, std::size_t> in_group;
  std::size_t active = 0;
  while (!waiting.empty() || active > 0) {
    std::size_t kept = 0;
    for (std::size_t w = 0; w < waiting.size(); ++w) {
      std::size_t i = waiting[w];
      const Request& r = requests[i];
      bool room = !impl.idle.empty() && (r.group_limit == 0 || in_group[r.group] < r.group_limit);
      if (!room) {
        waiting[kept++] = i;
        continue;
      }
      outcomes[i].error = check(r);
      // Signed when it starts, not when send() began: a long round must not
      // send timestamps a receiver's tolerance rejects.
      const int64_t signed_at = unix_now + std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::steady_clock::now() - send_started)
                                               .count();
      if (outcomes[i].error.empty() && impl.start(r, i, signed_at, outcomes[i])) {
        ++active;
        ++in_group[r.group];
      }
    }
    waiting.resize(kept);
    if (active == 0) continue;
    int running = 0;
    if (CURLMcode code = curl_multi_perform(impl.multi, &running); code != CURLM_OK) {
      std::string error = clip(std::string("curl: ") + curl_multi_strerror(code));
      impl.abandon(outcomes, error);
      for (std::size_t i : waiting) outcomes[i].error = error;
      break;
    }
    bool finished = false;
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(impl.multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      // Copy out: the message does not survive curl_multi_remove_handle.
      CURL* easy = message->easy_handle;
      CURLcode result = message->data.result;
      void* slot = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot);
      auto& done = *static_cast<Slot*>(slot);
      impl.finish(done, result, outcomes[done.index]);
      --in_group[requests[done.index].group];
      --active;
      finished = true;
    }
    if (!finished && active > 0) {
      curl_multi_poll(impl.multi, nullptr, 0, kPollTimeoutMs, nullptr);
    }
  }
  return outcomes;
}

}  // namespace patron::webhooks
