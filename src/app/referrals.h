// Referrals in the app (rules/referrals.h for the checks): codes for new
// members, naming a referrer, the referrals job's qualification of one
// referee, and a person's approve/reject of a referral held for review.
// Run inside the writer's transaction; write nothing themselves.
#pragma once

#include <string>

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"

namespace patron::app {

// A fresh referral code, unique in the program (8 characters, app/keys.h).
Result<std::string> new_referral_code(Store& store, const std::string& program_id);

// Member `m` names the referral code `code` (PUT /v1/members/{id}
// "referred_by"): checks it and returns the pending Referral to store, with
// m.referred_by set; nullopt when m already has this referrer (a repeat).
// `created`: m is being created (it has no orders yet).
Result<std::optional<Referral>> refer(Store& store, const ResolvedProgram& program, Member& m,
                                      const std::string& code, bool created, Instant now);

// Whether a referee's order qualifies a referral at `now`: completed, or
// fulfilled with its return window over; not cancelled; paid value at least
// the program's min_order (and above 0).
bool referral_order_settled(const ResolvedProgram& program, const OrderSummary& order, Instant now);

// The referrals job for one referee (QualifyReferral).
Result<Executed> qualify_referral(Store& store, const ResolvedProgram& program,
                                  ledger::IdSource& ids, const Command& c, Instant now);

// Approve or reject a referral held for review (DecideReferral).
Result<Executed> decide_referral(Store& store, const ResolvedProgram& program,
                                 ledger::IdSource& ids, const Command& c,
                                 const DecideReferral& decide, Instant now);

}  // namespace patron::app
