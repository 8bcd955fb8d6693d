// Ledger invariants of one member wallet, checked from its complete history.
// Pure: the caller (patron verify, the property tests) supplies every lot
// (expired ones too), every hold, the debt and every transfer. Returns one
// readable line per violation; empty means the wallet is consistent.
#pragma once

#include <string>
#include <vector>

#include "ledger/types.h"

namespace patron::ledger {

std::vector<std::string> verify_wallet(const WalletState& state,
                                       const std::vector<Transfer>& transfers);

}  // namespace patron::ledger
