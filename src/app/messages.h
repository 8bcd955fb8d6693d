// Messages (docs/webhooks.md "Messages"): when a program has [messages],
// each outbox event whose type has a template gets, in the same write, the
// message the shop's provider should send: the member's locale, the
// channels it may go on, the rendered subject and body, and when it may be
// sent. Decided once, when the event is written, so every delivery of the
// event (and every retry) carries the same message:
//   - channels: the program's, less e-mail without an address and SMS
//     without a phone; a marketing message (rules::MessageClass) only on the
//     channels the member consented to. None left: suppressed (no_consent,
//     or no_channel).
//   - quiet hours: a message composed inside them may be sent when they end
//     (send_after); webhook endpoints that are message providers get it then.
//   - frequency caps: a marketing message beyond max_per_day (the local day
//     of its send_after) or max_per_week (that day and the 6 before) is
//     suppressed (frequency_cap).
#pragma once

#include <vector>

#include "app/model.h"
#include "app/programs.h"
#include "app/store.h"
#include "core/error.h"

namespace patron::app {

// Fills message, send_after and marketing of `events` (written next, in the
// open transaction of `store`). Events of other programs than `program`, and
// without a member, are left alone.
Result<void> compose_messages(Store& store, const ResolvedProgram& program,
                              std::vector<OutboxEvent>& events);

// The first instant at or after `at` outside the quiet hours of `messages`
// in `zone` (`at` itself when there are none or it is outside them).
Instant after_quiet_hours(const rules::Messages& messages, Instant at, const date::time_zone* zone);

}  // namespace patron::app
