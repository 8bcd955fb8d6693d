// Reading JSON request bodies and query strings with errors that name the
// field: every accessor fails with kInvalidArgument and `field` set, so the
// problem reply says which input is wrong. Unknown fields are rejected: a
// typo ("amout") must not silently fall back to a default.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/time.h"
#include "http/api.h"

namespace patron::http {

// Parses the body as one JSON object (an empty body is an empty object).
Result<boost::json::object> object_body(const Call& call);

// Fails on a key not in `known`.
Result<void> only_fields(const boost::json::object& o,
                         std::initializer_list<std::string_view> known);

Result<std::optional<std::string>> optional_string(const boost::json::object& o,
                                                   std::string_view field);
Result<std::string> required_string(const boost::json::object& o, std::string_view field);
Result<std::optional<int64_t>> optional_integer(const boost::json::object& o,
                                                std::string_view field);
Result<int64_t> required_integer(const boost::json::object& o, std::string_view field);
Result<bool> optional_bool(const boost::json::object& o, std::string_view field, bool fallback);
Result<std::optional<Instant>> optional_instant(const boost::json::object& o,
                                                std::string_view field,
                                                const date::time_zone* zone);

// Query parameters: ?limit=N (1..kPageSizeMax) and ?after=CURSOR.
Result<app::PageRequest> page_request(const Call& call);
std::string query_value(const Call& call, const std::string& name);
// A cursor that is a row id (ledger, audit log, job runs): the decimal id in
// `after`, or 0 when absent. Anything else fails naming "after".
Result<int64_t> id_after(const app::PageRequest& page);

}  // namespace patron::http
