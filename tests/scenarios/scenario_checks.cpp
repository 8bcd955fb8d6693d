#include "scenarios/scenario_checks.h"

#include <boost/json.hpp>
#include <map>
#include <sstream>

#include "app/json_codec.h"
#include "core/time.h"

namespace patron::scenarios {

namespace json = boost::json;

Result<std::string> check_member(Words& w, const json::object& view, const date::time_zone* zone) {
  SCN_TRY(what, w.next("a wallet or tier"));
  std::string wrong;
  const json::object* o = nullptr;
  if (what == "tier") {
    if (!view.contains("tier")) {
      w.skip_rest();
      return std::string("the program has no tiers");
    }
    o = &view.at("tier").as_object();
    SCN_TRY(id, w.next("the level id"));
    if (o->at("id").as_string() != id) {
      wrong += "tier: expected " + id + ", got " + std::string(o->at("id").as_string()) + ". ";
    }
    while (!w.done()) {
      SCN_TRY(key, w.next("until, since or value"));
      SCN_TRY(value, w.next("a value"));
      if (key == "until" || key == "since") {
        std::string expected = "null";
        if (value != "none") {
          SCN_TRY(t, parse_instant(value, zone, "time"));
          expected = format_instant(t);
        }
        const json::value& got = o->at(key);
        std::string shown = got.is_string() ? std::string(got.as_string()) : "null";
        if (shown != expected) wrong += key + ": expected " + expected + ", got " + shown + ". ";
      } else if (key == "value") {
        SCN_TRY(n, number(value));
        if (o->at("value").as_int64() != n) {
          wrong += "value: expected " + value + ", got " + json::serialize(o->at("value")) + ". ";
        }
      } else {
        return unreadable("expected until, since or value, got '" + key + "'");
      }
    }
  } else {
    const json::object& wallets = view.at("wallets").as_object();
    if (!wallets.contains(what)) return unreadable("no wallet '" + what + "' in the program");
    o = &wallets.at(what).as_object();
    if (w.done()) return unreadable("expected available, pending, held or debt");
    while (!w.done()) {
      SCN_TRY(key, w.next("a balance"));
      SCN_TRY(n, w.next_number("an amount"));
      if (key != "available" && key != "pending" && key != "held" && key != "debt") {
        return unreadable("expected available, pending, held or debt, got '" + key + "'");
      }
      if (o->at(key).as_int64() != n) {
        wrong += what + " " + key + ": expected " + std::to_string(n) + ", got " +
                 json::serialize(o->at(key)) + ". ";
      }
    }
  }
  if (!wrong.empty()) wrong += "\n  " + json::serialize(*o);
  return wrong;
}

Result<std::string> check_order(Words& w, const std::optional<app::OrderRecord>& found) {
  if (w.peek() == "absent") {
    (void)w.next("absent");
    return found ? "order " + found->order.id + " exists" : std::string();
  }
  if (!found) {
    w.skip_rest();
    return std::string("no such order");
  }
  const app::OrderRecord& r = *found;
  std::string wrong;
  while (!w.done()) {
    SCN_TRY(key, w.next("status, earned, refunded_amount or program_version"));
    if (key == "status") {
      SCN_TRY(s, w.next("a status"));
      if (app::order_status(r) != s)
        wrong += "status: expected " + s + ", got " + app::order_status(r) + ". ";
    } else if (key == "earned") {
      std::map<std::string, int64_t> expected, got;
      if (w.peek() == "none") {
        (void)w.next("none");
      } else {
        while (!w.done() && w.peek().find('=') != std::string::npos) {
          SCN_TRY(pair, w.next("RULE=N"));
          SCN_TRY(n, number(pair.substr(pair.find('=') + 1)));
          expected[pair.substr(0, pair.find('='))] = n;
        }
        if (expected.empty()) return unreadable("expected earned none or earned RULE=N ...");
      }
      for (const auto& [rule, amount] : r.earned) got[rule] += amount;
      if (got != expected) {
        std::string shown;
        for (const auto& [rule, amount] : got) shown += " " + rule + "=" + std::to_string(amount);
        wrong += "earned: got" + (shown.empty() ? std::string(" none") : shown) + ". ";
      }
    } else if (key == "refunded_amount" || key == "program_version") {
      SCN_TRY(n, w.next_number("a number"));
      int64_t got = key == "refunded_amount" ? r.refunded_amount : r.program_version;
      if (got != n)
        wrong += key + ": expected " + std::to_string(n) + ", got " + std::to_string(got) + ". ";
    } else {
      return unreadable("expected status, earned, refunded_amount or program_version, got '" + key +
                        "'");
    }
  }
  return wrong;
}

Result<std::string> check_response(Words& w, const json::object& response) {
  SCN_TRY(path, w.next("a path"));
  SCN_TRY(expected, w.next("a value"));
  const json::value whole = response;
  const json::value* v = &whole;
  std::istringstream parts(path);
  for (std::string part; v && std::getline(parts, part, '.');) {
    if (v->is_object()) {
      v = v->as_object().if_contains(part);
    } else if (v->is_array() && number(part) && *number(part) >= 0 &&
               static_cast<std::size_t>(*number(part)) < v->as_array().size()) {
      v = &v->as_array()[static_cast<std::size_t>(*number(part))];
    } else {
      v = nullptr;
    }
  }
  const std::string shown = json::serialize(response);
  if (expected == "absent") return v ? path + " is " + json::serialize(*v) + " in " + shown : "";
  if (!v) return "no " + path + " in the response: " + shown;
  bool same = false;
  if (expected.front() == '~') {
    same = v->is_string() && v->as_string().find(expected.substr(1)) != json::string::npos;
  } else if (v->is_int64()) {
    auto n = number(expected);
    same = n && *n == v->as_int64();
  } else if (v->is_string()) {
    same = v->as_string() == expected;
  } else {
    same = json::serialize(*v) == expected;
  }
  if (same) return std::string();
  return path + ": expected " + expected + ", got " + json::serialize(*v) + " in " + shown;
}

}  // namespace patron::scenarios
