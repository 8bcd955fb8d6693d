#include "http/body.h"

#include <boost/json/parse.hpp>
#include <charconv>

#include "core/limits.h"

namespace patron::http {

namespace json = boost::json;

Result<json::object> object_body(const Call& call) {
  if (call.request.body.empty()) return json::object{};
  boost::system::error_code ec;
  json::value v = json::parse(call.request.body, ec);
  if (ec) return fail(ErrorCode::kInvalidArgument, "body", "is not valid JSON: " + ec.message());
  if (!v.is_object()) return fail(ErrorCode::kInvalidArgument, "body", "must be a JSON object");
  return std::move(v.as_object());
}

Result<void> only_fields(const json::object& o, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : o) {
    bool listed = false;
    for (auto k : known) listed = listed || k == key;
    if (!listed) {
      return fail(ErrorCode::kInvalidArgument, std::string(key), "is not a known field");
    }
  }
  return {};
}

Result<std::optional<std::string>> optional_string(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string())
    return fail(ErrorCode::kInvalidArgument, std::string(field), "must be a string");
  return std::string(v->as_string());
}

Result<std::string> required_string(const json::object& o, std::string_view field) {
  auto s = optional_string(o, field);
  if (!s) return std::unexpected(s.error());
  if (!*s || (*s)->empty()) {
    return fail(ErrorCode::kInvalidArgument, std::string(field), "is required");
  }
  return std::move(**s);
}

Result<std::optional<int64_t>> optional_integer(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  return fail(ErrorCode::kInvalidArgument, std::string(field),
              v->is_uint64() ? "is too large" : "must be an integer (minor units)");
}

Result<int64_t> required_integer(const json::object& o, std::string_view field) {
  auto v = optional_integer(o, field);
  if (!v) return std::unexpected(v.error());
  if (!*v) return fail(ErrorCode::kInvalidArgument, std::string(field), "is required");
  return **v;
}

Result<bool> optional_bool(const json::object& o, std::string_view field, bool fallback) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_bool())
    return fail(ErrorCode::kInvalidArgument, std::string(field), "must be true or false");
  return v->as_bool();
}

Result<std::optional<Instant>> optional_instant(const json::object& o, std::string_view field,
                                                const date::time_zone* zone) {
  auto s = optional_string(o, field);
  if (!s) return std::unexpected(s.error());
  if (!*s) return std::nullopt;
  auto t = parse_instant(**s, zone, std::string(field));
  if (!t) return std::unexpected(t.error());
  return *t;
}

std::string query_value(const Call& call, const std::string& name) {
  auto it = call.query.find(name);
  return it == call.query.end() ? std::string() : it->second;
}

Result<app::PageRequest> page_request(const Call& call) {
  app::PageRequest page;
  page.limit = limits::kPageSizeDefault;
  std::string limit = query_value(call, "limit");
  if (!limit.empty()) {
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
    if (ec != std::errc{} || p != limit.data() + limit.size() || n == 0 ||
        n > limits::kPageSizeMax) {
      return fail(ErrorCode::kInvalidArgument, "limit", "must be a whole number from 1 to 500");
    }
    page.limit = n;
  }
  page.after = query_value(call, "after");
  if (page.after.size() > limits::kIdBytesMax) {
    return fail(ErrorCode::kInvalidArgument, "after", "is longer than 128 bytes");
  }
  return page;
}

Result<int64_t> id_after(const app::PageRequest& page) {
  if (page.after.empty()) return 0;
  int64_t id = 0;
  const char* end = page.after.data() + page.after.size();
  auto [p, ec] = std::from_chars(page.after.data(), end, id);
  if (ec != std::errc{} || p != end || id < 0 || page.after.front() == '-') {
    return fail(ErrorCode::kInvalidArgument, "after",
                "must be the next_cursor of the previous page");
  }
  return id;
}

}  // namespace patron::http
