// Referral fraud checks (design §4.3): contact normalisation and the reasons
// a qualified referral is held for review. Pure; the app counts and loads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rules.h"

namespace patron::rules {

// Lower-cased and trimmed; for gmail.com / googlemail.com the dots and a
// "+tag" in the local part are dropped and the domain is gmail.com (they
// deliver to the same inbox). Empty when the text has no '@'.
std::string normalize_email(std::string_view email);

// Digits only; a leading 886 (Taiwan's country code, from +886) becomes 0,
// so "+886 912-345-678" and "0912345678" are the same phone. Empty when
// fewer than 6 digits remain (nothing to compare).
std::string normalize_phone(std::string_view phone);

struct ReferralParties {
  std::string_view referrer_email, referrer_phone;
  std::string_view referee_email, referee_phone;
  int64_t referrer_month = 0;  // the referrer's referrals already qualified this local month
  int64_t referrer_year = 0;   // ... and this local year
};

// Why a referral that qualifies now should wait for a person: "same_email",
// "same_phone", "referrer_limit_month", "referrer_limit_year". Empty: reward.
std::vector<std::string> referral_review_reasons(const ReferralRules& rules,
                                                 const ReferralParties& parties);

}  // namespace patron::rules
