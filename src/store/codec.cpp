#include "store/codec.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <limits>

#include "core/limits.h"

namespace patron::store {

namespace json = boost::json;

namespace {

std::unexpected<Error> corrupt(std::string_view what, std::string_view text) {
  return fail(
      ErrorCode::kCorruption, "",
      "cannot decode " + std::string(what) + ": '" + std::string(text.substr(0, 200)) + "'");
}

Result<json::value> parse(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return corrupt(what, text);
  return v;
}

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

bool read_strings(const json::object& o, const char* key, std::vector<std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return true;
  if (!v->is_array()) return false;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return false;
    out.emplace_back(item.as_string());
  }
  return true;
}

bool read_int(const json::object& o, const char* key, int64_t& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return false;
  out = v->as_int64();
  return true;
}

bool read_string(const json::object& o, const char* key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return true;
  if (!v->is_string()) return false;
  out = std::string(v->as_string());
  return true;
}

}  // namespace

std::string encode_scope(const ledger::Scope& s) {
  if (s.unrestricted()) return "{}";
  json::object o;
  if (!s.channels.empty()) o["channels"] = strings(s.channels);
  if (!s.categories.empty()) o["categories"] = strings(s.categories);
  if (!s.brands.empty()) o["brands"] = strings(s.brands);
  if (!s.skus.empty()) o["skus"] = strings(s.skus);
  return json::serialize(o);
}

Result<ledger::Scope> decode_scope(std::string_view text) {
  if (text == "{}" || text.empty()) return ledger::Scope{};
  auto v = parse(text, "scope");
  if (!v) return std::unexpected(v.error());
  if (!v->is_object()) return corrupt("scope", text);
  ledger::Scope s;
  const auto& o = v->as_object();
  if (!read_strings(o, "channels", s.channels) || !read_strings(o, "categories", s.categories) ||
      !read_strings(o, "brands", s.brands) || !read_strings(o, "skus", s.skus)) {
    return corrupt("scope", text);
  }
  return s;
}

std::string encode_line_shares(const std::vector<ledger::LineShare>& shares) {
  if (shares.empty()) return "[]";
  json::array a;
  for (const auto& s : shares) {
    a.emplace_back(
        json::object{{"line_id", s.line_id}, {"amount", s.amount}, {"clawed", s.clawed}});
  }
  return json::serialize(a);
}

Result<std::vector<ledger::LineShare>> decode_line_shares(std::string_view text) {
  std::vector<ledger::LineShare> out;
  if (text == "[]" || text.empty()) return out;
  auto v = parse(text, "line shares");
  if (!v) return std::unexpected(v.error());
  if (!v->is_array()) return corrupt("line shares", text);
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) return corrupt("line shares", text);
    ledger::LineShare s;
    const auto& o = item.as_object();
    if (!read_string(o, "line_id", s.line_id) || !read_int(o, "amount", s.amount) ||
        !read_int(o, "clawed", s.clawed)) {
      return corrupt("line shares", text);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string encode_allocations(const std::vector<ledger::Allocation>& allocations) {
  if (allocations.empty()) return "[]";
  json::array a;
  for (const auto& x : allocations) {
    json::object o{{"lot_id", x.lot_id}, {"amount", x.amount}};
    if (!x.line_id.empty()) o["line_id"] = x.line_id;
    if (x.restored != 0) o["restored"] = x.restored;
    a.emplace_back(std::move(o));
  }
  return json::serialize(a);
}

Result<std::vector<ledger::Allocation>> decode_allocations(std::string_view text) {
  std::vector<ledger::Allocation> out;
  if (text == "[]" || text.empty()) return out;
  auto v = parse(text, "allocations");
  if (!v) return std::unexpected(v.error());
  if (!v->is_array()) return corrupt("allocations", text);
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) return corrupt("allocations", text);
    const auto& o = item.as_object();
    ledger::Allocation x;
    if (!read_int(o, "lot_id", x.lot_id) || !read_int(o, "amount", x.amount) ||
        !read_string(o, "line_id", x.line_id)) {
      return corrupt("allocations", text);
    }
    if (o.contains("restored") && !read_int(o, "restored", x.restored)) {
      return corrupt("allocations", text);
    }
    out.push_back(std::move(x));
  }
  return out;
}

std::string encode_expiry_map(const std::map<std::string, ledger::ExpiryRule>& rules) {
  json::object o;
  for (const auto& [source, rule] : rules) o[source] = ledger::to_string(rule);
  return json::serialize(o);
}

Result<std::map<std::string, ledger::ExpiryRule>> decode_expiry_map(std::string_view text) {
  std::map<std::string, ledger::ExpiryRule> out;
  auto v = parse(text, "expiry map");
  if (!v) return std::unexpected(v.error());
  if (!v->is_object()) return corrupt("expiry map", text);
  for (const auto& [key, value] : v->as_object()) {
    if (!value.is_string()) return corrupt("expiry map", text);
    auto rule = ledger::parse_expiry_rule(std::string_view(value.as_string()), "expiry");
    if (!rule) return corrupt("expiry map", text);
    out[std::string(key)] = *rule;
  }
  return out;
}

std::size_t page_limit(std::size_t requested) {
  if (requested == 0) return limits::kPageSizeDefault;
  return std::min(requested, limits::kPageSizeMax);
}

Result<int64_t> id_cursor(const std::string& after) {
  if (after.empty()) return std::numeric_limits<int64_t>::max();
  int64_t id = 0;
  const char* end = after.data() + after.size();
  bool digits =
      std::all_of(after.begin(), after.end(), [](char c) { return c >= '0' && c <= '9'; });
  auto [ptr, ec] = std::from_chars(after.data(), end, id);
  if (!digits || ec != std::errc{} || ptr != end) {
    return fail(ErrorCode::kInvalidArgument, "cursor", "cursor must be a decimal id");
  }
  return id;
}

}  // namespace patron::store
