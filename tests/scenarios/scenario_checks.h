// The `expect` checks of scenario files that only read (README.md): a
// member's balances and tier from the member view, an order record, the last
// command's response. Each takes the words after what it checks and returns
// what is wrong ("" when nothing is), or an error when the line cannot be
// read.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "app/model.h"
#include "scenarios/scenario_words.h"

namespace date {
class time_zone;
}

namespace patron::scenarios {

// WALLET available N [pending N] [held N] [debt N]
// tier ID [until T|none] [since T] [value N]    (T read in `zone` without an offset)
// `view` is app::member_view's object.
Result<std::string> check_member(Words& w, const boost::json::object& view,
                                 const date::time_zone* zone);

// absent | [status S] [earned none|RULE=N ...] [refunded_amount N] [program_version N]
Result<std::string> check_order(Words& w, const std::optional<app::OrderRecord>& record);

// PATH VALUE: VALUE a number, a string, true/false/null, {} or [], ~TEXT (a
// string containing TEXT), or absent. PATH is dotted keys (array indexes as
// numbers).
Result<std::string> check_response(Words& w, const boost::json::object& response);

}  // namespace patron::scenarios
