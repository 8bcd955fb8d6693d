// Checkout in the app: the quote (a read on the reader connection; nothing
// written) and the checkout reserve (a command in the writer). Both load the
// member's wallets settled at `now`, the member's tier and history, the
// campaigns the order would get and the coupons named, and run the pure
// quote (checkout/quote.h). The reserve then holds what the quote allows.
//
// Errors: kNotFound for an unknown member (a quote for an unknown member is
// not an error: it is quoted as a member with nothing yet); kInvalidArgument
// naming the field for a bad cart, an unknown wallet in `use`, a negative
// amount; kFailedPrecondition naming "use.<wallet>" when a reserve asks for
// more than the rules allow.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"
#include "checkout/quote.h"

namespace patron::app {

// The quote as JSON (docs/checkout.md): totals, "coupons", "wallets".<name>
// {"max_usable", "capped_by", "use", "lots", ...}, "earn", "tier".
Result<std::string> quote_view(Store& store, const Programs& programs,
                               const std::string& program_id, const std::string& member_id,
                               const CheckoutRequest& request, Instant now);

Result<Executed> checkout_reserve(Store& store, const ResolvedProgram& program,
                                  ledger::IdSource& ids, const Command& c,
                                  const CheckoutReserve& reserve, const Member& member,
                                  Instant now);

}  // namespace patron::app
