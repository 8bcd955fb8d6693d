// Reminders (docs/webhooks.md "Reminders"): the reminders job's command for
// one member: value of a wallet about to expire (credit.expiring, one per
// wallet and last day, per [reminders] expiry_days) and a tier anniversary
// the member is not on course to keep (tier.will_downgrade, [tiers]
// warn_days before it).
// Each is sent once per lead: with expiry_days = [7, 1], value expiring on
// the 10th is announced once from the 3rd and again on the 9th; value
// granted 3 days before it expires gets the 7-day notice at once, then the
// 1-day one. Sent reminders are rule uses of "#reminder", so a rerun of the
// job sends nothing twice.
#pragma once

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"

namespace patron::app {

Result<Executed> send_reminders(Store& store, const ResolvedProgram& program, const Command& c,
                                const Member& member, Instant now);

// The reminder lead for something `days_left` local days away: the smallest
// of `leads` (ascending) at least `days_left`; 0 when none is.
int64_t reminder_lead(const std::vector<int64_t>& leads, int64_t days_left);

}  // namespace patron::app
