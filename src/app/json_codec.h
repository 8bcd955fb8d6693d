// JSON forms of commands (canonical, for idempotency hashing) and of results
// and views (what the CLI prints with --json and the HTTP API returns).
// Amounts are integers in minor units; times are ISO 8601 UTC strings.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/model.h"
#include "ledger/types.h"

namespace patron::app {

// Deterministic JSON of everything that makes a request what it is: the body,
// program, member and wallet (not the key, not the time).
std::string canonical_request(const Command& command);
// Hex SHA-256 of canonical_request.
std::string request_hash(const Command& command);

boost::json::object balances_json(const ledger::Balances& b);
boost::json::object lot_json(const ledger::Lot& lot);
boost::json::object hold_json(const ledger::Hold& hold);
boost::json::object transfer_json(const ledger::Transfer& t);
boost::json::array allocations_json(const std::vector<ledger::Allocation>& allocations);
boost::json::object member_json(const Member& m);
// {"email":true,"sms":false,"line":true,"push":false}: every channel, named.
boost::json::object consent_json(const std::vector<std::string>& consent);
boost::json::object referral_json(const Referral& r);
boost::json::object order_json(const rules::Order& order, boost::json::storage_ptr sp = {});
boost::json::object order_record_json(const OrderRecord& record);
// placed, paid, fulfilled, completed, partially_refunded, refunded, cancelled
std::string order_status(const OrderRecord& record);
// {"id", "currency", "minor_digits", "time_zone", "wallets": [{"name", "unit", ...}]}
boost::json::object program_json(const Program& program);
// A key without its secret hash: id, program_id, role, label, created_at, revoked_at.
boost::json::object api_key_json(const ApiKey& key);
boost::json::object audit_entry_json(const AuditEntry& entry);
boost::json::object job_run_json(const JobRun& run);

// ["a", "b"] of a list of strings.
boost::json::array strings_json(const std::vector<std::string>& items);

// Pretty-prints with two-space indentation (CLI output).
std::string pretty(const boost::json::value& v);

}  // namespace patron::app
